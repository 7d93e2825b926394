// Computes the embeddings an insight needs, as part of a job: progress
// events while it runs, cancellable, and nothing at all (not even loading
// the backbone) when the cache already has every vector.
import type { PancakeCore } from '../core/core.js';
import type { Job } from '../core/jobs.js';
import { missingEmbeddings, type EmbeddingKey } from '../../db/ml-queries.js';
import { ensureEmbeddings } from '../ml/embedding-cache.js';

/** Reports embedding progress of a job the way every insight shows it. */
export function embeddingProgress(core: PancakeCore, job: Job) {
  return (p: { done: number; total: number; etaSeconds: number | null }) =>
    core.jobs.progress(job, {
      phase: 'embedding',
      done: p.done,
      total: p.total,
      etaSeconds: p.etaSeconds,
      message: 'Reading images the model has not seen yet',
    });
}

/** Embeds what the cache lacks; returns the ids of images that could not be read. */
export async function embedForJob(core: PancakeCore, job: Job, backbone: string, wanted: EmbeddingKey[]): Promise<Set<number>> {
  const store = core.store;
  const missing = missingEmbeddings(store, backbone, wanted);
  if (missing.length === 0) return new Set();
  core.jobs.progress(job, { phase: 'embedding', done: 0, total: new Set(missing.map((m) => m.imageId)).size });
  const embedder = await core.embedders.get(backbone);
  const result = await ensureEmbeddings(store, embedder, missing, {
    signal: job.controller.signal,
    onProgress: embeddingProgress(core, job),
  });
  return new Set(result.failed.map((f) => f.imageId));
}
