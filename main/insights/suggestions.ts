// Suggested labels: the active version's predictions for the unlabelled
// images (main/ml predicts stored images under the views the version
// predicts with, so a confidence here means what it means everywhere else),
// with the margin over the runner-up that "least sure first" sorts by.
import type { JobContext } from '../core/jobs.js';
import { CoreError } from '../core/errors.js';
import type { Suggestion, SuggestionReport } from '../../contract/types.js';
import { predictStoredImages } from '../ml/predict-project.js';
import { activeVersion, activeVersionOutOfDate } from '../ml/versions.js';
import { unlabelledImageIds } from '../../db/image-queries.js';
import { embeddingProgress } from './embed-job.js';

export async function computeSuggestions(ctx: JobContext): Promise<SuggestionReport> {
  const store = ctx.store;
  const version = activeVersion(store);
  if (!version) throw new CoreError('There is no trained model yet. Train one, and it will suggest labels for the unlabelled images.');
  const ids = unlabelledImageIds(store);
  const result = await predictStoredImages(store, ids, {
    versionId: version.id,
    topK: 2,
    embedder: await ctx.embedder(version.backbone),
    signal: ctx.signal,
    onProgress: embeddingProgress(ctx),
  });
  const classIdByName = new Map(store.classes().map((c) => [c.name.toLowerCase(), c.id]));
  const items: Suggestion[] = result.predictions.map(({ imageId, top, outOfSet }) => {
    const [best, second] = top;
    return {
      imageId,
      className: best!.className,
      classId: classIdByName.get(best!.className.toLowerCase()) ?? null,
      confidence: best!.probability,
      margin: best!.probability - (second?.probability ?? 0),
      runnerUp: second?.className ?? null,
      outOfSet,
    };
  });
  return {
    versionId: version.id,
    versionName: version.name,
    outOfDate: activeVersionOutOfDate(store) ?? false,
    unlabelled: ids.length,
    unreadable: ids.length - items.length,
    items,
  };
}
