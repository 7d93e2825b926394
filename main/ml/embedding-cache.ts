// Fills the project's embedding cache: computes only the (image, view)
// pairs that are missing for a backbone, from the stored normalized JPEGs,
// each image decoded once for all its missing views, and saves vectors in
// small transactions as they arrive, so a cancel or a crash keeps
// everything computed so far. An image's vectors are saved once all its
// views have arrived: a cancel leaves each image with all of them or none.
import type { ProjectStore } from '../../db/project-store.js';
import { missingEmbeddings, putEmbeddings, type EmbeddingKey, type StoredEmbedding } from '../../db/ml-queries.js';
import type { EmbedProgress, Embedder, EmbedRequest, EmbedRunResult } from './embedder.js';
import type { ViewKey } from './views.js';

export interface EnsureEmbeddingsOptions {
  signal?: AbortSignal;
  onProgress?(progress: EmbedProgress): void;
}

export interface EnsureEmbeddingsResult {
  computed: number;
  cached: number;
  /** One entry per image that could not be read. */
  failed: { imageId: number; message: string }[];
  /** Decodes this run made: one per image embedded, whatever the number of its views. */
  decodes: number;
}

const FLUSH_ROWS = 64;
const FLUSH_MS = 500;

export async function ensureEmbeddings(
  store: ProjectStore,
  embedder: Embedder,
  wanted: readonly EmbeddingKey[],
  opts: EnsureEmbeddingsOptions = {},
): Promise<EnsureEmbeddingsResult> {
  const backbone = embedder.backbone.id;
  const missing = missingEmbeddings(store, backbone, wanted);
  const byImage = new Map<number, ViewKey[]>();
  for (const { imageId, view } of missing) {
    const views = byImage.get(imageId);
    if (views) {
      if (!views.includes(view)) views.push(view);
    } else byImage.set(imageId, [view]);
  }
  const failed: EnsureEmbeddingsResult['failed'] = [];
  let buffer: StoredEmbedding[] = [];
  /** Vectors of images some of whose views are still to come. */
  const partial = new Map<number, StoredEmbedding[]>();
  let lastFlush = performance.now();
  let computed = 0;
  const flush = () => {
    if (buffer.length === 0) return;
    putEmbeddings(store, backbone, buffer);
    computed += buffer.length;
    buffer = [];
    lastFlush = performance.now();
  };

  function* requests(): Generator<EmbedRequest<number>> {
    for (const [imageId, views] of byImage) {
      // Read lazily: only the images in flight are held in memory.
      const pixels = store.normalized(imageId);
      if (!pixels) {
        failed.push({ imageId, message: 'the image is no longer in the project' });
        continue;
      }
      yield { source: { normalized: pixels.bytes }, views, tag: imageId };
    }
  }

  let run: EmbedRunResult;
  try {
    run = await embedder.run(requests(), byImage.size, {
      onVector: (imageId, view, vector) => {
        const arrived = (partial.get(imageId) ?? partial.set(imageId, []).get(imageId))!;
        arrived.push({ imageId, view, vector });
        if (arrived.length < byImage.get(imageId)!.length) return;
        partial.delete(imageId);
        buffer.push(...arrived);
        if (buffer.length >= FLUSH_ROWS || performance.now() - lastFlush > FLUSH_MS) flush();
      },
      onFailure: (imageId, message) => failed.push({ imageId, message }),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } finally {
    flush();
  }
  return { computed, cached: wanted.length - missing.length, failed, decodes: run.decodes };
}
