// Runs the all-pairs similarity scan off the main thread, with progress and
// cancellation: a cancel answers at once, and the worker stops after the
// block it is on (a tenth of a second or so) and ends by itself.
import '../ml/telemetry-off.js';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { abortError } from '../ml/embedder.js';
import { workerOutcome } from '../workers/worker-outcome.js';
import type { FromPairScan, PairList, PairScanInput, ToPairScan } from './pair-scan-protocol.js';

export interface PairScanOptions {
  floor: number;
  threshold: number;
  maxPairs?: number;
  signal?: AbortSignal;
  onProgress?(done: number, total: number): void;
}

/** Beyond this many pairs the floor rises to the threshold asked for: about 12 bytes each. */
const MAX_PAIRS = 2_000_000;

export function scanPairs(matrix: Float32Array, n: number, dim: number, opts: PairScanOptions): Promise<PairList> {
  const { signal } = opts;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  if (n < 2) return Promise.resolve({ a: new Int32Array(0), b: new Int32Array(0), similarity: new Float32Array(0), floor: opts.floor });
  // onnxruntime cannot read shared memory, so the worker gets its own copy; moving it avoids a second one.
  const copy = matrix.slice(0, n * dim);
  const data: PairScanInput = {
    matrix: copy,
    n,
    dim,
    floor: opts.floor,
    threshold: opts.threshold,
    maxPairs: opts.maxPairs ?? MAX_PAIRS,
    threads: Math.max(1, Math.min(2, os.availableParallelism())),
  };
  const worker = new Worker(new URL('./pair-scan-worker.js', import.meta.url), { workerData: data, transferList: [copy.buffer] });
  return workerOutcome<PairList, FromPairScan>(worker, {
    signal,
    onMessage: (msg, settle) => {
      if (msg.type === 'progress') opts.onProgress?.(msg.done, msg.total);
      else if (msg.type === 'done') settle.resolve({ a: msg.a, b: msg.b, similarity: msg.similarity, floor: msg.floor });
      else if (msg.type === 'error') settle.reject(new Error(`The duplicate scan failed: ${msg.message}`));
    },
    // The worker stops after the block it is on and leaves by itself.
    onCancel: () => worker.postMessage({ type: 'cancel' } satisfies ToPairScan),
    cancelled: () => abortError(signal!),
    failed: ({ error, exitCode }) => error ?? new Error(`The duplicate scan stopped unexpectedly (exit code ${exitCode}).`),
  });
}
