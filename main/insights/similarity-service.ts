// Similar images and near-duplicates over one shared vector index, rebuilt
// only when images were added or deleted; the all-pairs scan's pairs are
// kept with the index so that moving the threshold re-groups at once.
import type { JobContext } from '../core/jobs.js';
import { CoreError } from '../core/errors.js';
import type { DuplicateReport, SimilarImagesResult } from '../../contract/types.js';
import { PLAIN_VIEW } from '../ml/views.js';
import { embedForJob } from './embed-job.js';
import { allImageIds, imageSetSize, keeperFacts } from '../../db/image-queries.js';
import { groupDuplicates } from './duplicate-groups.js';
import { scanPairs } from './pair-scan.js';
import type { PairList } from './pair-scan-protocol.js';
import { IndexCache, loadIndex, nearestImages, type VectorIndex } from './vector-index.js';

/**
 * Cosine similarity of plain-view embeddings at or above which two images
 * count as the same photo. Measured on hymenoptera and cats_vs_dogs with
 * MobileNetV2: copies resized to 70%, recompressed at quality 60 or cropped
 * by 3-5% a side mostly score 0.93-0.98 (a few down to 0.87), while the most
 * alike different photos (same scene, same photographer) reach 0.84.
 * test/unit/insights/insights-duplicates.test.ts checks the margin on real photos.
 */
export const DEFAULT_DUPLICATE_THRESHOLD = 0.9;
/** Pairs are collected down to here, so the threshold can be lowered without a new scan. */
const PAIR_FLOOR = 0.85;

export class SimilarityService {
  private readonly indexes = new IndexCache();
  private scanned: { index: VectorIndex; pairs: PairList; seconds: number } | null = null;

  /** The index for the project's images, embedding what is missing first. */
  async index(ctx: JobContext, backbone: string): Promise<VectorIndex> {
    const store = ctx.store;
    const cached = this.indexes.fresh(store, backbone);
    if (cached) return cached;
    const size = imageSetSize(store);
    const ids = allImageIds(store);
    await embedForJob(ctx, backbone, ids.map((imageId) => ({ imageId, view: PLAIN_VIEW })));
    ctx.progress({ phase: 'indexing', done: 0, total: null });
    const index = await loadIndex(store, backbone, ids, ctx.signal);
    this.indexes.put(store, size, index);
    return index;
  }

  async similar(ctx: JobContext, backbone: string, imageId: number, limit: number): Promise<SimilarImagesResult> {
    const index = await this.index(ctx, backbone);
    const started = performance.now();
    const neighbours = nearestImages(index, imageId, limit);
    if (!neighbours) {
      throw new CoreError(
        ctx.store.normalized(imageId) ? 'This image could not be read, so it cannot be compared.' : 'That image is no longer in the project.',
      );
    }
    return { imageId, neighbours, queryMs: performance.now() - started };
  }

  async duplicates(ctx: JobContext, backbone: string, threshold: number): Promise<DuplicateReport> {
    const index = await this.index(ctx, backbone);
    let scanned = this.scanned;
    if (!scanned || scanned.index !== index || scanned.pairs.floor > threshold) {
      const started = performance.now();
      const n = index.ids.length;
      const pairs = await scanPairs(index.matrix, n, index.dim, {
        floor: Math.min(PAIR_FLOOR, threshold),
        threshold,
        signal: ctx.signal,
        onProgress: (done, total) => ctx.progress({ phase: 'comparing', done, total, message: `${n.toLocaleString()} images` }),
      });
      scanned = this.scanned = { index, pairs, seconds: (performance.now() - started) / 1000 };
    }
    const store = ctx.store;
    return {
      threshold,
      groups: groupDuplicates(scanned.pairs, threshold, index, (ids) => keeperFacts(store, ids)),
      images: index.ids.length - index.retired.reduce((n, r) => n + r, 0),
      unreadable: index.missing,
      scanSeconds: scanned.seconds,
    };
  }
}
