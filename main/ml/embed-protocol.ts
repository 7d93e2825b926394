// Messages between the Embedder (main thread) and its two workers: one
// decodes images, the other runs the backbone. Keeping them apart lets the
// backbone's thread call onnxruntime back to back while the other thread
// feeds sharp, so decoding and inference overlap on both cores.
import type { MessagePort } from 'node:worker_threads';
import type { ImageSource } from './image-source.js';
import type { ViewSpec } from './views.js';

export interface InferenceWorkerInit {
  file: string;
  /** Checksums of a good copy: the staged one and the converter's. */
  sha256: string[];
  inputName: string;
  outputName: string;
  inputSize: number;
  threads: number;
  maxBatch: number;
  /** Receives DecodedMessage from the decode worker. */
  decoded: MessagePort;
}

export interface DecodeWorkerInit {
  inputSize: number;
  /** The backbone's input scaling (its spec): value = pixel / divisor + offset. */
  scale: { divisor: number; offset: number };
  /** Images decoded at once. */
  concurrency: number;
  /** Sends DecodedMessage to the inference worker. */
  decoded: MessagePort;
}

/** One image and every view wanted of it: decoded at most once (an import's raster not at all), cut once per view. */
export interface WorkItem {
  /** One per view, chosen by the Embedder; unique among views in flight. */
  seqs: number[];
  source: ImageSource;
  views: ViewSpec[];
}

/**
 * Main thread -> decode worker. 'close' lets in-flight native work finish
 * before the worker exits: terminating a thread inside sharp or
 * onnxruntime aborts the whole process.
 */
export type ToDecoder = { type: 'add'; items: WorkItem[] } | { type: 'drop'; seqs: number[] } | { type: 'close' };

/** Main thread -> inference worker. */
export type ToInference = { type: 'close' };

/** Decode worker -> inference worker: NHWC float32 input of one view, already scaled. */
export interface DecodedMessage {
  seq: number;
  input: Float32Array;
  /** Decodes the image took, carried by its first view only, so the main thread can count them per run. */
  decodes: number;
}

/** Either worker -> main thread. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'fatal'; message: string; damaged: boolean }
  | { type: 'vectors'; seqs: number[]; data: Float32Array; decodes: number[] }
  | { type: 'failed'; seq: number; message: string; decodes: number };
