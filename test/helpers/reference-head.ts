// The head's arithmetic from head-format.ts in plain JS, with float64
// accumulation: the reference the exported models are held against. Kept
// independent of tfjs and onnxruntime on purpose, so a bug in either cannot
// hide by agreeing with itself.
import type { DenseWeights, HeadModel } from '../../main/ml/head-format.js';

function dense(d: DenseWeights, x: ArrayLike<number>): Float64Array {
  const y = Float64Array.from(d.bias);
  for (let i = 0; i < d.inputSize; i++) {
    const xi = x[i]!;
    if (xi === 0) continue;
    const row = i * d.outputSize;
    for (let j = 0; j < d.outputSize; j++) y[j]! += xi * d.weights[row + j]!;
  }
  return y;
}

/** Class probabilities for one embedding, in head.classes order. */
export function referenceProbabilities(head: HeadModel, embedding: ArrayLike<number>): Float64Array {
  if (embedding.length !== head.inputDim) {
    throw new Error(`embedding has ${embedding.length} values; the head expects ${head.inputDim}`);
  }
  let x: ArrayLike<number> = embedding;
  if (head.l2normalize) {
    let sq = 0;
    for (let i = 0; i < x.length; i++) sq += x[i]! * x[i]!;
    const norm = Math.max(Math.sqrt(sq), 1e-12);
    x = Float64Array.from(x, (v) => v / norm);
  }
  if (head.hidden) x = dense(head.hidden, x).map((v) => Math.max(v, 0));
  const logits = dense(head.output, x);
  const max = Math.max(...logits);
  const exp = logits.map((v) => Math.exp(v - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return exp.map((v) => v / sum);
}
