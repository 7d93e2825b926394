// How long a live model takes to catch up with one label change on a
// project of n labelled images: from the change to a trained head that can
// give guesses. The embeddings are synthetic (real ones jittered to size);
// every view but the plain one is left out, as a live model on cached
// plain embeddings would see them.
import { HeadTrainer } from '../../main/ml/head-trainer.js';
import { DEFAULT_HEAD_SETTINGS, type Samples } from '../../main/ml/train-head.js';
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
  dispose(): void;
}

/**
 * Stand-in until the live model lands: today's HeadTrainer with the default
 * settings, its worker already started and tfjs loaded, training from scratch
 * on every labelled embedding after the change.
 */
export function headTrainerStandIn(): LiveRetrainer {
  let trainer: HeadTrainer | null = null;
  return {
    label: 'stand-in: HeadTrainer, defaults, warm worker, full retrain',
    async prepare() {
      trainer = new HeadTrainer();
      if ((await trainer.ready) === null) throw new Error('The training worker did not start.');
    },
    async retrain(data) {
      if (!trainer) throw new Error('prepare() first.');
      const t = trainer;
      trainer = null;
      // The trainer takes its arrays over; copies keep the data reusable.
      const copy = (s: Samples): Samples => ({ x: s.x.slice(), y: s.y.slice() });
      const r = await t.train({ backbone: data.backbone, dim: data.dim, classes: data.classes, train: copy(data.train), val: copy(data.val), settings: DEFAULT_HEAD_SETTINGS });
      return `${r.history.length} epochs, tfjs ${r.backend}`;
    },
    dispose() {
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
    retrainer.dispose();
  }
}
