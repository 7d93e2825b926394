// Understanding and improving the model: evaluation of any version,
// suggested labels and their groups, similar images and near-duplicates,
// label checks, and trying images (main/insights does the work).
import type { CoreServices, Handlers } from '../core-services.js';
import { CoreError } from '../errors.js';
import { activeVersion, getVersion } from '../../ml/versions.js';
import { projectBackbone } from '../../ml/backbones.js';
import { evaluationReport } from '../../insights/evaluation.js';
import { DEFAULT_DUPLICATE_THRESHOLD, SimilarityService } from '../../insights/similarity-service.js';
import { computeSuggestions } from '../../insights/suggestions.js';
import { acceptSuggestions, suggestionBatches, undoSuggestionBatch } from '../../../db/suggestion-batches.js';
import { DEFAULT_FOLDS, findLabelNoise } from '../../insights/label-noise.js';
import { addTriedImage } from '../../insights/tried-image.js';
import { warmBackbone } from '../../insights/warm-up.js';
import { ensureEmbeddings } from '../../ml/embedding-cache.js';
import { PREDICTION_VIEWS } from '../../ml/views.js';

type InsightMethods =
  | 'evaluationGet'
  | 'similarImages'
  | 'duplicatesFind'
  | 'suggestionsCompute'
  | 'suggestionsAccept'
  | 'suggestionBatches'
  | 'suggestionBatchUndo'
  | 'labelNoiseFind'
  | 'tryWarm'
  | 'addTriedImage';

const DEFAULT_NEIGHBOURS = 24;

export function insightHandlers(core: CoreServices): Pick<Handlers, InsightMethods> {
  const similarity = new SimilarityService();
  const changed = (what: 'images' | 'labels') => core.events.emit({ type: 'project-changed', what });

  return {
    evaluationGet: ({ versionId }) => {
      const store = core.store;
      const version = versionId !== undefined ? getVersion(store, versionId) : activeVersion(store);
      if (!version) throw new CoreError('There is no trained model yet. Train one to see how well it does.');
      return evaluationReport(store, version);
    },
    similarImages: ({ jobId, imageId, limit }) =>
      core.jobs.run(jobId, 'similar', (ctx) => similarity.similar(ctx, projectBackbone(ctx.store), imageId, limit ?? DEFAULT_NEIGHBOURS)),
    duplicatesFind: ({ jobId, threshold }) =>
      core.jobs.run(jobId, 'duplicates', (ctx) => similarity.duplicates(ctx, projectBackbone(ctx.store), threshold ?? DEFAULT_DUPLICATE_THRESHOLD)),
    suggestionsCompute: ({ jobId }) => core.jobs.run(jobId, 'suggestions', computeSuggestions),
    suggestionsAccept: ({ items }) => {
      const res = acceptSuggestions(core.store, items);
      changed('labels');
      return res;
    },
    suggestionBatches: () => ({ batches: suggestionBatches(core.store) }),
    suggestionBatchUndo: ({ batchId }) => {
      const res = undoSuggestionBatch(core.store, batchId);
      changed('labels');
      return res;
    },
    labelNoiseFind: ({ jobId, folds }) =>
      core.jobs.run(jobId, 'label-check', (ctx) => findLabelNoise(ctx, projectBackbone(ctx.store), folds ?? DEFAULT_FOLDS)),
    tryWarm: async () => {
      if (!core.hasProject) return { backbone: null, ms: 0 };
      const version = activeVersion(core.store);
      if (!version) return { backbone: null, ms: 0 };
      return { backbone: version.backbone, ms: await warmBackbone(core.embedders.get(version.backbone)) };
    },
    addTriedImage: async ({ name, bytes, classId }) => {
      const store = core.store;
      const res = await addTriedImage(store, name, bytes, classId);
      // Embedded on arrival, as an import's images are, so the live model and
      // the next training have it at once; without weights, whoever needs
      // its vectors makes them later.
      try {
        const embedder = await core.embedders.get(projectBackbone(store));
        await ensureEmbeddings(store, embedder, PREDICTION_VIEWS.map((view) => ({ imageId: res.imageId, view })));
      } catch {
        // The image is added either way.
      }
      changed('images');
      return res;
    },
  };
}
