// Decides, before any work is done, whether a project can train and which
// labelled images train, validate and test. Unlabelled images never train;
// 'test' images never train or validate.
import { UserError } from '../../contract/errors.js';
import { createHash } from 'node:crypto';
import type { ClassInfo } from '../../contract/types.js';
import type { LabelledImage } from '../../db/ml-queries.js';

export class TrainingGuardError extends UserError {
  constructor(message: string) {
    super('TrainingGuardError', message);
  }
}

/** Below this many images in some class, no images are held out for validation. */
export const MIN_IMAGES_FOR_HOLDOUT = 5;

export interface TrainingPlan {
  /** Class names in the head's output order (the project's class order). */
  classes: string[];
  train: LabelledImage[];
  validation: LabelledImage[];
  test: LabelledImage[];
  validationSource: 'split' | 'holdout' | 'none';
  warnings: string[];
}

/**
 * Where an image falls in [0, 1), from its content alone (its SHA-256,
 * hashed once more so any spelling of it spreads evenly). Neither the seed,
 * the import order nor other images move it, so adding images never shifts
 * earlier ones between training and validation, and versions of one
 * project are measured on the same images.
 */
function holdoutRank(sha256: string): number {
  return createHash('sha256').update(sha256).digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * One class's images split by rank: those below the share are held out.
 * Guard rails: at least one is held out (the lowest rank) and at least one
 * trains (the highest), so only a class with no image below the share, or
 * every image below it, can see an earlier image move when one is added.
 */
function holdOut(pool: readonly LabelledImage[], share: number): { validation: LabelledImage[]; train: LabelledImage[] } {
  const ranked = pool
    .map((img) => ({ img, rank: holdoutRank(img.sha256) }))
    .sort((a, b) => a.rank - b.rank || a.img.id - b.img.id);
  const below = ranked.filter((r) => r.rank < share).length;
  const k = Math.min(ranked.length - 1, Math.max(1, below));
  return { validation: ranked.slice(0, k).map((r) => r.img), train: ranked.slice(k).map((r) => r.img) };
}

const quoted = (names: string[]) => names.map((n) => `"${n}"`).join(', ');

export function planTraining(
  classes: readonly ClassInfo[],
  labelled: readonly LabelledImage[],
  opts: { validationShare: number },
): TrainingPlan {
  const warnings: string[] = [];
  const byClass = new Map<number, { train: LabelledImage[]; validation: LabelledImage[]; test: LabelledImage[] }>();
  for (const c of classes) byClass.set(c.id, { train: [], validation: [], test: [] });
  for (const img of labelled) {
    const slot = byClass.get(img.classId);
    if (!slot) continue;
    if (img.split === 'test') slot.test.push(img);
    else if (img.split === 'validation') slot.validation.push(img);
    else slot.train.push(img);
  }

  const withImages = classes.filter((c) => {
    const s = byClass.get(c.id)!;
    return s.train.length + s.validation.length > 0;
  });
  if (withImages.length < 2) {
    throw new TrainingGuardError(
      withImages.length === 0
        ? 'There is nothing to train on yet. Create at least two classes and give each some labelled images.'
        : `Only the class "${withImages[0]!.name}" has labelled images. A classifier needs at least two classes with images.`,
    );
  }
  const empty = classes.filter((c) => byClass.get(c.id)!.train.length + byClass.get(c.id)!.validation.length === 0);
  if (empty.length > 0) {
    throw new TrainingGuardError(
      `${empty.length === 1 ? 'The class' : 'The classes'} ${quoted(empty.map((c) => c.name))} ${empty.length === 1 ? 'has' : 'have'} no labelled images to train on. ` +
        'Add images to it, or delete the class, before training.',
    );
  }
  const noTrain = classes.filter((c) => byClass.get(c.id)!.train.length === 0);
  if (noTrain.length > 0) {
    throw new TrainingGuardError(
      `All images of ${quoted(noTrain.map((c) => c.name))} are in the validation split, so the model could not learn ${noTrain.length === 1 ? 'that class' : 'those classes'}. ` +
        'Move some of them to the train split.',
    );
  }

  const train: LabelledImage[] = [];
  const validation: LabelledImage[] = [];
  const test: LabelledImage[] = [];
  const anyValidationSplit = classes.some((c) => byClass.get(c.id)!.validation.length > 0);
  let validationSource: TrainingPlan['validationSource'];
  if (anyValidationSplit) {
    validationSource = 'split';
    for (const c of classes) {
      const s = byClass.get(c.id)!;
      train.push(...s.train);
      validation.push(...s.validation);
    }
    const unvalidated = classes.filter((c) => byClass.get(c.id)!.validation.length === 0);
    if (unvalidated.length > 0) {
      warnings.push(`${quoted(unvalidated.map((c) => c.name))} ${unvalidated.length === 1 ? 'has' : 'have'} no validation images, so ${unvalidated.length === 1 ? 'its' : 'their'} accuracy is not measured.`);
    }
  } else {
    const tiny = classes.filter((c) => byClass.get(c.id)!.train.length < MIN_IMAGES_FOR_HOLDOUT);
    if (tiny.length > 0 || opts.validationShare <= 0) {
      validationSource = 'none';
      for (const c of classes) train.push(...byClass.get(c.id)!.train);
      if (tiny.length > 0) {
        warnings.push(
          `${quoted(tiny.map((c) => c.name))} ${tiny.length === 1 ? 'has' : 'have'} fewer than ${MIN_IMAGES_FOR_HOLDOUT} images, so none were held out for validation: ` +
            'the model trains on everything and its accuracy cannot be measured. Add more images for a measured result.',
        );
      }
    } else {
      validationSource = 'holdout';
      for (const c of classes) {
        const { validation: v, train: t } = holdOut(byClass.get(c.id)!.train, opts.validationShare);
        validation.push(...v);
        train.push(...t);
      }
    }
  }
  for (const c of classes) test.push(...byClass.get(c.id)!.test);
  const byId = (a: LabelledImage, b: LabelledImage) => a.id - b.id;
  return {
    classes: classes.map((c) => c.name),
    train: train.sort(byId),
    validation: validation.sort(byId),
    test: test.sort(byId),
    validationSource,
    warnings,
  };
}
