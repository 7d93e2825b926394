// Multinomial logistic regression on Float32Arrays, for the live model: a
// retrain after one label change must finish in well under a second on
// thousands of images, which tfjs's per-step overhead cannot give. Plain
// loops, minibatch Adam, L2 penalty, warm start from earlier weights.

import { normaliseRows } from './l2.js';

/** Rows are classes: weights[c * dim + d]; bias[c]. */
export interface SoftmaxWeights {
  classes: number;
  dim: number;
  weights: Float32Array;
  bias: Float32Array;
}

/**
 * One image under its two views, each scaled to unit length. Training shows
 * one view per visit, in turn (the mirror augments without doubling an
 * epoch); guesses average the two views' logits.
 */
export interface Views {
  plain: Float32Array;
  mirror: Float32Array;
}

export interface Sample extends Views {
  label: number;
}

export interface SoftmaxFitOptions {
  /** Sample indices in the order they are visited, repeats allowed; minibatches are cut from it. */
  visits: Int32Array;
  learningRate?: number;
  l2?: number;
  batch?: number;
  /** Checked between minibatches; true abandons the fit (it returns null). */
  cancelled?(): boolean;
}

export const SOFTMAX_DEFAULTS = { learningRate: 0.01, l2: 1e-4, batch: 64 } as const;

/** Below this, a class's share of a sample's gradient is skipped: confident samples cost one row, not every class's. */
const GRADIENT_FLOOR = 1e-4;

export function zeroWeights(classes: number, dim: number): SoftmaxWeights {
  return { classes, dim, weights: new Float32Array(classes * dim), bias: new Float32Array(classes) };
}

/** Softmax of the logits of one vector into `out` (length classes). */
export function probabilities(w: SoftmaxWeights, x: Float32Array, out: Float32Array): void {
  const { classes, dim, weights, bias } = w;
  let max = -Infinity;
  for (let c = 0; c < classes; c++) {
    const row = c * dim;
    let z = bias[c]!;
    for (let d = 0; d < dim; d++) z += weights[row + d]! * x[d]!;
    out[c] = z;
    if (z > max) max = z;
  }
  softmaxInPlace(out, max);
}

/** Softmax of the two views' mean logits: the mirror-averaged guess. */
export function guessProbabilities(w: SoftmaxWeights, v: Views, out: Float32Array): void {
  const { classes, dim, weights, bias } = w;
  const { plain, mirror } = v;
  let max = -Infinity;
  for (let c = 0; c < classes; c++) {
    const row = c * dim;
    let a = 0;
    let b = 0;
    for (let d = 0; d < dim; d++) {
      const wd = weights[row + d]!;
      a += wd * plain[d]!;
      b += wd * mirror[d]!;
    }
    const z = bias[c]! + (a + b) / 2;
    out[c] = z;
    if (z > max) max = z;
  }
  softmaxInPlace(out, max);
}

function softmaxInPlace(out: Float32Array, max: number): void {
  let sum = 0;
  for (let c = 0; c < out.length; c++) {
    const e = Math.exp(out[c]! - max);
    out[c] = e;
    sum += e;
  }
  for (let c = 0; c < out.length; c++) out[c] = out[c]! / sum;
}

/** Fits from `start` (left untouched), returning the new weights, or null when cancelled. */
export function fitSoftmax(samples: readonly Sample[], start: SoftmaxWeights, opts: SoftmaxFitOptions): SoftmaxWeights | null {
  const lr = opts.learningRate ?? SOFTMAX_DEFAULTS.learningRate;
  const l2 = opts.l2 ?? SOFTMAX_DEFAULTS.l2;
  const batch = opts.batch ?? SOFTMAX_DEFAULTS.batch;
  const { classes, dim } = start;
  const w: SoftmaxWeights = { classes, dim, weights: Float32Array.from(start.weights), bias: Float32Array.from(start.bias) };
  const { visits } = opts;
  const gw = new Float32Array(classes * dim);
  const gb = new Float32Array(classes);
  // Adam's moments start afresh each fit: warm weights, cold optimiser.
  const mw = new Float32Array(classes * dim);
  const vw = new Float32Array(classes * dim);
  const mb = new Float32Array(classes);
  const vb = new Float32Array(classes);
  const p = new Float32Array(classes);
  const b1 = 0.9;
  const b2 = 0.999;
  let step = 0;
  for (let start0 = 0; start0 < visits.length; start0 += batch) {
    if (opts.cancelled?.()) return null;
    const end = Math.min(visits.length, start0 + batch);
    gw.fill(0);
    gb.fill(0);
    for (let k = start0; k < end; k++) {
      const s = samples[visits[k]!]!;
      const x = k % 2 === 0 ? s.plain : s.mirror;
      probabilities(w, x, p);
      p[s.label] = p[s.label]! - 1;
      for (let c = 0; c < classes; c++) {
        const g = p[c]!;
        gb[c] = gb[c]! + g;
        if (g < GRADIENT_FLOOR && g > -GRADIENT_FLOOR) continue;
        const row = c * dim;
        for (let d = 0; d < dim; d++) gw[row + d] = gw[row + d]! + g * x[d]!;
      }
    }
    const m = end - start0;
    step++;
    const c1 = 1 - Math.pow(b1, step);
    const c2 = 1 - Math.pow(b2, step);
    const rate = (lr * Math.sqrt(c2)) / c1;
    const { weights, bias } = w;
    for (let j = 0; j < weights.length; j++) {
      const g = gw[j]! / m + l2 * weights[j]!;
      const mj = (mw[j] = b1 * mw[j]! + (1 - b1) * g);
      const vj = (vw[j] = b2 * vw[j]! + (1 - b2) * g * g);
      weights[j] = weights[j]! - (rate * mj) / (Math.sqrt(vj) + 1e-8);
    }
    for (let c = 0; c < classes; c++) {
      const g = gb[c]! / m;
      const mc = (mb[c] = b1 * mb[c]! + (1 - b1) * g);
      const vc = (vb[c] = b2 * vb[c]! + (1 - b2) * g * g);
      bias[c] = bias[c]! - (rate * mc) / (Math.sqrt(vc) + 1e-8);
    }
  }
  return w;
}

/** An image's plain and mirror vectors, each scaled to unit length so one learning rate suits every backbone. */
export function toViews(plain: Float32Array, mirror: Float32Array): Views {
  return { plain: unitLength(plain), mirror: unitLength(mirror) };
}

function unitLength(v: Float32Array): Float32Array {
  return normaliseRows(v, v.length, { out: new Float32Array(v.length) });
}
