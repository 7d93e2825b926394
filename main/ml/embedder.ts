// The main-thread face of the backbone: streams images to a worker thread
// and hands back embeddings, with progress, ETA and cancellation. Only a
// bounded window of images is in flight, so a 20,000-image project is read
// lazily and never held in memory at once.
import { Worker } from 'node:worker_threads';
import {
  BackboneError,
  DEFAULT_BACKBONE,
  damagedWeightsMessage,
  resolveBackbone,
  type BackboneSpec,
  type ModelsLocation,
} from './backbones.js';
import type { EmbedWorkerInit, FromWorker, ToWorker, WorkItem } from './embed-protocol.js';
import type { ImageSource } from './preprocess.js';
import { PLAIN_VIEW } from './views.js';

export interface EmbedderOptions extends ModelsLocation {
  /** onnxruntime intra-op threads. */
  threads?: number;
  /** Largest batch given to one forward pass. */
  maxBatch?: number;
  /** Images decoded concurrently ahead of the backbone. */
  decodeAhead?: number;
}

export interface EmbedRequest<T> {
  source: ImageSource;
  view: number;
  tag: T;
}

export interface EmbedProgress {
  done: number;
  total: number;
  failed: number;
  etaSeconds: number | null;
}

export interface EmbedHandlers<T> {
  onVector(tag: T, vector: Float32Array): void;
  onFailure?(tag: T, message: string): void;
  onProgress?(progress: EmbedProgress): void;
  signal?: AbortSignal;
}

/** Images sent to the worker and not yet answered, per run. */
const WINDOW = 64;
const PROGRESS_EVERY_MS = 100;

interface Outstanding {
  onVector(vector: Float32Array): void;
  onFailure(message: string): void;
}

export function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The operation was cancelled.', 'AbortError');
}

export class Embedder {
  private readonly outstanding = new Map<number, Outstanding>();
  private nextSeq = 1;
  private activeRuns = 0;
  private broken: Error | null = null;
  private readonly brokenListeners = new Set<(err: Error) => void>();

  private constructor(
    private readonly worker: Worker,
    readonly backbone: BackboneSpec,
  ) {
    worker.on('message', (msg: FromWorker) => this.receive(msg));
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', () => this.fail(new Error('The embedding worker stopped.')));
  }

  static async open(backboneId: string = DEFAULT_BACKBONE, opts: EmbedderOptions = {}): Promise<Embedder> {
    const resolved = resolveBackbone(backboneId, opts);
    const init: EmbedWorkerInit & { decodeAhead: number } = {
      file: resolved.file,
      sha256: resolved.spec.sha256,
      inputName: resolved.spec.inputName,
      outputName: resolved.spec.outputName,
      dim: resolved.spec.dim,
      inputSize: resolved.spec.inputSize,
      threads: opts.threads ?? 2,
      maxBatch: opts.maxBatch ?? 16,
      decodeAhead: opts.decodeAhead ?? 2,
    };
    const worker = new Worker(new URL('./embed-worker.js', import.meta.url), { workerData: init });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (msg: FromWorker) => {
        if (msg.type === 'ready') {
          cleanup();
          resolve();
        } else if (msg.type === 'fatal') {
          cleanup();
          void worker.terminate();
          reject(new BackboneError(msg.damaged ? damagedWeightsMessage(resolved, msg.message) : msg.message));
        }
      };
      const onError = (err: Error) => {
        cleanup();
        reject(err);
      };
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
    });
    worker.unref();
    return new Embedder(worker, resolved.spec);
  }

  private receive(msg: FromWorker): void {
    if (msg.type === 'vectors') {
      const dim = this.backbone.dim;
      msg.seqs.forEach((seq, i) => {
        const o = this.outstanding.get(seq);
        if (!o) return;
        this.outstanding.delete(seq);
        o.onVector(msg.data.slice(i * dim, (i + 1) * dim));
      });
    } else if (msg.type === 'failed') {
      const o = this.outstanding.get(msg.seq);
      if (!o) return;
      this.outstanding.delete(msg.seq);
      o.onFailure(msg.message);
    }
  }

  private fail(err: Error): void {
    if (this.broken) return;
    this.broken = err;
    for (const l of this.brokenListeners) l(err);
  }

  private send(msg: ToWorker): void {
    this.worker.postMessage(msg);
  }

  /**
   * Embeds every request, calling onVector as each vector arrives (in no
   * particular order). Requests are pulled lazily from the iterable. On
   * abort it rejects with the signal's reason; vectors delivered before
   * that stay delivered.
   */
  run<T>(requests: Iterable<EmbedRequest<T>>, total: number, handlers: EmbedHandlers<T>): Promise<{ done: number; failed: number }> {
    const { signal } = handlers;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.broken) return Promise.reject(this.broken);
    const iterator = requests[Symbol.iterator]();
    const mine = new Set<number>();
    const started = performance.now();
    let done = 0;
    let failed = 0;
    let exhausted = false;
    let lastProgress = 0;

    this.activeRuns++;
    this.worker.ref();
    return new Promise<{ done: number; failed: number }>((resolve, reject) => {
      let settled = false;
      const finish = (err: Error | null) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        this.brokenListeners.delete(onBroken);
        if (mine.size > 0) {
          for (const seq of mine) this.outstanding.delete(seq);
          this.send({ type: 'drop', seqs: [...mine] });
        }
        if (--this.activeRuns === 0) this.worker.unref();
        if (err) reject(err);
        else resolve({ done, failed });
      };
      const progress = (force: boolean) => {
        if (!handlers.onProgress) return;
        const now = performance.now();
        if (!force && now - lastProgress < PROGRESS_EVERY_MS) return;
        lastProgress = now;
        const rate = done > 0 ? done / (now - started) : 0;
        handlers.onProgress({
          done,
          total,
          failed,
          etaSeconds: rate > 0 ? Math.max(0, total - done) / rate / 1000 : null,
        });
      };
      const answered = (seq: number) => {
        mine.delete(seq);
        done++;
        progress(false);
        refill();
      };
      const refill = () => {
        if (settled) return;
        const items: WorkItem[] = [];
        try {
          while (!exhausted && mine.size < WINDOW) {
            const next = iterator.next();
            if (next.done) {
              exhausted = true;
              break;
            }
            const { source, view, tag } = next.value;
            const seq = this.nextSeq++;
            mine.add(seq);
            items.push({ seq, source, view });
            this.outstanding.set(seq, {
              onVector: (vector) => {
                handlers.onVector(tag, vector);
                answered(seq);
              },
              onFailure: (message) => {
                failed++;
                handlers.onFailure?.(tag, message);
                answered(seq);
              },
            });
          }
        } catch (err) {
          finish(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        if (items.length > 0) this.send({ type: 'add', items });
        if (exhausted && mine.size === 0) {
          progress(true);
          finish(null);
        }
      };
      const onAbort = () => finish(abortError(signal!));
      const onBroken = (err: Error) => finish(err);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.brokenListeners.add(onBroken);
      progress(true);
      refill();
    });
  }

  /** Embeds a few images under one view; a failed image gives an Error in its place. */
  async embedMany(sources: ImageSource[], view: number = PLAIN_VIEW, signal?: AbortSignal): Promise<(Float32Array | Error)[]> {
    const out: (Float32Array | Error)[] = new Array(sources.length);
    await this.run(
      sources.map((source, i) => ({ source, view, tag: i })),
      sources.length,
      {
        onVector: (i, v) => (out[i] = v),
        onFailure: (i, message) => (out[i] = new Error(message)),
        ...(signal ? { signal } : {}),
      },
    );
    return out;
  }

  async close(): Promise<void> {
    this.fail(new Error('The embedder was closed.'));
    await this.worker.terminate();
  }
}
