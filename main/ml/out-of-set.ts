// "None of these": whether an image is unlike everything a model was
// trained on. The rule compares the image's cosine distance to its nearest
// labelled training image with how far the training images are from their
// own nearest neighbour (each left out in turn): an image further away than
// OUT_OF_SET_PERCENTILE of the training images are is out of set. So on
// photos like the training photos it fires about 1% of the time by
// construction, whatever the backbone or the classes, and the threshold is
// chosen by the training set alone.
import { Worker } from 'node:worker_threads';
import type { ProjectStore } from '../../db/project-store.js';
import { abortError } from './embedder.js';
import type { OutOfSetWorkerData } from './out-of-set-worker.js';
import { unitScale } from './l2.js';
import { seededRandom, shuffleInPlace } from './random.js';
import { loadVectors } from './vectors-by-image.js';
import { PLAIN_VIEW } from './views.js';

/** The share of training images that would not count as out of set against the rest of the training set. */
export const OUT_OF_SET_PERCENTILE = 0.99;
/**
 * Training images kept as the reference: leave-one-out over n images costs
 * n² dot products, and a thousand images cover every class of a laptop-sized
 * project while keeping that under a second.
 */
export const MAX_REFERENCE = 1000;

/** Stored with a model version. */
export interface OutOfSetRule {
  percentile: number;
  /** Cosine distance to the nearest reference image beyond which an image is out of set. */
  threshold: number;
  /** Training images the distance is measured to (plain view). */
  referenceIds: number[];
}

function unitRows(vectors: readonly Float32Array[], dim: number): Float32Array {
  const out = new Float32Array(vectors.length * dim);
  vectors.forEach((v, r) => {
    const f = unitScale(v, 0, dim);
    for (let j = 0; j < dim; j++) out[r * dim + j] = v[j]! * f;
  });
  return out;
}

/** The value below which `share` of the values lie (nearest rank). */
export function percentile(values: readonly number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1))]!;
}

/** Each row's cosine distance to its nearest other row, computed in a worker; the rows are moved there, not copied. */
function leaveOneOutDistances(unit: Float32Array, n: number, dim: number, signal?: AbortSignal): Promise<Float64Array> {
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const data: OutOfSetWorkerData = { unit, n, dim, stop: stop.buffer as SharedArrayBuffer };
  const worker = new Worker(new URL('./out-of-set-worker.js', import.meta.url), { workerData: data, transferList: [unit.buffer as ArrayBuffer] });
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      Atomics.store(stop, 0, 1);
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => signal?.removeEventListener('abort', onAbort);
    worker.once('message', (distances: Float64Array | null) => {
      done();
      if (distances) resolve(distances);
    });
    worker.once('error', (err) => {
      done();
      reject(err);
    });
    worker.once('exit', (code) => {
      done();
      reject(new Error(`The out-of-set worker stopped (exit code ${code}).`));
    });
  });
}

/** The rule for a training set, from its plain-view embeddings; null with fewer than two images. */
export async function buildOutOfSetRule(
  training: readonly { imageId: number; vector: Float32Array }[],
  seed: number,
  signal?: AbortSignal,
): Promise<OutOfSetRule | null> {
  if (training.length < 2) return null;
  const sample = [...training].sort((a, b) => a.imageId - b.imageId);
  shuffleInPlace(sample, seededRandom(seed));
  sample.length = Math.min(sample.length, MAX_REFERENCE);
  const dim = sample[0]!.vector.length;
  const distances = await leaveOneOutDistances(unitRows(sample.map((s) => s.vector), dim), sample.length, dim, signal);
  return {
    percentile: OUT_OF_SET_PERCENTILE,
    threshold: percentile(Array.from(distances), OUT_OF_SET_PERCENTILE),
    referenceIds: sample.map((s) => s.imageId).sort((a, b) => a - b),
  };
}

/** A rule with its reference embeddings in memory, ready to judge images. */
export class OutOfSetCheck {
  private readonly unit: Float32Array;
  private readonly n: number;

  constructor(
    reference: readonly Float32Array[],
    private readonly dim: number,
    readonly threshold: number,
  ) {
    this.unit = unitRows(reference, dim);
    this.n = reference.length;
  }

  /** Cosine distance from a plain-view embedding to the nearest reference image. */
  distance(vector: Float32Array): number {
    const f = unitScale(vector, 0, this.dim);
    let best = -Infinity;
    for (let r = 0; r < this.n; r++) {
      let dot = 0;
      for (let j = 0, o = r * this.dim; j < this.dim; j++) dot += this.unit[o + j]! * vector[j]!;
      if (dot > best) best = dot;
    }
    return 1 - best * f;
  }

  isOutOfSet(vector: Float32Array): boolean {
    return this.distance(vector) > this.threshold;
  }
}

/**
 * The check for a stored version. The reference embeddings come from the
 * project's embedding cache (every training image has its plain view there);
 * images deleted since simply drop out of the reference.
 */
export async function loadOutOfSetCheck(store: ProjectStore, backbone: string, dim: number, rule: OutOfSetRule | undefined): Promise<OutOfSetCheck | null> {
  if (!rule) return null;
  const index = await loadVectors(store, backbone, rule.referenceIds, [PLAIN_VIEW]);
  const reference = rule.referenceIds.map((id) => index.get(id)?.get(PLAIN_VIEW)).filter((v): v is Float32Array => v?.length === dim);
  return reference.length > 0 ? new OutOfSetCheck(reference, dim, rule.threshold) : null;
}
