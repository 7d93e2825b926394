// How long a live model takes to catch up with one label change on a
// project of n labelled images: from the change to a trained head that can
// give guesses. The embeddings are synthetic (real plain-view ones jittered
// to size).
import { LiveTrainer, type LiveRunRequest } from '../../main/ml/live-trainer.js';
import type { Samples } from '../../main/ml/train-head.js';
import { syntheticSplit, type LabelledVectors } from './synthetic-embeddings.js';

export interface LabelledEmbeddings {
  backbone: string;
  dim: number;
  classes: string[];
  train: Samples;
  val: Samples;
}

/**
 * The plug-in point for the live model. `prepare` runs before the change is
 * made (a live model keeps its worker and its data warm between changes);
 * `retrain` is timed from the label change to a head that can give guesses.
 */
export interface LiveRetrainer {
  /** Says in the table what was measured. */
  label: string;
  prepare(data: LabelledEmbeddings): Promise<void>;
  /** Resolves with a few words on what the run did (epochs, backend), for the table. */
  retrain(data: LabelledEmbeddings, changedRow: number): Promise<string>;
  dispose(): void | Promise<void>;
}

/**
 * The live model's own trainer (`main/ml/live-trainer.ts`, its worker),
 * warm: the vectors were handed over and a first fit made before the change,
 * as in the app. Timed to the new guesses (the accuracy figure follows). The
 * bench's vectors are plain views only; each also stands in for its mirror,
 * which costs the same. A quarter as many unlabelled images as labelled ones
 * are guessed on every run.
 */
export function liveModelRetrainer(): LiveRetrainer {
  let trainer: LiveTrainer | null = null;
  let pending: Promise<unknown> = Promise.resolve();
  const rowsOf = (s: Samples, d: number) => Array.from({ length: s.y.length }, (_, i) => s.x.subarray(i * d, (i + 1) * d));
  let unlabelled = new Int32Array(0);
  const request = (data: LabelledEmbeddings): LiveRunRequest => {
    const nTrain = data.train.y.length;
    const nVal = data.val.y.length;
    const n = nTrain + nVal;
    return {
      classIds: data.classes.map((_, c) => c + 1),
      labelled: {
        ids: Int32Array.from({ length: n }, (_, i) => i + 1),
        labels: Int32Array.from({ length: n }, (_, i) => (i < nTrain ? data.train.y[i]! : data.val.y[i - nTrain]!)),
        validation: Uint8Array.from({ length: n }, (_, i) => (i < nTrain ? 0 : 1)),
        folds: Uint8Array.from({ length: n }, (_, i) => i % 5),
      },
      unlabelled,
    };
  };
  const fit = (t: LiveTrainer, data: LabelledEmbeddings, onGuesses: (ms: number) => void) =>
    t.run(request(data), { onGuesses: (_g, info) => onGuesses(info.ms), onAccuracy: () => undefined });
  return {
    label: 'the live model: warm softmax regression in its worker, to the new guesses',
    async prepare(data) {
      trainer = new LiveTrainer();
      const d = data.dim;
      const rows = [...rowsOf(data.train, d), ...rowsOf(data.val, d)];
      const extra = Math.round(rows.length / 4);
      const all = [...rows, ...rows.slice(0, extra)];
      trainer.addVectors(
        all.map((_, i) => i + 1),
        all.map((v) => [v, v] as const),
      );
      unlabelled = Int32Array.from({ length: extra }, (_, i) => rows.length + i + 1);
      await fit(trainer, data, () => undefined);
    },
    async retrain(data) {
      if (!trainer) throw new Error('prepare() first.');
      let fitMs = 0;
      const t = trainer;
      await new Promise<void>((resolve, reject) => {
        pending = fit(t, data, (ms) => {
          fitMs = ms;
          resolve();
        }).catch(reject);
      });
      return `fit ${Math.round(fitMs)} ms in the worker, ${unlabelled.length.toLocaleString('en')} unlabelled images guessed`;
    },
    async dispose() {
      await pending;
      trainer?.dispose();
      trainer = null;
    },
  };
}

/** Seconds from one label change (a training row moved to another class) to the retrained head. */
export async function liveRetrain(retrainer: LiveRetrainer, real: LabelledVectors, backbone: string, n: number): Promise<{ seconds: number; note: string }> {
  const { train, val } = syntheticSplit(real, n);
  const data: LabelledEmbeddings = { backbone, dim: real.vectors[0]!.length, classes: real.classes, train, val };
  await retrainer.prepare(data);
  try {
    const row = Math.floor(train.y.length / 2);
    const started = performance.now();
    train.y[row] = (train.y[row]! + 1) % real.classes.length;
    const note = await retrainer.retrain(data, row);
    return { seconds: (performance.now() - started) / 1000, note };
  } finally {
    await retrainer.dispose();
  }
}
