// Trains the classification head on embeddings with tfjs: L2-normalised
// embedding -> (optional ReLU hidden layer) -> softmax, class-balanced
// cross-entropy, L2 weight decay, dropout, Adam, early stopping on the
// validation loss with the best weights kept. Every random choice comes
// from the seed, so the same data and settings give the same weights.
import type * as TfModule from '@tensorflow/tfjs';
import type { EpochStats } from '../../contract/types.js';
import type { DenseWeights, HeadModel } from './head-format.js';
import { normaliseRows } from './l2.js';
import { seededRandom, seededUint32, shuffleInPlace } from './random.js';

export type Tf = typeof TfModule;

export interface HeadSettings {
  /** Most passes over the training data; early stopping usually ends sooner. */
  epochs: number;
  learningRate: number;
  /** Units of a ReLU hidden layer, or null for a plain softmax layer. */
  hiddenUnits: number | null;
  /** L2 penalty on the weight matrices (as trained, on features scaled to unit size; see normalise). */
  weightDecay: number;
  /** Dropout rate on the embedding (and hidden layer). */
  dropout: number;
  /** Epochs without a better validation loss before stopping. */
  patience: number;
  seed: number;
}

export const DEFAULT_HEAD_SETTINGS: HeadSettings = {
  epochs: 100,
  learningRate: 0.001,
  hiddenUnits: null,
  weightDecay: 0.0001,
  dropout: 0.2,
  patience: 5,
  seed: 42,
};

export interface Samples {
  /** Row-major [n, dim] raw embeddings. */
  x: Float32Array;
  /** Class index per row. */
  y: Int32Array;
}

export interface HeadTrainInput {
  backbone: string;
  dim: number;
  classes: string[];
  train: Samples;
  val: Samples | null;
  settings: HeadSettings;
}


export interface HeadTrainResult {
  head: HeadModel;
  history: EpochStats[];
  /** Epoch whose weights were kept. */
  bestEpoch: number;
  stoppedEarly: boolean;
}

/**
 * Rows are L2-normalised as the head format says, then scaled by sqrt(dim)
 * so each feature has roughly unit size and standard learning rates and
 * initialisations apply; the scale is folded into the first weight matrix
 * on export, so the stored head is exactly the head format's arithmetic.
 */
function normalise(x: Float32Array, dim: number): Float32Array {
  return normaliseRows(x, dim, { scale: Math.sqrt(dim), out: new Float32Array(x.length) });
}

/** Weights that make every class count the same in the loss, whatever its size. */
function balancedWeights(y: Int32Array, classes: number): Float32Array {
  const counts = new Array<number>(classes).fill(0);
  for (const c of y) counts[c]!++;
  const present = counts.filter((n) => n > 0).length;
  const w = new Float32Array(y.length);
  for (let i = 0; i < y.length; i++) w[i] = y.length / (present * counts[y[i]!]!);
  return w;
}

function glorot(rows: number, cols: number, random: () => number): Float32Array {
  const limit = Math.sqrt(6 / (rows + cols));
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = (random() * 2 - 1) * limit;
  return out;
}

const TRAIN_EVAL_ROWS = 2048;

/** Batch size grows with the data so an epoch stays about 16 steps: cost per epoch stays flat. */
export function batchSizeFor(n: number): number {
  return Math.min(1024, Math.max(32, 2 ** Math.round(Math.log2(n / 16))));
}

/**
 * A refit trained alongside the training that chooses its length: it learns
 * from every image epoch by epoch, as a refit from scratch would, until told
 * the epoch count the held-out images chose, and returns the weights it had
 * then. Both trainings run at once, on both cores.
 */
export interface RefitControl {
  /** The chosen epoch count once known, else 0. */
  target(): number;
  /** An epoch count the choice can no longer fall below: the choosing training's best so far. */
  floor(): number;
  /** Blocks until target() may have changed or training should stop. */
  wait(): void;
}

export class TrainingStopped extends Error {
  constructor() {
    super('Training was stopped.');
    this.name = 'TrainingStopped';
  }
}

/** `shouldStop` is polled before every step; when it says yes, TrainingStopped is thrown. */
export async function trainHead(
  tf: Tf,
  input: HeadTrainInput,
  onEpoch?: (e: EpochStats, bestEpoch: number) => void,
  shouldStop?: () => boolean,
  refit?: RefitControl,
): Promise<HeadTrainResult> {
  const { dim, settings } = input;
  const C = input.classes.length;
  const n = input.train.y.length;
  const random = seededRandom(settings.seed);
  const H = settings.hiddenUnits;

  const X = normalise(input.train.x, dim);
  const W = balancedWeights(input.train.y, C);

  /** Tensors to measure loss and accuracy on, without dropout. */
  const evalSet = (x: Float32Array, y: Int32Array) =>
    tf.tidy(() => ({
      x: tf.tensor2d(x, [y.length, dim]),
      y: tf.oneHot(tf.tensor1d(y, 'int32'), C).toFloat(),
      idx: tf.tensor1d(y, 'int32'),
      w: tf.tensor1d(balancedWeights(y, C)),
    }));
  // Training loss and accuracy are measured after each epoch on at most
  // this many evenly spread training rows, so big projects stay fast.
  const evalRows = Array.from({ length: Math.min(n, TRAIN_EVAL_ROWS) }, (_, i) => Math.floor((i * n) / Math.min(n, TRAIN_EVAL_ROWS)));
  const trainEval = evalSet(
    (() => {
      const x = new Float32Array(evalRows.length * dim);
      evalRows.forEach((r, i) => x.set(X.subarray(r * dim, (r + 1) * dim), i * dim));
      return x;
    })(),
    Int32Array.from(evalRows, (r) => input.train.y[r]!),
  );
  const val = input.val && input.val.y.length > 0 ? evalSet(normalise(input.val.x, dim), input.val.y) : null;

  // A softmax layer starts at zero (the convex problem needs no symmetry
  // breaking); a hidden layer needs random starting weights.
  const hidden = H
    ? { w: tf.variable(tf.tensor2d(glorot(dim, H, random), [dim, H])), b: tf.variable(tf.zeros([H])) }
    : null;
  const out = {
    w: tf.variable(H ? tf.tensor2d(glorot(H, C, random), [H, C]) : tf.zeros([dim, C])),
    b: tf.variable(tf.zeros([C])),
  };
  const optimizer = tf.train.adam(settings.learningRate);
  let dropoutSeed = Math.floor(random() * 2 ** 31);

  /** Input dropout is applied while a batch is copied; this adds it after the hidden layer. */
  const forward = (x: TfModule.Tensor2D, train: boolean): TfModule.Tensor2D => {
    let h = x;
    if (hidden) {
      h = tf.relu(tf.add(tf.matMul(h, hidden.w), hidden.b)) as TfModule.Tensor2D;
      if (train && settings.dropout > 0) h = tf.dropout(h, settings.dropout, undefined, dropoutSeed++) as TfModule.Tensor2D;
    }
    return tf.add(tf.matMul(h, out.w), out.b) as TfModule.Tensor2D;
  };
  /** Weighted mean cross-entropy. */
  const crossEntropy = (logits: TfModule.Tensor2D, y: TfModule.Tensor, w: TfModule.Tensor) =>
    tf.div(tf.sum(tf.mul(tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(logits)), 1)), w)), tf.sum(w));
  const measure = async (set: ReturnType<typeof evalSet>): Promise<{ loss: number; acc: number }> => {
    const [loss, correct] = tf.tidy(() => {
      const logits = forward(set.x, false);
      return [crossEntropy(logits, set.y, set.w), tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), set.idx), 'float32'))];
    });
    const result = { loss: (await loss!.data())[0]!, acc: (await correct!.data())[0]! / set.idx.shape[0] };
    tf.dispose([loss!, correct!]);
    return result;
  };
  /** One optimiser step on weighted cross-entropy plus the L2 penalty on weight matrices. */
  const step = (xb: TfModule.Tensor2D, yb: TfModule.Tensor, wb: TfModule.Tensor1D) => {
    if (hidden) {
      optimizer.minimize(() => {
        const reg = tf.mul(settings.weightDecay / 2, tf.add(tf.sum(tf.square(hidden.w)), tf.sum(tf.square(out.w))));
        return tf.add(crossEntropy(forward(xb, true), yb, wb), reg) as TfModule.Scalar;
      });
      return;
    }
    // The softmax layer's gradient in closed form: half the kernels of
    // autodiff, which dominate the step time for a model this small.
    const [dw, db] = tf.tidy(() => {
      const g = tf.div(tf.mul(tf.sub(tf.softmax(forward(xb, true)), yb), tf.expandDims(wb, 1)), tf.sum(wb));
      return [tf.add(tf.matMul(xb, g, true, false), tf.mul(out.w, settings.weightDecay)), tf.sum(g, 0)];
    });
    optimizer.applyGradients([
      { name: out.w.name, tensor: dw! },
      { name: out.b.name, tensor: db! },
    ]);
    tf.dispose([dw!, db!]);
  };

  const batch = batchSizeFor(n);
  const keepBelow = Math.round((1 - settings.dropout) * 256);
  const keepScale = 256 / keepBelow;
  const coins = seededUint32(Math.floor(random() * 4294967296));
  const order = new Int32Array(n).map((_, i) => i);
  const history: EpochStats[] = [];
  let best = { loss: Infinity, epoch: 0, weights: [] as Float32Array[] };
  /** A refit's improvements that the chosen epoch may still pick, oldest first. */
  const candidates: (typeof best)[] = [];
  let stoppedEarly = false;
  const variables = () => [...(hidden ? [hidden.w, hidden.b] : []), out.w, out.b];
  const release = () => {
    tf.dispose(variables());
    for (const set of val ? [trainEval, val] : [trainEval]) tf.dispose([set.x, set.y, set.idx, set.w]);
    optimizer.dispose();
  };

  for (let epoch = 1; ; epoch++) {
    if (refit) {
      // Past the most epochs the choice can be: wait for it.
      while (refit.target() === 0 && epoch > settings.epochs) {
        if (shouldStop?.()) {
          release();
          throw new TrainingStopped();
        }
        refit.wait();
      }
      if (refit.target() > 0 && epoch > refit.target()) break;
    } else if (epoch > settings.epochs) break;
    shuffleInPlace(order, random);
    for (let start = 0; start < n; start += batch) {
      if (shouldStop?.()) {
        release();
        throw new TrainingStopped();
      }
      // Copying rows in JS is much cheaper than tf.gather on the cpu backend.
      const rows = order.subarray(start, Math.min(n, start + batch));
      const xs = new Float32Array(rows.length * dim);
      const ys = new Int32Array(rows.length);
      const ws = new Float32Array(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!;
        if (settings.dropout > 0) {
          // Inverted dropout, as tf.dropout does, from the seeded generator;
          // one draw gives four byte-sized coins, which is plenty of resolution.
          const to = i * dim;
          const from = r * dim;
          for (let j = 0; j < dim; j += 4) {
            const bits = coins();
            for (let k = 0; k < 4 && j + k < dim; k++) {
              xs[to + j + k] = ((bits >>> (8 * k)) & 255) < keepBelow ? X[from + j + k]! * keepScale : 0;
            }
          }
        } else {
          xs.set(X.subarray(r * dim, (r + 1) * dim), i * dim);
        }
        ys[i] = input.train.y[r]!;
        ws[i] = W[r]!;
      }
      const xb = tf.tensor2d(xs, [rows.length, dim]);
      const wb = tf.tensor1d(ws);
      const yb = tf.tidy(() => tf.oneHot(tf.tensor1d(ys, 'int32'), C).toFloat());
      step(xb, yb, wb);
      tf.dispose([xb, yb, wb]);
    }
    const onTrain = await measure(trainEval);
    const onVal = val ? await measure(val) : null;
    const stats: EpochStats = { epoch, loss: onTrain.loss, acc: onTrain.acc, valLoss: onVal?.loss ?? null, valAcc: onVal?.acc ?? null };
    history.push(stats);
    // Without validation images the training loss is the only guide; it
    // still tells when more epochs stop paying.
    const monitored = stats.valLoss ?? stats.loss;
    const improved = monitored < best.loss - 1e-4;
    if (improved) {
      const weights = await Promise.all(variables().map((v) => v.data() as Promise<Float32Array>));
      best = { loss: monitored, epoch, weights: weights.map((w) => w.slice()) };
    }
    onEpoch?.(stats, best.epoch);
    if (refit) {
      if (improved) candidates.push(best);
      // Only the last improvement at or before the floor can still be picked among the older ones.
      const floor = refit.floor();
      while (candidates.length > 1 && candidates[1]!.epoch <= floor) candidates.shift();
    } else if (!improved && epoch - best.epoch >= settings.patience) {
      stoppedEarly = true;
      break;
    }
  }

  release();
  if (refit) {
    const target = refit.target();
    best = candidates.filter((c) => c.epoch <= target).pop() ?? { loss: Infinity, epoch: 0, weights: [] };
    history.splice(target);
  }
  if (best.epoch === 0) throw new Error('the loss did not become a finite number; try a lower learning rate');

  const scale = Math.sqrt(dim);
  const scaled = (w: Float32Array) => w.map((v) => v * scale);
  const [w0, b0, w1, b1] = best.weights;
  const dense = (inputSize: number, outputSize: number, weights: Float32Array, bias: Float32Array): DenseWeights => ({
    inputSize,
    outputSize,
    weights,
    bias,
  });
  const head: HeadModel = {
    format: 1,
    backbone: input.backbone,
    inputDim: dim,
    l2normalize: true,
    hidden: H ? dense(dim, H, scaled(w0!), b0!) : null,
    output: H ? dense(H, C, w1!, b1!) : dense(dim, C, scaled(w0!), b0!),
    classes: [...input.classes],
  };
  return { head, history, bestEpoch: best.epoch, stoppedEarly };
}
