// Fills the project's embedding cache: computes only the (image, view)
// pairs that are missing for a backbone, from the stored normalized JPEGs,
// and saves vectors in small transactions as they arrive, so a cancel or
// a crash keeps everything computed so far.
import type { ProjectStore } from '../../db/project-store.js';
import { missingEmbeddings, putEmbeddings, type EmbeddingKey, type StoredEmbedding } from '../../db/ml-queries.js';
import type { EmbedProgress, Embedder, EmbedRequest } from './embedder.js';

export interface EnsureEmbeddingsOptions {
  signal?: AbortSignal;
  onProgress?(progress: EmbedProgress): void;
}

export interface EnsureEmbeddingsResult {
  computed: number;
  cached: number;
  failed: { imageId: number; view: number; message: string }[];
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
  const failed: EnsureEmbeddingsResult['failed'] = [];
  let buffer: StoredEmbedding[] = [];
  let lastFlush = performance.now();
  let computed = 0;
  const flush = () => {
    if (buffer.length === 0) return;
    putEmbeddings(store, backbone, buffer);
    computed += buffer.length;
    buffer = [];
    lastFlush = performance.now();
  };

  function* requests(): Generator<EmbedRequest<EmbeddingKey>> {
    for (const key of missing) {
      // Read lazily: only the images in flight are held in memory.
      const pixels = store.normalized(key.imageId);
      if (!pixels) {
        failed.push({ ...key, message: 'the image is no longer in the project' });
        continue;
      }
      yield { source: { normalized: pixels.bytes }, view: key.view, tag: key };
    }
  }

  try {
    await embedder.run(requests(), missing.length, {
      onVector: (key, vector) => {
        buffer.push({ ...key, vector });
        if (buffer.length >= FLUSH_ROWS || performance.now() - lastFlush > FLUSH_MS) flush();
      },
      onFailure: (key, message) => failed.push({ ...key, message }),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } finally {
    flush();
  }
  return { computed, cached: wanted.length - missing.length, failed };
}
