// One call that turns a project's labels into a saved, active model
// version: guard rails, embeddings (only the missing ones), head training
// off the main thread, evaluation, saving.
import type { EpochStats, TrainPhase } from '../../contract/types.js';
import type { ProjectStore } from '../../db/project-store.js';
import { labelledImages, missingEmbeddings, type EmbeddingKey, type LabelledImage } from '../../db/ml-queries.js';
import { DEFAULT_BACKBONE, type ModelsLocation } from './backbones.js';
import { abortError, type Embedder } from './embedder.js';
import { withEmbedder } from './with-embedder.js';
import { ensureEmbeddings } from './embedding-cache.js';
import type { HeadModel } from './head-format.js';
import { HeadTrainer } from './head-trainer.js';
import { buildOutOfSetRule } from './out-of-set.js';
import { computeMetrics, type ImagePrediction, type Metrics } from './metrics.js';
import { applyHead, argMax, averageProbabilities, predictionViews } from './predict.js';
import type { BackendName } from './tf-backend.js';
import { DEFAULT_HEAD_SETTINGS, type Samples } from './train-head.js';
import { planTraining } from './training-data.js';
import { loadVectors, yieldToEventLoop, type VectorsByImage } from './vectors-by-image.js';
import { baseTrainingViews, extraTrainingViews, FLIP_VIEW, PLAIN_VIEW, trainingViews, type ViewKey } from './views.js';
import { dataFingerprint, saveVersion, type VersionMetrics, type VersionSettings } from './versions.js';


export interface TrainProgress {
  phase: TrainPhase;
  done: number;
  total: number | null;
  etaSeconds: number | null;
}

export interface TrainProjectOptions extends ModelsLocation {
  backbone?: string;
  /**
   * Train on the extra cropped, rotated and recoloured views too (true:
   * embedding whatever is missing first). Default: when they are already
   * cached for every training image, up to AUGMENT_LIMIT images.
   */
  augment?: boolean;
  /** The views training images are learned under, overriding augment: for measuring what each view buys. */
  views?: readonly ViewKey[];
  /** Average predictions over the plain and mirrored image; default on once the mirror is there (see background). */
  tta?: boolean;
  /**
   * Whether an idle embedder makes the views beyond the plain one (the app).
   * Then the training waits for the plain view alone, and learns from the
   * mirror and averages over it once every image it uses has the mirror
   * cached, as it does with the costlier views. Without one (the CLI, and
   * the default) the mirror is embedded first.
   */
  background?: boolean;
  epochs?: number;
  learningRate?: number;
  /** Units of a hidden layer; null or 0 for none (the default). */
  hiddenUnits?: number | null;
  weightDecay?: number;
  dropout?: number;
  patience?: number;
  /** Share of labelled images held out when no image is in the validation split. */
  validationShare?: number;
  /**
   * After the held-out images have chosen the epoch count, train the saved
   * head again on training and held-out images together; default on. An
   * explicit validation split is never trained on.
   */
  refit?: boolean;
  seed?: number;
  name?: string;
  signal?: AbortSignal;
  onPhase?(phase: TrainPhase): void;
  onProgress?(progress: TrainProgress): void;
  onEpoch?(stats: EpochStats): void;
  /** An open embedder for the chosen backbone, to reuse its worker. */
  embedder?: Embedder;
  tfBackend?: BackendName;
}

export interface TrainProjectResult {
  versionId: number;
  /** Embeddings computed by this run, those found in the cache, and the decodes that took: one per image embedded, whatever its views. */
  embedded: { computed: number; cached: number; decodes: number };
  metrics: VersionMetrics;
  /** Whether the saved head was trained again on the held-out images after they measured it. */
  refit: boolean;
  warnings: string[];
}

/** Above this many training images the extra views cost more time and memory than they are likely to pay back. */
export const AUGMENT_LIMIT = 5000;
export const DEFAULT_VALIDATION_SHARE = 0.2;

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** Rows of (image, view) vectors with class indices, copied a slice at a time. */
async function samples(
  images: LabelledImage[],
  views: ViewKey[],
  index: VectorsByImage,
  classIndex: Map<string, number>,
  dim: number,
): Promise<Samples> {
  const rows: { vector: Float32Array; y: number }[] = [];
  for (const img of images) {
    for (const view of views) {
      const vector = index.get(img.id)?.get(view);
      if (vector) rows.push({ vector, y: classIndex.get(img.className)! });
    }
  }
  const x = new Float32Array(rows.length * dim);
  const y = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    x.set(rows[i]!.vector, i * dim);
    y[i] = rows[i]!.y;
    if (i % 4096 === 4095) await yieldToEventLoop();
  }
  return { x, y };
}

/** Metrics and per-image predictions on images whose every prediction view is embedded. */
async function evaluate(
  head: HeadModel,
  images: LabelledImage[],
  views: readonly ViewKey[],
  index: VectorsByImage,
): Promise<{ metrics: Metrics; predictions: ImagePrediction[] } | null> {
  const classIndex = new Map(head.classes.map((c, i) => [c, i]));
  const truth: number[] = [];
  const predicted: number[] = [];
  const predictions: ImagePrediction[] = [];
  for (const [n, img] of images.entries()) {
    if (n % 256 === 255) await yieldToEventLoop();
    const vectors = views.map((v) => index.get(img.id)?.get(v));
    if (vectors.some((v) => !v)) continue;
    const p = averageProbabilities(vectors.map((v) => applyHead(head, v!)));
    const t = classIndex.get(img.className)!;
    const k = argMax(p);
    truth.push(t);
    predicted.push(k);
    predictions.push({ imageId: img.id, trueClass: img.className, predictedClass: head.classes[k]!, probabilities: Array.from(p) });
  }
  if (truth.length === 0) return null;
  return { metrics: computeMetrics(head.classes, truth, predicted), predictions };
}

/**
 * Whether these views are cached for every image whose plain view is (an
 * image that cannot be read has neither, so it never holds the rest back);
 * false while no image has its plain view yet.
 */
export function viewsReady(store: ProjectStore, backbone: string, images: readonly LabelledImage[], views: readonly ViewKey[]): boolean {
  const keys = (of: readonly ViewKey[]) => images.flatMap((img) => of.map((view) => ({ imageId: img.id, view })));
  const unread = new Set(missingEmbeddings(store, backbone, keys([PLAIN_VIEW])).map((k) => k.imageId));
  if (unread.size === images.length) return false;
  return missingEmbeddings(store, backbone, keys(views)).every((k) => unread.has(k.imageId));
}

/** Whether the default training would learn from the costlier views: cached for every training image, and not too many of them. */
export function augmentReady(store: ProjectStore, backbone: string, learners: readonly LabelledImage[]): boolean {
  return learners.length <= AUGMENT_LIMIT && viewsReady(store, backbone, learners, extraTrainingViews());
}

/** Embeds what the cache lacks; images that cannot be read are left out with a warning. */
async function embedMissing(
  store: ProjectStore,
  backbone: string,
  wanted: EmbeddingKey[],
  opts: TrainProjectOptions,
): Promise<{ dim: number; computed: number; cached: number; decodes: number; warnings: string[] }> {
  return withEmbedder(backbone, opts, async (embedder) => {
    const result = await ensureEmbeddings(store, embedder, wanted, {
      ...(opts.signal ? { signal: opts.signal } : {}),
      onProgress: (p) => opts.onProgress?.({ phase: 'embedding', done: p.done, total: p.total, etaSeconds: p.etaSeconds }),
    });
    const failed = new Set(result.failed.map((f) => f.imageId)).size;
    const warnings = failed > 0 ? [`${failed} image${failed === 1 ? '' : 's'} could not be read and ${failed === 1 ? 'was' : 'were'} left out.`] : [];
    return { dim: embedder.backbone.dim, computed: result.computed, cached: result.cached, decodes: result.decodes, warnings };
  });
}

export async function trainProject(store: ProjectStore, opts: TrainProjectOptions = {}): Promise<TrainProjectResult> {
  const started = performance.now();
  const { signal } = opts;
  const backbone = opts.backbone ?? opts.embedder?.backbone.id ?? DEFAULT_BACKBONE;
  const seed = opts.seed ?? DEFAULT_HEAD_SETTINGS.seed;
  const validationShare = opts.validationShare ?? DEFAULT_VALIDATION_SHARE;
  checkAbort(signal);

  // Guard rails first: a project that cannot train costs nothing.
  const plan = planTraining(store.classes(), labelledImages(store), { validationShare });
  // Only Pancake's own holdout is given back: images the user put in the
  // validation split were set aside on purpose.
  const refit = (opts.refit ?? true) && plan.validationSource === 'holdout';
  const learners = refit ? [...plan.train, ...plan.validation] : plan.train;
  // By default the first model waits for no costlier view: those join once
  // the idle embedder has made them for every training image, and where
  // there is one, so does the mirror.
  const mirrorReady = !opts.background || viewsReady(store, backbone, [...learners, ...plan.validation, ...plan.test], [FLIP_VIEW]);
  const chosenViews = opts.views ? [...opts.views] : opts.augment !== undefined ? trainingViews(opts.augment) : null;
  const embedViews = chosenViews ?? (mirrorReady ? baseTrainingViews() : [PLAIN_VIEW]);
  const tta = opts.tta ?? (mirrorReady || embedViews.includes(FLIP_VIEW));
  const evalViews = predictionViews(tta);
  const phase = (p: TrainPhase) => opts.onPhase?.(p);

  // Started now so that loading tfjs in their workers overlaps the embedding phase.
  const trainer = new HeadTrainer(opts.tfBackend);
  const refitter = refit ? new HeadTrainer(opts.tfBackend) : null;
  try {
    phase('embedding');
    const learnerIds = new Set(learners.map((img) => img.id));
    const embedded = await embedMissing(store, backbone, [
      ...learners.flatMap((img) => embedViews.map((view) => ({ imageId: img.id, view }))),
      ...[...plan.validation, ...plan.test].flatMap((img) =>
        evalViews.filter((view) => !learnerIds.has(img.id) || !embedViews.includes(view)).map((view) => ({ imageId: img.id, view })),
      ),
    ], opts);
    const trainViews = chosenViews ?? (mirrorReady ? trainingViews(augmentReady(store, backbone, learners)) : [PLAIN_VIEW]);
    const augment = trainViews.some((v) => extraTrainingViews().includes(v));
    const warnings = [...plan.warnings, ...embedded.warnings];
    const { dim } = embedded;
    checkAbort(signal);

    phase('training');
    const allIds = [...plan.train, ...plan.validation, ...plan.test].map((i) => i.id);
    const index = await loadVectors(store, backbone, allIds, [...new Set([...trainViews, ...evalViews])]);
    const classIndex = new Map(plan.classes.map((c, i) => [c, i]));
    const train = await samples(plan.train, trainViews, index, classIndex, dim);
    const trainImages = plan.train.filter((img) => index.has(img.id)).length;
    const trainSamples = train.y.length;
    // Early stopping watches the plain view, as predictions without TTA would see it.
    const val = plan.validation.length > 0 ? await samples(plan.validation, [evalViews[0]!], index, classIndex, dim) : null;
    const present = new Set(train.y);
    const lost = plan.classes.filter((_, i) => !present.has(i));
    if (lost.length > 0) throw new Error(`No image of ${lost.map((c) => `"${c}"`).join(', ')} could be read, so the model cannot learn it.`);

    const headSettings = {
      epochs: opts.epochs ?? DEFAULT_HEAD_SETTINGS.epochs,
      learningRate: opts.learningRate ?? DEFAULT_HEAD_SETTINGS.learningRate,
      hiddenUnits: opts.hiddenUnits ? opts.hiddenUnits : null,
      weightDecay: opts.weightDecay ?? DEFAULT_HEAD_SETTINGS.weightDecay,
      dropout: opts.dropout ?? DEFAULT_HEAD_SETTINGS.dropout,
      patience: opts.patience ?? DEFAULT_HEAD_SETTINGS.patience,
      seed,
    };
    // The refit learns from every labelled image alongside the training
    // that chooses its epoch count, and the out-of-set rule's distances are
    // computed meanwhile too: three workers, so the cores stay busy and the
    // main thread free.
    const fitImages = refitter ? learners.filter((img) => index.has(img.id)).length : trainImages;
    const all = refitter ? await samples(learners, trainViews, index, classIndex, dim) : null;
    const outOfSetRule = buildOutOfSetRule(
      learners.flatMap((img) => {
        const vector = index.get(img.id)?.get(PLAIN_VIEW);
        return vector ? [{ imageId: img.id, vector }] : [];
      }),
      seed,
      signal,
    );
    const trainStarted = performance.now();
    let refitEpochs = 0;
    /** Known once the training has chosen it; progress of the refit is shown from then on. */
    let refitTarget: number | null = null;
    const refitProgress = () => {
      if (refitTarget === null) return;
      const perEpoch = refitEpochs > 0 ? (performance.now() - trainStarted) / 1000 / refitEpochs : null;
      const left = Math.max(0, refitTarget - refitEpochs);
      opts.onProgress?.({ phase: 'refitting', done: Math.min(refitEpochs, refitTarget), total: refitTarget, etaSeconds: perEpoch === null ? null : perEpoch * left });
    };
    const refitting =
      refitter && all
        ? refitter.train(
            { backbone, dim, classes: plan.classes, train: all, val: null, settings: { ...headSettings, patience: headSettings.epochs } },
            {
              ...(signal ? { signal } : {}),
              refit: true,
              onEpoch: (stats) => {
                refitEpochs = stats.epoch;
                refitProgress();
              },
            },
          )
        : null;
    // Awaited below; until then a failure must not count as unhandled.
    for (const p of [outOfSetRule, refitting]) p?.catch(() => undefined);

    const trained = await trainer.train(
      { backbone, dim, classes: plan.classes, train, val, settings: headSettings },
      {
        ...(signal ? { signal } : {}),
        onEpoch: (stats, bestEpoch) => {
          refitter?.refitFloor(bestEpoch);
          opts.onEpoch?.(stats);
          const perEpoch = (performance.now() - trainStarted) / 1000 / stats.epoch;
          opts.onProgress?.({
            phase: 'training',
            done: stats.epoch,
            total: headSettings.epochs,
            etaSeconds: perEpoch * (headSettings.epochs - stats.epoch),
          });
        },
      },
    );
    refitter?.refitUntil(trained.bestEpoch);
    checkAbort(signal);

    phase('evaluating');
    const validation = await evaluate(trained.head, plan.validation, evalViews, index);
    const outOfSet = await outOfSetRule;
    checkAbort(signal);

    // The epoch count the held-out images chose, learned from every
    // labelled image; metrics stay those measured before, on unseen images.
    let head = trained.head;
    if (refitting) {
      phase('refitting');
      refitTarget = trained.bestEpoch;
      refitProgress();
      head = (await refitting).head;
      checkAbort(signal);
    }
    // The test split never trains, so it measures the head that is saved.
    const test = await evaluate(head, plan.test, evalViews, index);
    const metrics: VersionMetrics = {
      validation: validation?.metrics ?? null,
      test: test?.metrics ?? null,
      predictions: validation?.predictions ?? [],
      history: trained.history,
      bestEpoch: trained.bestEpoch,
      stoppedEarly: trained.stoppedEarly,
      counts: { trainImages, trainSamples, validation: validation?.metrics.n ?? 0, test: test?.metrics.n ?? 0, fitImages },
      ...(outOfSet ? { outOfSet } : {}),
    };

    phase('saving');
    const settings: VersionSettings = {
      ...headSettings,
      backbone,
      augment,
      views: trainViews,
      tta,
      validationShare,
      validation: plan.validationSource,
      refit: refitter !== null,
      tfBackend: trained.backend,
    };
    const versionId = saveVersion(store, {
      ...(opts.name ? { name: opts.name } : {}),
      head,
      settings,
      dataFingerprint: dataFingerprint([...plan.train, ...plan.validation]),
      metrics,
      durationMs: performance.now() - started,
    });
    return { versionId, embedded: { computed: embedded.computed, cached: embedded.cached, decodes: embedded.decodes }, metrics, refit: refitter !== null, warnings };
  } finally {
    trainer.dispose();
    refitter?.dispose();
  }
}
