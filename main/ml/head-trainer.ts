// Runs trainHead in a worker thread with progress and cancellation. The
// worker can be started early (it loads tfjs, about a second) and given
// its data later.
import { Worker } from 'node:worker_threads';
import { workerOutcome } from '../workers/worker-outcome.js';
import { abortError } from './embedder.js';
import type { BackendName } from './tf-backend.js';
import type { EpochStats } from '../../contract/types.js';
import type { HeadTrainInput, HeadTrainResult } from './train-head.js';
import {
  CONTROL_SLOTS,
  REFIT_FLOOR,
  REFIT_TARGET,
  STOP_FLAG,
  type FromTrainWorker,
  type ToTrainWorker,
  type TrainWorkerData,
} from './train-protocol.js';

/** A step takes milliseconds; tfjs loading, which cannot be interrupted, about a second. */
const STOP_GRACE_MS = 10_000;

export interface HeadTrainOptions {
  signal?: AbortSignal;
  /** With the best epoch so far. */
  onEpoch?(stats: EpochStats, bestEpoch: number): void;
  /**
   * Train as a refit beside the training that chooses its length: epoch by
   * epoch until refitUntil() names the epoch count, whose weights it returns
   * (the input's epochs cap it, and it never stops early).
   */
  refit?: boolean;
}

export type HeadTrainOutcome = HeadTrainResult & { backend: BackendName };

export class HeadTrainer {
  private readonly worker: Worker;
  private readonly control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_SLOTS));
  private used = false;
  private disposed = false;
  /** Settles once tfjs is loaded, with its backend; null if loading failed or the worker stopped. */
  readonly ready: Promise<BackendName | null>;

  /** Starts the worker and its tfjs loading now. Call train() once, or dispose(). */
  constructor(backend?: BackendName) {
    const data: TrainWorkerData = { control: this.control.buffer as SharedArrayBuffer, ...(backend ? { backend } : {}) };
    this.worker = new Worker(new URL('./train-worker.js', import.meta.url), { workerData: data });
    // An idle, pre-started trainer must not keep the process alive.
    this.worker.unref();
    this.ready = new Promise((resolve) => {
      this.worker.on('message', (msg: FromTrainWorker) => {
        if (msg.type === 'ready') resolve(msg.backend);
        else if (msg.type === 'error') resolve(null);
      });
      // Also keeps a failure before train() from becoming an uncaught error.
      this.worker.on('error', () => resolve(null));
      this.worker.once('exit', () => resolve(null));
    });
  }

  /** The sample arrays of `input` are moved to the worker, not copied, and are unusable afterwards. */
  train(input: HeadTrainInput, opts: HeadTrainOptions = {}): Promise<HeadTrainOutcome> {
    if (this.used) return Promise.reject(new Error('A HeadTrainer trains once.'));
    this.used = true;
    const { signal } = opts;
    if (signal?.aborted) {
      this.dispose();
      return Promise.reject(abortError(signal));
    }
    const worker = this.worker;
    worker.ref();
    const outcome = workerOutcome<HeadTrainOutcome, FromTrainWorker>(worker, {
      signal,
      onMessage: (msg, settle) => {
        if (msg.type === 'epoch') opts.onEpoch?.(msg.stats, msg.bestEpoch);
        else if (msg.type === 'done') settle.resolve({ ...msg.result, backend: msg.backend });
        else if (msg.type === 'error') settle.reject(new Error(`Training failed: ${msg.message}`));
      },
      cancelled: () => abortError(signal!),
      failed: ({ error, exitCode }) => error ?? new Error(`The training worker stopped (exit code ${exitCode}).`),
      onSettled: () => this.dispose(),
    });
    // A big project's samples would block the event loop while cloning.
    const buffers = new Set<ArrayBuffer>([input.train.x.buffer as ArrayBuffer, input.train.y.buffer as ArrayBuffer]);
    if (input.val) for (const b of [input.val.x.buffer, input.val.y.buffer]) buffers.add(b as ArrayBuffer);
    const msg: ToTrainWorker = { type: 'train', input, refit: opts.refit ?? false };
    worker.postMessage(msg, [...buffers]);
    return outcome;
  }

  /** A refit's epoch count, once the choosing training has found it; the refit then finishes with those weights. */
  refitUntil(epochs: number): void {
    Atomics.store(this.control, REFIT_TARGET, epochs);
    Atomics.notify(this.control, REFIT_TARGET);
  }

  /** The choosing training's best epoch so far: a refit can forget the weights of earlier epochs. */
  refitFloor(epoch: number): void {
    Atomics.store(this.control, REFIT_FLOOR, epoch);
  }

  /**
   * Asks the worker to stop at its next step and leave; it is terminated
   * only if it has not left after a grace period.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    Atomics.store(this.control, STOP_FLAG, 1);
    Atomics.notify(this.control, REFIT_TARGET);
    const msg: ToTrainWorker = { type: 'stop' };
    this.worker.postMessage(msg);
    const timer = setTimeout(() => void this.worker.terminate(), STOP_GRACE_MS);
    timer.unref();
    this.worker.once('exit', () => clearTimeout(timer));
  }
}
