// The main-thread face of the live model's worker: hands it vectors once,
// then runs (ids and labels only), one at a time; asking for a newer run
// makes the current one give up at its next minibatch.
import { Worker } from 'node:worker_threads';
import type { LiveAccuracy, LiveGuessColumns } from './live-fit.js';
import type { FromLiveWorker, LiveWorkerData, ToLiveWorker } from './live-protocol.js';

export interface LiveRunRequest {
  classIds: number[];
  labelled: { ids: Int32Array; labels: Int32Array; validation: Uint8Array; folds: Uint8Array };
  unlabelled: Int32Array;
}

export interface LiveRunHandlers {
  onGuesses(guesses: LiveGuessColumns, info: { trained: number; ms: number }): void;
  onAccuracy(accuracy: LiveAccuracy | null, info: { ms: number }): void;
}

export type LiveRunEnd = 'done' | 'cancelled';

export class LiveTrainer {
  private readonly worker: Worker;
  private readonly latest = new Int32Array(new SharedArrayBuffer(4));
  private gen = 0;
  private readonly sent = new Set<number>();
  private current: { gen: number; handlers: LiveRunHandlers; resolve(end: LiveRunEnd): void; reject(err: Error): void } | null = null;
  private failure: Error | null = null;

  constructor() {
    const data: LiveWorkerData = { latest: this.latest.buffer as SharedArrayBuffer };
    this.worker = new Worker(new URL('./live-worker.js', import.meta.url), { workerData: data });
    this.worker.unref();
    this.worker.on('message', (msg: FromLiveWorker) => this.onMessage(msg));
    const fail = (err: Error) => {
      this.failure = err;
      this.current?.reject(err);
      this.current = null;
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`The live model's worker stopped (exit code ${code}).`)));
  }

  /** Whether the worker holds this image's vectors. */
  has(imageId: number): boolean {
    return this.sent.has(imageId);
  }

  /** Each image's plain and mirror vectors. */
  addVectors(ids: readonly number[], views: readonly (readonly [Float32Array, Float32Array])[]): void {
    if (ids.length === 0) return;
    const dim = views[0]![0].length;
    const data = new Float32Array(ids.length * 2 * dim);
    views.forEach(([plain, mirror], i) => {
      data.set(plain, 2 * i * dim);
      data.set(mirror, (2 * i + 1) * dim);
    });
    this.post({ type: 'vectors', ids: Int32Array.from(ids), dim, data }, [data.buffer]);
    for (const id of ids) this.sent.add(id);
  }

  reset(): void {
    this.cancel();
    this.sent.clear();
    this.post({ type: 'reset' });
  }

  /** Makes the run in progress, if any, give up. */
  cancel(): void {
    Atomics.store(this.latest, 0, ++this.gen);
  }

  run(request: LiveRunRequest, handlers: LiveRunHandlers): Promise<LiveRunEnd> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.current) return Promise.reject(new Error('A live run is already going.'));
    const gen = ++this.gen;
    Atomics.store(this.latest, 0, gen);
    this.worker.ref();
    return new Promise<LiveRunEnd>((resolve, reject) => {
      this.current = { gen, handlers, resolve, reject };
      const { labelled, unlabelled } = request;
      this.post({ type: 'run', gen, classIds: request.classIds, labelled, unlabelled });
    }).finally(() => {
      this.current = null;
      this.worker.unref();
    });
  }

  /** Asks the worker to leave; it runs no native code, so nothing is left half-done. */
  dispose(): void {
    this.cancel();
    this.post({ type: 'stop' });
  }

  private post(msg: ToLiveWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(msg, transfer);
  }

  private onMessage(msg: FromLiveWorker): void {
    const cur = this.current;
    if (!cur || msg.gen !== cur.gen) return;
    if (msg.type === 'guesses') cur.handlers.onGuesses(msg, { trained: msg.trained, ms: msg.ms });
    else if (msg.type === 'accuracy') {
      cur.handlers.onAccuracy(msg.accuracy, { ms: msg.ms });
      cur.resolve('done');
    } else if (msg.type === 'cancelled') cur.resolve('cancelled');
    else cur.reject(new Error(`The live model failed: ${msg.message}`));
  }
}
