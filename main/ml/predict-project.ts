// Classifies images already in the project (e.g. to suggest labels for the
// unlabelled pile) with a model version. Their embeddings go through the
// cache, so a later training or prediction reuses them.
import type { ProjectStore } from '../../db/project-store.js';
import type { ModelsLocation } from './backbones.js';
import type { Embedder, EmbedProgress } from './embedder.js';
import { withEmbedder } from './with-embedder.js';
import { ensureEmbeddings } from './embedding-cache.js';
import { applyHead, averageProbabilities, predictionViews, topK, type ClassScore } from './predict.js';
import { loadOutOfSetCheck } from './out-of-set.js';
import { loadVectors, yieldToEventLoop } from './vectors-by-image.js';
import { activeVersion, getVersion, loadHead, VersionError } from './versions.js';

export interface StoredImagePrediction {
  imageId: number;
  /** In the version's class order. */
  probabilities: Float32Array;
  top: ClassScore[];
  /** Unlike every image the version was trained on (see out-of-set.ts). */
  outOfSet: boolean;
}

export interface PredictStoredOptions extends ModelsLocation {
  /** Defaults to the active version. */
  versionId?: number;
  topK?: number;
  embedder?: Embedder;
  signal?: AbortSignal;
  onProgress?(progress: EmbedProgress): void;
}

export async function predictStoredImages(
  store: ProjectStore,
  imageIds: readonly number[],
  opts: PredictStoredOptions = {},
): Promise<{ versionId: number; classes: string[]; predictions: StoredImagePrediction[]; failed: { imageId: number; message: string }[] }> {
  const version = opts.versionId !== undefined ? getVersion(store, opts.versionId) : activeVersion(store);
  if (!version) throw new VersionError('There is no trained model yet. Train one first.');
  const head = loadHead(store, version.id);
  const views = predictionViews(version.settings.tta);
  const failed = await withEmbedder(head.backbone, opts, async (embedder) => {
    const result = await ensureEmbeddings(
      store,
      embedder,
      imageIds.flatMap((imageId) => views.map((view) => ({ imageId, view }))),
      {
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      },
    );
    return [...new Map(result.failed.map((f) => [f.imageId, { imageId: f.imageId, message: f.message }])).values()];
  });
  const index = await loadVectors(store, head.backbone, imageIds, views);
  const outOfSet = await loadOutOfSetCheck(store, head.backbone, head.inputDim, version.metrics.outOfSet);
  const predictions: StoredImagePrediction[] = [];
  for (const [n, imageId] of imageIds.entries()) {
    if (n % 256 === 255) await yieldToEventLoop();
    const vectors = views.map((v) => index.get(imageId)?.get(v));
    if (vectors.some((v) => !v)) continue;
    const probabilities = averageProbabilities(vectors.map((v) => applyHead(head, v!)));
    predictions.push({ imageId, probabilities, top: topK(head, probabilities, opts.topK ?? 3), outOfSet: outOfSet?.isOutOfSet(vectors[0]!) ?? false });
  }
  return { versionId: version.id, classes: head.classes, predictions, failed };
}
