// Loads cached embeddings into memory a chunk at a time, giving the event
// loop a turn between chunks: a big project holds hundreds of megabytes of
// vectors, and reading them in one go would freeze the main process.
import type { ProjectStore } from '../../db/project-store.js';
import { getEmbeddings } from '../../db/ml-queries.js';
import type { ViewKey } from './views.js';

/** imageId -> view -> vector */
export type VectorsByImage = Map<number, Map<ViewKey, Float32Array>>;

const IDS_PER_CHUNK = 250;

export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function loadVectors(
  store: ProjectStore,
  backbone: string,
  imageIds: readonly number[],
  views: readonly ViewKey[],
): Promise<VectorsByImage> {
  const index: VectorsByImage = new Map();
  for (let i = 0; i < imageIds.length; i += IDS_PER_CHUNK) {
    for (const e of getEmbeddings(store, backbone, imageIds.slice(i, i + IDS_PER_CHUNK), views)) {
      let m = index.get(e.imageId);
      if (!m) index.set(e.imageId, (m = new Map()));
      m.set(e.view, e.vector);
    }
    await yieldToEventLoop();
  }
  return index;
}
