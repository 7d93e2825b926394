// Applies a trained head to embeddings in plain JS, exactly as the head
// format describes, so prediction needs no tfjs; and embeds new images to
// classify them.
import type { DenseWeights, HeadModel } from './head-format.js';
import { unitScale } from './l2.js';
import type { Embedder } from './embedder.js';
import { assertBackbone } from './with-embedder.js';
import type { ImageSource } from './image-source.js';
import type { OutOfSetCheck } from './out-of-set.js';
import { PLAIN_VIEW, PREDICTION_VIEWS, type ViewKey } from './views.js';

function dense(x: Float32Array, d: DenseWeights, relu: boolean): Float32Array {
  const out = new Float32Array(d.bias);
  const cols = d.outputSize;
  for (let i = 0; i < d.inputSize; i++) {
    const xi = x[i]!;
    if (xi === 0) continue;
    const row = i * cols;
    for (let j = 0; j < cols; j++) out[j]! += xi * d.weights[row + j]!;
  }
  if (relu) for (let j = 0; j < cols; j++) if (out[j]! < 0) out[j] = 0;
  return out;
}

/** Class probabilities for one embedding, in head.classes order. */
export function applyHead(head: HeadModel, embedding: Float32Array): Float32Array {
  if (embedding.length !== head.inputDim) {
    throw new RangeError(`This model expects ${head.inputDim}-long embeddings, got ${embedding.length}.`);
  }
  let x = embedding;
  if (head.l2normalize) {
    const f = unitScale(x);
    x = x.map((v) => v * f);
  }
  if (head.hidden) x = dense(x, head.hidden, true);
  const logits = dense(x, head.output, false);
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let z = 0;
  const p = logits.map((v) => {
    const e = Math.exp(v - max);
    z += e;
    return e;
  });
  return p.map((v) => v / z);
}

/** Test-time augmentation: the mean of the probabilities under several views. */
export function averageProbabilities(list: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(list[0]!.length);
  for (const p of list) p.forEach((v, i) => (out[i]! += v / list.length));
  return out;
}

export function argMax(p: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i]! > p[best]!) best = i;
  return best;
}

/** The views a head's predictions average over. */
export function predictionViews(tta: boolean): ViewKey[] {
  return tta ? [...PREDICTION_VIEWS] : [PLAIN_VIEW];
}

export interface ClassScore {
  className: string;
  probability: number;
}

export type ImagePredictionResult =
  | { ok: true; top: ClassScore[]; probabilities: Float32Array; outOfSet: boolean }
  | { ok: false; error: string };

export function topK(head: HeadModel, probabilities: Float32Array, k: number): ClassScore[] {
  return head.classes
    .map((className, i) => ({ className, probability: probabilities[i]! }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, Math.max(1, k));
}

export interface ImagesProgress {
  done: number;
  total: number;
  etaSeconds: number | null;
}

/** Embeds new images (files or bytes) with the head's backbone and classifies them. */
export async function predictImages(
  embedder: Embedder,
  head: HeadModel,
  sources: ImageSource[],
  opts: { topK?: number; tta?: boolean; signal?: AbortSignal; onProgress?: (p: ImagesProgress) => void; outOfSet?: OutOfSetCheck | null } = {},
): Promise<ImagePredictionResult[]> {
  assertBackbone(embedder, head.backbone);
  const views = predictionViews(opts.tta ?? true);
  // vectors[i][k] is source i under views[k]; views[0] is the plain view.
  const vectors = sources.map(() => [] as Float32Array[]);
  const errors = new Map<number, string>();
  await embedder.run(
    sources.map((source, i) => ({ source, views, tag: i })),
    sources.length,
    {
      onVector: (i, view, v) => (vectors[i]![views.indexOf(view)] = v),
      onFailure: (i, message) => errors.set(i, message),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    },
  );
  return sources.map((_, i) => {
    const error = errors.get(i);
    if (error !== undefined) return { ok: false, error };
    const probabilities = averageProbabilities(vectors[i]!.map((v) => applyHead(head, v)));
    const outOfSet = opts.outOfSet?.isOutOfSet(vectors[i]![0]!) ?? false;
    return { ok: true, top: topK(head, probabilities, opts.topK ?? 3), probabilities, outOfSet };
  });
}
