// Computes the embeddings an insight needs, as part of a job: progress
// events while it runs, cancellable, and nothing at all (not even loading
// the backbone) when the cache already has every vector.
import type { JobContext } from '../core/jobs.js';
import { missingEmbeddings, type EmbeddingKey } from '../../db/ml-queries.js';
import { ensureEmbeddings } from '../ml/embedding-cache.js';

/** Reports embedding progress of a job the way every insight shows it. */
export function embeddingProgress(ctx: JobContext) {
  return (p: { done: number; total: number; etaSeconds: number | null }) =>
    ctx.progress({
      phase: 'embedding',
      done: p.done,
      total: p.total,
      etaSeconds: p.etaSeconds,
      message: 'Reading images the model has not seen yet',
    });
}

/** Embeds what the cache lacks; returns the ids of images that could not be read. */
export async function embedForJob(ctx: JobContext, backbone: string, wanted: EmbeddingKey[]): Promise<Set<number>> {
  const store = ctx.store;
  const missing = missingEmbeddings(store, backbone, wanted);
  if (missing.length === 0) return new Set();
  ctx.progress({ phase: 'embedding', done: 0, total: new Set(missing.map((m) => m.imageId)).size });
  const embedder = await ctx.embedder(backbone);
  const result = await ensureEmbeddings(store, embedder, missing, { signal: ctx.signal, onProgress: embeddingProgress(ctx) });
  return new Set(result.failed.map((f) => f.imageId));
}
