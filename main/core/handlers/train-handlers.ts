import type { CoreServices, Handlers } from '../core-services.js';
import type { TrainingReadiness, VersionDetail, VersionSummary } from '../../../contract/types.js';
import { BACKBONES, DEFAULT_BACKBONE, backboneState, getBackbone, modelsDirCandidates, projectBackbone, setProjectBackbone } from '../../ml/backbones.js';
import { manifestEntry } from '../../models/install.js';
import { labelledImages } from '../../../db/ml-queries.js';
import { planTraining, TrainingGuardError } from '../../ml/training-data.js';
import { trainProject, augmentReady, viewsReady, DEFAULT_VALIDATION_SHARE } from '../../ml/train.js';
import { FLIP_VIEW } from '../../ml/views.js';
import { DEFAULT_HEAD_SETTINGS } from '../../ml/train-head.js';
import {
  activeVersionOutOfDate,
  deleteVersion,
  getVersion,
  listVersions,
  renameVersion,
  setActiveVersion,
  setVersionNote,
  type ModelVersion,
} from '../../ml/versions.js';

type TrainMethods =
  | 'backbonesList'
  | 'settingsSet'
  | 'projectSetBackbone'
  | 'trainingReadiness'
  | 'train'
  | 'versionsList'
  | 'versionGet'
  | 'versionUpdate'
  | 'versionSetActive'
  | 'versionDelete';


/** The backbone a project trains with: chosen once, remembered in the project. */
function summary(v: ModelVersion, outOfDate: boolean): VersionSummary {
  const m = v.metrics;
  return {
    id: v.id,
    name: v.name,
    note: v.note,
    createdAt: v.createdAt,
    backbone: v.backbone,
    classes: v.classes,
    accuracy: m.validation?.accuracy ?? null,
    validationCount: m.validation?.n ?? 0,
    trainCount: m.counts.trainImages,
    learnedFromCount: m.counts.fitImages ?? m.counts.trainImages,
    durationMs: v.durationMs,
    active: v.active,
    outOfDate: v.active && outOfDate,
    settings: {
      backbone: v.settings.backbone,
      augment: v.settings.augment,
      epochs: v.settings.epochs,
      learningRate: v.settings.learningRate,
      hiddenUnits: v.settings.hiddenUnits ?? 0,
      validationShare: v.settings.validationShare,
      seed: v.settings.seed,
    },
  };
}

function detail(v: ModelVersion, outOfDate: boolean): VersionDetail {
  const val = v.metrics.validation;
  return {
    ...summary(v, outOfDate),
    perClass: val ? v.classes.map((name) => ({ name, ...val.perClass[name]! })) : [],
    confusion: val ? val.confusion : { labels: v.classes, matrix: [] },
    curves: v.metrics.history,
    bestEpoch: v.metrics.bestEpoch ?? null,
    warnings: v.settings.validation === 'none' ? ['This version was trained without validation images, so it has no accuracy figures.'] : [],
  };
}

export function trainHandlers(core: CoreServices): Pick<Handlers, TrainMethods> {
  const versionsChanged = () => core.events.emit({ type: 'project-changed', what: 'versions' });

  return {
    backbonesList: () => {
      const loc = core.modelsLocation();
      const backbones = BACKBONES.map((b) => {
        const state = backboneState(b.id, loc);
        return {
          id: b.id,
          label: b.label,
          description: b.description,
          embeddingSize: b.dim,
          isDefault: b.id === DEFAULT_BACKBONE,
          problem: state.problem,
          status: state.status,
          downloadBytes: manifestEntry(b.id).original.bytes,
          licence: manifestEntry(b.id).original.licence,
        };
      });
      return { backbones, current: core.hasProject ? projectBackbone(core.store) : DEFAULT_BACKBONE, searched: modelsDirCandidates(loc) };
    },
    settingsSet: ({ modelsDir }) => {
      core.appState.updateSettings({ modelsDir: modelsDir ?? undefined });
      void core.embedders.closeAll();
      return null;
    },
    projectSetBackbone: ({ backbone }) => {
      getBackbone(backbone);
      setProjectBackbone(core.store, backbone);
      versionsChanged();
      return null;
    },
    trainingReadiness: (): TrainingReadiness => {
      const store = core.store;
      const labelled = labelledImages(store);
      const active = listVersions(store).find((v) => v.active) ?? null;
      const base = {
        backbone: projectBackbone(core.store),
        labelled: labelled.length,
        activeVersionId: active?.id ?? null,
        activeOutOfDate: activeVersionOutOfDate(store) ?? false,
        background: core.idleEmbedding?.left ?? null,
        activeLacksViews: false,
      };
      // The UI shows these beside its advanced settings, so they cannot drift from what train() does.
      const defaults = (augment: boolean) => ({
        epochs: DEFAULT_HEAD_SETTINGS.epochs,
        learningRate: DEFAULT_HEAD_SETTINGS.learningRate,
        hiddenUnits: DEFAULT_HEAD_SETTINGS.hiddenUnits ?? 0,
        augment,
        validationShare: DEFAULT_VALIDATION_SHARE,
      });
      try {
        const plan = planTraining(store.classes(), labelled, { validationShare: DEFAULT_VALIDATION_SHARE });
        const learners = plan.validationSource === 'holdout' ? [...plan.train, ...plan.validation] : plan.train;
        const augment = augmentReady(store, base.backbone, learners);
        const lacksViews =
          core.background &&
          active !== null &&
          !base.activeOutOfDate &&
          ((!active.settings.tta && viewsReady(store, base.backbone, [...learners, ...plan.validation, ...plan.test], [FLIP_VIEW])) ||
            (!active.settings.augment && augment));
        return { ...base, activeLacksViews: lacksViews, ready: true, problems: [], warnings: plan.warnings, defaults: defaults(augment) };
      } catch (err) {
        if (err instanceof TrainingGuardError) return { ...base, ready: false, problems: [err.message], warnings: [], defaults: defaults(false) };
        throw err;
      }
    },
    train: ({ jobId, settings = {} }) => {
      const store = core.writableStore;
      const exclusive = 'A training is already running. Wait for it or cancel it first.';
      return core.jobs.run(jobId, 'train', async (job) => {
        const backbone = settings.backbone ?? projectBackbone(core.store);
        if (settings.backbone) setProjectBackbone(store, settings.backbone);
        const result = await trainProject(store, {
          ...core.modelsLocation(),
          backbone,
          embedder: await core.embedders.get(backbone),
          signal: job.controller.signal,
          background: core.background,
          ...(settings.augment !== undefined ? { augment: settings.augment } : {}),
          ...(settings.epochs !== undefined ? { epochs: settings.epochs } : {}),
          ...(settings.learningRate !== undefined ? { learningRate: settings.learningRate } : {}),
          ...(settings.hiddenUnits !== undefined ? { hiddenUnits: settings.hiddenUnits } : {}),
          ...(settings.validationShare !== undefined ? { validationShare: settings.validationShare } : {}),
          ...(settings.seed !== undefined ? { seed: settings.seed } : {}),
          onProgress: (p) => core.jobs.progress(job, { phase: p.phase, done: p.done, total: p.total, etaSeconds: p.etaSeconds }),
          onPhase: (phase) => core.jobs.progress(job, { phase, done: 0, total: null }),
          onEpoch: (stats) =>
            core.events.emit({ type: 'train-epoch', jobId, stats, maxEpochs: settings.epochs ?? DEFAULT_HEAD_SETTINGS.epochs }),
        });
        versionsChanged();
        return {
          versionId: result.versionId,
          accuracy: result.metrics.validation?.accuracy ?? null,
          validationCount: result.metrics.validation?.n ?? 0,
          learnedFromCount: result.metrics.counts.fitImages ?? result.metrics.counts.trainImages,
          refit: result.refit,
          warnings: result.warnings,
        };
      }, { exclusive });
    },
    versionsList: () => {
      const outOfDate = activeVersionOutOfDate(core.store) ?? false;
      return { versions: listVersions(core.store).map((v) => summary(v, outOfDate)) };
    },
    versionGet: ({ id }) => detail(getVersion(core.store, id), activeVersionOutOfDate(core.store) ?? false),
    versionUpdate: ({ id, name, note }) => {
      if (name !== undefined) renameVersion(core.store, id, name);
      if (note !== undefined) setVersionNote(core.store, id, note);
      versionsChanged();
      return null;
    },
    versionSetActive: ({ id }) => {
      setActiveVersion(core.store, id);
      versionsChanged();
      return null;
    },
    versionDelete: ({ id }) => {
      deleteVersion(core.store, id);
      versionsChanged();
      return null;
    },
  };
}
