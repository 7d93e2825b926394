// Finds labels the model strongly disagrees with. Each labelled image is
// judged by a head that never saw it: the images are dealt into k folds,
// one head is trained per fold on the others (the same head training as a
// real model, off the main thread), and each image gets the prediction of
// the head its fold was held out from.
import type { JobContext } from '../core/jobs.js';
import { CoreError } from '../core/errors.js';
import type { LabelNoiseItem, LabelNoiseReport } from '../../contract/types.js';
import { labelledImages, VectorReader, type LabelledImage } from '../../db/ml-queries.js';
import { getBackbone } from '../ml/backbones.js';
import { HeadTrainer } from '../ml/head-trainer.js';
import { applyHead, argMax } from '../ml/predict.js';
import { seededRandom, shuffleInPlace } from '../ml/random.js';
import { DEFAULT_HEAD_SETTINGS, type HeadSettings, type Samples } from '../ml/train-head.js';
import { trainableImages } from '../ml/versions.js';
import { PLAIN_VIEW } from '../ml/views.js';
import { imagenetProbabilities, loadImagenetHead } from '../ml/imagenet-head.js';
import { yieldToEventLoop } from '../ml/vectors-by-image.js';
import { embedForJob } from './embed-job.js';
import { foreignConcepts, type ForeignConcept } from './foreign-concepts.js';
import { isolatedImages } from './isolated-images.js';

export const DEFAULT_FOLDS = 5;
const SEED = 7;
/**
 * Without validation images early stopping watches the training loss,
 * which keeps falling; a fold head is a screening tool, and 40 epochs get
 * it within a point of a full training at under half the time.
 */
const FOLD_EPOCHS = 40;
/**
 * An image is flagged when the model that never saw it gives its label at
 * most this probability: with two classes, when it is at least 75% sure of
 * the other; with many, whatever it prefers instead.
 */
export const DOUBT_BELOW = 0.25;
/**
 * The short list: a label the held-out model gives at most 5% (it is at least
 * 19 times likelier to be something else), the odds at which a person
 * looking at the photo should be asked first.
 */
export const LIKELY_BELOW = 0.05;
/** The short list is at most this long; the rest waits behind "show more". */
export const SHORT_LIST = 10;

/** The held-out model is at least 19 to 1 against the label, or the image is unlike the rest of its class. */
const surest = (item: Omit<LabelNoiseItem, 'likely'>) => item.unlike || item.givenProbability <= LIKELY_BELOW;

/**
 * How likely the label is wrong by either witness: the held-out model's
 * doubt, and for an image of a kind no class is also the backbone's
 * certainty that it is something else, as if the two were independent.
 */
const doubt = (item: Omit<LabelNoiseItem, 'likely'>) => 1 - item.givenProbability * (1 - (item.seen?.probability ?? 0));

/**
 * Most likely mistakes first: the surest ones (see `surest`), then the rest,
 * each by how likely the label is wrong (`doubt`), then by the predicted
 * class's lead over it. The short list holds the first SHORT_LIST that are
 * surest or of a kind no class is.
 */
export function rankByDoubt(items: Omit<LabelNoiseItem, 'likely'>[]): LabelNoiseItem[] {
  const ranked = [...items].sort(
    (a, b) =>
      Number(surest(b)) - Number(surest(a)) ||
      doubt(b) - doubt(a) ||
      b.confidence - b.givenProbability - (a.confidence - a.givenProbability) ||
      a.imageId - b.imageId,
  );
  return ranked.map((item, i) => ({ ...item, likely: i < SHORT_LIST && (surest(item) || item.seen !== null) }));
}

/** Orders images by content, so the same photos and labels give the same check whatever order they were imported in. */
const byContent = (a: { sha256: string }, b: { sha256: string }) => (a.sha256 < b.sha256 ? -1 : a.sha256 > b.sha256 ? 1 : 0);

/** Deals each class's images round-robin into folds after a seeded shuffle, so every fold has every class's share. */
export function assignFolds(images: readonly LabelledImage[], folds: number, seed = SEED): Map<number, number> {
  const random = seededRandom(seed);
  const byClass = new Map<string, LabelledImage[]>();
  for (const img of images) {
    let list = byClass.get(img.className);
    if (!list) byClass.set(img.className, (list = []));
    list.push(img);
  }
  const fold = new Map<number, number>();
  let next = 0;
  for (const name of [...byClass.keys()].sort()) {
    const ids = byClass.get(name)!.sort(byContent).map((img) => img.id);
    shuffleInPlace(ids, random);
    // Continue the deal where the last class stopped, so small classes do not all land in fold 0.
    for (const id of ids) fold.set(id, next++ % folds);
  }
  return fold;
}

function samplesOf(rows: readonly { vector: Float32Array; y: number }[], dim: number): Samples {
  const x = new Float32Array(rows.length * dim);
  const y = new Int32Array(rows.length);
  rows.forEach((r, i) => {
    x.set(r.vector, i * dim);
    y[i] = r.y;
  });
  return { x, y };
}

/** Rows per pause for the event loop while the backbone's classifier runs over them: about 30 ms of work. */
const CONCEPT_BATCH = 32;

/**
 * What the backbone's own ImageNet classifier sees in each row, where that
 * is of a kind none of the classes is (./foreign-concepts.ts); empty when its
 * weights file has no such classifier.
 */
async function foreignByImage(
  ctx: JobContext,
  backbone: string,
  rows: readonly { img: LabelledImage; vector: Float32Array; y: number }[],
): Promise<Map<number, ForeignConcept>> {
  const head = loadImagenetHead((await ctx.embedder(backbone)).weightsFile);
  const out = new Map<number, ForeignConcept>();
  if (!head || head.dim !== getBackbone(backbone).dim) return out;
  const withProbs: { y: number; probs: Float32Array }[] = [];
  for (let i = 0; i < rows.length; i++) {
    withProbs.push({ y: rows[i]!.y, probs: imagenetProbabilities(head, rows[i]!.vector) });
    if (i % CONCEPT_BATCH === CONCEPT_BATCH - 1) {
      ctx.signal.throwIfAborted();
      await yieldToEventLoop();
    }
  }
  foreignConcepts(withProbs).forEach((f, i) => f && out.set(rows[i]!.img.id, f));
  return out;
}

export async function findLabelNoise(ctx: JobContext, backbone: string, folds: number): Promise<LabelNoiseReport> {
  const started = performance.now();
  const store = ctx.store;
  const images = trainableImages(labelledImages(store)).sort(byContent);
  const classNames = [...new Set(images.map((i) => i.className))];
  const perClass = new Map<string, number>();
  for (const i of images) perClass.set(i.className, (perClass.get(i.className) ?? 0) + 1);
  const usable = classNames.filter((c) => perClass.get(c)! >= 2);
  if (usable.length < 2) {
    throw new CoreError('Checking labels needs at least two classes with a few labelled images each.');
  }
  if (images.length < folds * 2) {
    throw new CoreError(`Checking labels needs at least ${folds * 2} labelled images; label a few more first.`);
  }

  const failed = await embedForJob(ctx, backbone, images.map((i) => ({ imageId: i.id, view: PLAIN_VIEW })));
  const dim = getBackbone(backbone).dim;
  const reader = new VectorReader(store, backbone);
  const classIndex = new Map(classNames.map((c, i) => [c, i]));
  const rows: { img: LabelledImage; vector: Float32Array; y: number }[] = [];
  for (const img of images) {
    if (failed.has(img.id)) continue;
    const vector = reader.read(img.id, PLAIN_VIEW, dim);
    if (vector) rows.push({ img, vector, y: classIndex.get(img.className)! });
  }
  const foldOf = assignFolds(rows.map((r) => r.img), folds);
  const isolated = await isolatedImages(rows, dim);
  const unlike = new Set(isolated ? rows.filter((_, i) => isolated[i]).map((r) => r.img.id) : []);
  const seen = await foreignByImage(ctx, backbone, rows);
  const settings: HeadSettings = { ...DEFAULT_HEAD_SETTINGS, epochs: FOLD_EPOCHS };

  const items: Omit<LabelNoiseItem, 'likely'>[] = [];
  // Each fold's trainer starts loading tfjs while the previous fold trains.
  let next: HeadTrainer | null = new HeadTrainer();
  try {
    for (let f = 0; f < folds; f++) {
      ctx.progress({ phase: 'checking labels', done: f, total: folds, message: `Training check ${f + 1} of ${folds}` });
      const held = rows.filter((r) => foldOf.get(r.img.id) === f);
      const train = rows.filter((r) => foldOf.get(r.img.id) !== f);
      if (held.length === 0) continue;
      const current = next ?? new HeadTrainer();
      next = f < folds - 1 ? new HeadTrainer() : null;
      const { head } = await current.train(
        { backbone, dim, classes: classNames, train: samplesOf(train, dim), val: null, settings },
        { signal: ctx.signal },
      );
      for (const r of held) {
        const p = applyHead(head, r.vector);
        const best = argMax(p);
        const isUnlike = unlike.has(r.img.id);
        const foreign = seen.get(r.img.id) ?? null;
        if (!isUnlike && !foreign && (best === r.y || p[r.y]! > DOUBT_BELOW)) continue;
        items.push({
          unlike: isUnlike,
          seen: foreign,
          imageId: r.img.id,
          givenClass: r.img.className,
          predictedClass: classNames[best]!,
          confidence: p[best]!,
          givenProbability: p[r.y]!,
        });
      }
    }
  } finally {
    next?.dispose();
  }
  ctx.progress({ phase: 'checking labels', done: folds, total: folds });
  return { folds, checked: rows.length, items: rankByDoubt(items), seconds: (performance.now() - started) / 1000 };
}
