// One run of the live model: fit the draft head on the labelled images'
// cached vectors, guess every unlabelled image, and measure the draft on
// images it did not train on (the validation split, else k folds chosen by
// content hash so an image never changes fold as the project grows).
import { fitSoftmax, guessProbabilities, zeroWeights, type Sample, type SoftmaxWeights, type Views } from './softmax-regression.js';
import { seededRandom, shuffleInPlace } from './random.js';

export interface LiveLabelled extends Sample {
  id: number;
  /** Validation-split images measure the draft and never train it. */
  validation: boolean;
  fold: number;
}

export interface LiveUnlabelled extends Views {
  id: number;
}

/** Weights by class id, so a new class, a deleted one or a new order keeps what the others learnt. */
export interface WarmHead {
  classIds: readonly number[];
  head: SoftmaxWeights;
  /** The class id each image had when this head was fitted, to find what changed since. */
  labels: ReadonlyMap<number, number>;
  fits: number;
}

export interface LiveFitInput {
  /** The head's outputs, in order; labels index into it. */
  classIds: readonly number[];
  dim: number;
  labelled: readonly LiveLabelled[];
  unlabelled: readonly LiveUnlabelled[];
  /** Earlier runs' heads: 'main', and 'fold:<k>' for the k-fold models. Updated in place. */
  warm: Map<string, WarmHead>;
  cancelled?(): boolean;
}

export interface LiveGuessColumns {
  imageIds: Int32Array;
  /** Index into classIds. */
  classIndex: Int32Array;
  confidence: Float32Array;
}

export interface LiveAccuracy {
  accuracy: number;
  measuredOn: 'validation' | 'k-fold';
  /** Images the figure was measured on. */
  n: number;
  folds: number;
}

export const LIVE_FOLDS = 5;
/** Fewer labelled images than this give no accuracy figure worth showing. */
export const MIN_MEASURED = 10;

/**
 * Samples a first fit visits, spread over its images as whole epochs: small
 * projects get many, big ones few.
 */
const COLD_VISITS = 40_000;
const COLD_EPOCHS = { min: 3, max: 30 };
/**
 * A refit from warm weights visits this many samples whatever the project's
 * size, so a retrain after one label change costs the same on 500 images
 * as on 20,000: the changed images several times each, the rest drawn at
 * random. Smaller projects get whole epochs instead.
 */
export const WARM_VISITS = 8192;
const CHANGED_REPEATS = 4;
const WARM_EPOCHS_MAX = 15;

function epochs(n: number, count: number, random: () => number): Int32Array {
  const out = new Int32Array(n * count);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let e = 0; e < count; e++) {
    shuffleInPlace(order, random);
    out.set(order, e * n);
  }
  return out;
}

/** The order a fit visits its samples in: whole epochs when cold or small, else a fixed budget weighted to what changed. */
export function liveVisits(samples: readonly { id: number; label: number }[], classIds: readonly number[], warm: WarmHead | null): Int32Array {
  const n = samples.length;
  const random = seededRandom(42 + (warm?.fits ?? 0));
  if (!warm) return epochs(n, Math.max(COLD_EPOCHS.min, Math.min(COLD_EPOCHS.max, Math.ceil(COLD_VISITS / Math.max(1, n)))), random);
  if (n * 2 <= WARM_VISITS) return epochs(n, Math.min(WARM_EPOCHS_MAX, Math.ceil(WARM_VISITS / Math.max(1, n))), random);
  const changed: number[] = [];
  samples.forEach((s, i) => {
    if (warm.labels.get(s.id) !== classIds[s.label]) changed.push(i);
  });
  const visits = new Int32Array(Math.max(WARM_VISITS, changed.length * CHANGED_REPEATS));
  let k = 0;
  for (let r = 0; r < CHANGED_REPEATS && k < visits.length; r++) for (const i of changed) if (k < visits.length) visits[k++] = i;
  while (k < visits.length) visits[k++] = Math.floor(random() * n);
  shuffleInPlace(visits, random);
  return visits;
}

/** The fold of an image, from its content hash. */
export function foldOf(sha256: string, folds = LIVE_FOLDS): number {
  return parseInt(sha256.slice(0, 8), 16) % folds;
}

function warmStart(warm: WarmHead | undefined, classIds: readonly number[], dim: number): SoftmaxWeights | null {
  if (!warm || warm.head.dim !== dim) return null;
  const out = zeroWeights(classIds.length, dim);
  let kept = 0;
  classIds.forEach((id, c) => {
    const from = warm.classIds.indexOf(id);
    if (from < 0) return;
    out.weights.set(warm.head.weights.subarray(from * dim, (from + 1) * dim), c * dim);
    out.bias[c] = warm.head.bias[from]!;
    kept++;
  });
  return kept > 0 ? out : null;
}

function fit(input: LiveFitInput, key: string, samples: readonly LiveLabelled[]): SoftmaxWeights | null {
  const warm = input.warm.get(key);
  const prior = warmStart(warm, input.classIds, input.dim);
  const head = fitSoftmax(samples, prior ?? zeroWeights(input.classIds.length, input.dim), {
    visits: liveVisits(samples, input.classIds, prior && warm ? warm : null),
    ...(input.cancelled ? { cancelled: input.cancelled } : {}),
  });
  if (head) {
    const labels = new Map(samples.map((s) => [s.id, input.classIds[s.label]!]));
    input.warm.set(key, { classIds: [...input.classIds], head, labels, fits: (warm?.fits ?? 0) + 1 });
  }
  return head;
}

function topOf(p: Float32Array): number {
  let best = 0;
  for (let c = 1; c < p.length; c++) if (p[c]! > p[best]!) best = c;
  return best;
}

/** Fits the draft and guesses the unlabelled images; null when cancelled. */
export function fitLiveHead(input: LiveFitInput): { head: SoftmaxWeights; guesses: LiveGuessColumns } | null {
  const anyValidation = input.labelled.some((s) => s.validation);
  const head = fit(input, 'main', anyValidation ? input.labelled.filter((s) => !s.validation) : input.labelled);
  if (!head) return null;
  const n = input.unlabelled.length;
  const guesses: LiveGuessColumns = { imageIds: new Int32Array(n), classIndex: new Int32Array(n), confidence: new Float32Array(n) };
  const p = new Float32Array(head.classes);
  input.unlabelled.forEach((img, i) => {
    guessProbabilities(head, img, p);
    const top = topOf(p);
    guesses.imageIds[i] = img.id;
    guesses.classIndex[i] = top;
    guesses.confidence[i] = p[top]!;
  });
  return { head, guesses };
}

function accuracyOf(head: SoftmaxWeights, samples: readonly Sample[]): number {
  const p = new Float32Array(head.classes);
  let right = 0;
  for (const s of samples) {
    guessProbabilities(head, s, p);
    if (topOf(p) === s.label) right++;
  }
  return right / samples.length;
}

/**
 * How good the draft is: on the validation split when the project has one
 * (the draft never trained on it), else pooled over k folds, each fold's
 * images guessed by a head fitted on the other folds. Null when cancelled
 * or when there are too few images to say.
 */
export function measureLiveHead(input: LiveFitInput, head: SoftmaxWeights): LiveAccuracy | null {
  const validation = input.labelled.filter((s) => s.validation);
  if (validation.length > 0) {
    if (validation.length < MIN_MEASURED) return null;
    return { accuracy: accuracyOf(head, validation), measuredOn: 'validation', n: validation.length, folds: 0 };
  }
  if (input.labelled.length < MIN_MEASURED) return null;
  let right = 0;
  let measured = 0;
  for (let k = 0; k < LIVE_FOLDS; k++) {
    const held = input.labelled.filter((s) => s.fold === k);
    if (held.length === 0) continue;
    const foldHead = fit(input, `fold:${k}`, input.labelled.filter((s) => s.fold !== k));
    if (!foldHead) return null;
    right += accuracyOf(foldHead, held) * held.length;
    measured += held.length;
  }
  return { accuracy: right / measured, measuredOn: 'k-fold', n: measured, folds: LIVE_FOLDS };
}
