// The main-thread face of the backbone: streams images to worker threads
// (one decodes, one runs the backbone) and hands back embeddings, with
// progress, ETA and cancellation. A request is one image with every view
// wanted of it, decoded once for all of them; each run counts its decodes.
// Only a bounded window of views is in flight, so a 20,000-image project is
// read lazily and never held in memory at once.
import './telemetry-off.js';
import os from 'node:os';
import { MessageChannel, Worker } from 'node:worker_threads';
import {
  BackboneError,
  DEFAULT_BACKBONE,
  acceptedSha256,
  damagedWeightsMessage,
  resolveBackbone,
  type BackboneSpec,
  type ModelsLocation,
} from './backbones.js';
import type { DecodeWorkerInit, FromWorker, InferenceWorkerInit, ToDecoder, ToInference, WorkItem } from './embed-protocol.js';
import type { ImageSource } from './image-source.js';
import { workerOutcome } from '../workers/worker-outcome.js';
import { PLAIN_VIEW, viewSpec, type ViewKey } from './views.js';

export interface EmbedderOptions extends ModelsLocation {
  /** onnxruntime intra-op threads; default: all cores but one. */
  threads?: number;
  /** Largest batch given to one forward pass. */
  maxBatch?: number;
  /** Images decoded concurrently ahead of the backbone. */
  decodeAhead?: number;
}

export interface EmbedRequest<T> {
  source: ImageSource;
  /** Every view wanted of this image; at least one. */
  views: readonly ViewKey[];
  tag: T;
}

/** Counts images (requests), not views. */
export interface EmbedProgress {
  done: number;
  total: number;
  failed: number;
  etaSeconds: number | null;
}

export interface EmbedHandlers<T> {
  onVector(tag: T, view: ViewKey, vector: Float32Array): void;
  /** Once per image that could not be embedded; views delivered before the failure stay delivered. */
  onFailure?(tag: T, message: string): void;
  onProgress?(progress: EmbedProgress): void;
  signal?: AbortSignal;
}

/**
 * One core is left to decoding: intra-op threads that must wait for a core
 * busy with decoding slow every layer down (measured in docs/benchmarks.md).
 */
export function defaultThreads(): number {
  return Math.max(1, os.availableParallelism() - 1);
}

export interface EmbedRunResult {
  /** Images answered, failed ones included. */
  done: number;
  failed: number;
  /** Times an image's bytes were decoded: one per stored copy or original, none for an import's raster. */
  decodes: number;
}

/** Views sent to the workers and not yet answered, per run: each holds a 600 KB input at most. */
const WINDOW = 64;
const PROGRESS_EVERY_MS = 100;
/** Longest wait for a worker to finish its current image or batch on close. */
const CLOSE_TIMEOUT_MS = 10_000;

interface Outstanding {
  onVector(vector: Float32Array, decodes: number): void;
  onFailure(message: string, decodes: number): void;
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
  private decodesMade = 0;

  private readonly workers: readonly Worker[];

  private constructor(
    private readonly inference: Worker,
    private readonly decoder: Worker,
    readonly backbone: BackboneSpec,
    /** The ONNX file the workers loaded, its checksum verified. */
    readonly weightsFile: string,
  ) {
    this.workers = [inference, decoder];
    for (const w of this.workers) {
      w.on('message', (msg: FromWorker) => this.receive(msg));
      w.on('error', (err) => this.fail(err));
      w.on('exit', () => this.fail(new Error('An embedding worker stopped.')));
    }
  }

  /** Starts the decode and inference workers; rejects with a BackboneError naming missing or damaged weights. */
  static async open(backboneId: string = DEFAULT_BACKBONE, opts: EmbedderOptions = {}): Promise<Embedder> {
    const resolved = resolveBackbone(backboneId, opts);
    const { spec } = resolved;
    const channel = new MessageChannel();
    const inferenceInit: InferenceWorkerInit = {
      file: resolved.file,
      sha256: acceptedSha256(spec),
      inputName: spec.inputName,
      outputName: spec.outputName,
      inputSize: spec.inputSize,
      threads: opts.threads ?? defaultThreads(),
      maxBatch: opts.maxBatch ?? 16,
      decoded: channel.port2,
    };
    const decodeInit: DecodeWorkerInit = { inputSize: spec.inputSize, scale: spec.scale, concurrency: opts.decodeAhead ?? 2, decoded: channel.port1 };
    const inference = new Worker(new URL('./embed-worker.js', import.meta.url), {
      workerData: inferenceInit,
      transferList: [channel.port2],
    });
    const decoder = new Worker(new URL('./decode-worker.js', import.meta.url), {
      workerData: decodeInit,
      transferList: [channel.port1],
    });
    try {
      await workerOutcome<void, FromWorker>([inference, decoder], {
        onMessage: (msg, settle) => {
          if (msg.type === 'ready') settle.resolve();
          else if (msg.type === 'fatal') settle.reject(new BackboneError(msg.damaged ? damagedWeightsMessage(resolved, msg.message) : msg.message));
        },
        failed: ({ error }) => error ?? new Error('An embedding worker stopped while the backbone was loading.'),
      });
    } catch (err) {
      await Promise.all([inference.terminate(), decoder.terminate()]);
      throw err;
    }
    // Idle workers must not keep the process alive; run() refs them while it works.
    inference.unref();
    decoder.unref();
    return new Embedder(inference, decoder, spec, resolved.file);
  }

  private receive(msg: FromWorker): void {
    if (msg.type === 'vectors') {
      const dim = this.backbone.dim;
      msg.seqs.forEach((seq, i) => {
        const o = this.outstanding.get(seq);
        if (!o) return;
        this.outstanding.delete(seq);
        o.onVector(msg.data.slice(i * dim, (i + 1) * dim), msg.decodes[i]!);
      });
    } else if (msg.type === 'failed') {
      const o = this.outstanding.get(msg.seq);
      if (!o) return;
      this.outstanding.delete(msg.seq);
      o.onFailure(msg.message, msg.decodes);
    }
  }

  /** Decodes made by every run of this embedder, for counting decodes per image across callers (the bench). */
  get decodes(): number {
    return this.decodesMade;
  }

  /** False once a worker died; callers holding on to an embedder open a new one then. */
  get usable(): boolean {
    return this.broken === null;
  }

  private fail(err: Error): void {
    if (this.broken) return;
    this.broken = err;
    for (const l of this.brokenListeners) l(err);
  }

  private send(msg: ToDecoder): void {
    this.decoder.postMessage(msg);
  }

  /**
   * Embeds every request, calling onVector as each view's vector arrives (in
   * no particular order). Requests are pulled lazily from the iterable;
   * `total` is the number of requests. On abort it rejects with the
   * signal's reason; vectors delivered before that stay delivered.
   */
  run<T>(requests: Iterable<EmbedRequest<T>>, total: number, handlers: EmbedHandlers<T>): Promise<EmbedRunResult> {
    const { signal } = handlers;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.broken) return Promise.reject(this.broken);
    const iterator = requests[Symbol.iterator]();
    const mine = new Set<number>();
    const started = performance.now();
    let done = 0;
    let failed = 0;
    let decodes = 0;
    let exhausted = false;
    let lastProgress = 0;

    if (this.activeRuns++ === 0) for (const w of this.workers) w.ref();
    return new Promise<EmbedRunResult>((resolve, reject) => {
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
        if (--this.activeRuns === 0) for (const w of this.workers) w.unref();
        if (err) reject(err);
        else resolve({ done, failed, decodes });
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
            const { source, views, tag } = next.value;
            const specs = views.map(viewSpec);
            const seqs = views.map(() => this.nextSeq++);
            let left = seqs.length;
            let failure: string | null = null;
            const answered = (seq: number, d: number) => {
              mine.delete(seq);
              decodes += d;
              this.decodesMade += d;
              if (--left > 0) return;
              done++;
              if (failure !== null) {
                failed++;
                handlers.onFailure?.(tag, failure);
              }
              progress(false);
              refill();
            };
            seqs.forEach((seq, k) => {
              mine.add(seq);
              this.outstanding.set(seq, {
                onVector: (vector, d) => {
                  handlers.onVector(tag, views[k]!, vector);
                  answered(seq, d);
                },
                onFailure: (message, d) => {
                  failure ??= message;
                  answered(seq, d);
                },
              });
            });
            items.push({ seqs, source, views: specs });
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
  async embedMany(sources: ImageSource[], view: ViewKey = PLAIN_VIEW, signal?: AbortSignal): Promise<(Float32Array | Error)[]> {
    const out: (Float32Array | Error)[] = new Array(sources.length);
    await this.run(
      sources.map((source, i) => ({ source, views: [view], tag: i })),
      sources.length,
      {
        onVector: (i, _view, v) => (out[i] = v),
        onFailure: (i, message) => (out[i] = new Error(message)),
        ...(signal ? { signal } : {}),
      },
    );
    return out;
  }

  /**
   * Stops both workers once their in-flight native work is done (a thread
   * terminated inside sharp or onnxruntime takes the process down).
   */
  async close(): Promise<void> {
    this.fail(new Error('The embedder was closed.'));
    const exited = this.workers.map((w) => new Promise<void>((resolve) => w.once('exit', () => resolve())));
    const close: ToDecoder & ToInference = { type: 'close' };
    this.decoder.postMessage(close);
    this.inference.postMessage(close);
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), CLOSE_TIMEOUT_MS)));
    if ((await Promise.race([Promise.all(exited), hung])) === 'hung') await Promise.all(this.workers.map((w) => w.terminate()));
    clearTimeout(timer);
  }
}
