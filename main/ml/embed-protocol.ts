// Messages between the Embedder (main thread) and its worker.
import type { ImageSource } from './preprocess.js';

export interface EmbedWorkerInit {
  file: string;
  sha256: string;
  inputName: string;
  outputName: string;
  dim: number;
  inputSize: number;
  threads: number;
  maxBatch: number;
}

export interface WorkItem {
  /** Chosen by the Embedder; unique among items in flight. */
  seq: number;
  source: ImageSource;
  view: number;
}

export type ToWorker = { type: 'add'; items: WorkItem[] } | { type: 'drop'; seqs: number[] };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'fatal'; message: string; damaged: boolean }
  | { type: 'vectors'; seqs: number[]; data: Float32Array }
  | { type: 'failed'; seq: number; message: string };
