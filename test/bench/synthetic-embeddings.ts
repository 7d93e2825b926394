// Embedding sets of any size made from real ones: each real vector once,
// then again with a little deterministic jitter. Training and validation
// rows come from disjoint source images, so early stopping behaves as it
// does on real data instead of validating on near-copies.
import type { Samples } from '../../main/ml/train-head.js';

export interface LabelledVectors {
  vectors: Float32Array[];
  labels: number[];
  classes: string[];
}

function samplesFrom(vectors: Float32Array[], labels: number[], n: number): Samples {
  const dim = vectors[0]!.length;
  const x = new Float32Array(n * dim);
  const y = new Int32Array(n);
  let s = 7;
  for (let i = 0; i < n; i++) {
    const k = i % vectors.length;
    const v = vectors[k]!;
    const jitter = i >= vectors.length;
    for (let j = 0; j < dim; j++) {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      x[i * dim + j] = jitter ? v[j]! * (0.9 + ((s >> 8) % 1000) / 5000) : v[j]!;
    }
    y[i] = labels[k]!;
  }
  return { x, y };
}

/** n rows, 80% for training and 20% for validation. */
export function syntheticSplit(real: LabelledVectors, n: number): { train: Samples; val: Samples } {
  const isVal = (k: number) => k % 5 === 0;
  const pick = (val: boolean) => ({
    vectors: real.vectors.filter((_, k) => isVal(k) === val),
    labels: real.labels.filter((_, k) => isVal(k) === val),
  });
  const [tr, va] = [pick(false), pick(true)];
  return { train: samplesFrom(tr.vectors, tr.labels, Math.round(n * 0.8)), val: samplesFrom(va.vectors, va.labels, Math.round(n * 0.2)) };
}
