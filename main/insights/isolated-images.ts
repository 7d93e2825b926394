// Labelled images unlike every other image of their class: a placeholder
// picture, a photo of something else entirely. A held-out model cannot
// catch these (it only knows the project's classes and picks the likeliest
// of them); their distances can. The rule is the "none of these" rule of
// main/ml/out-of-set.ts turned on the labelled images themselves: an image
// whose nearest other image of its class is further than the
// OUT_OF_SET_PERCENTILE of every image's distance to its nearest neighbour.
import { OUT_OF_SET_PERCENTILE, percentile } from '../ml/out-of-set.js';
import { yieldToEventLoop } from '../ml/vectors-by-image.js';
import { normaliseRows } from '../ml/l2.js';

/**
 * Comparing every pair costs n² dot products: a few seconds at this size,
 * beside the five heads the check trains. Larger projects are checked by
 * their held-out models only.
 */
export const ISOLATION_LIMIT = 4000;

/** Per row, true when it is unlike every other row of its class; null above ISOLATION_LIMIT rows. */
export async function isolatedImages(rows: readonly { vector: Float32Array; y: number }[], dim: number): Promise<boolean[] | null> {
  const n = rows.length;
  if (n > ISOLATION_LIMIT || n < 2) return null;
  const unit = new Float32Array(n * dim);
  rows.forEach((r, i) => unit.set(r.vector, i * dim));
  normaliseRows(unit, dim);
  const nearest = new Float64Array(n).fill(-Infinity);
  const nearestOwn = new Float64Array(n).fill(-Infinity);
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      let dot = 0;
      for (let j = 0, oa = a * dim, ob = b * dim; j < dim; j++) dot += unit[oa + j]! * unit[ob + j]!;
      if (dot > nearest[a]!) nearest[a] = dot;
      if (dot > nearest[b]!) nearest[b] = dot;
      if (rows[a]!.y === rows[b]!.y) {
        if (dot > nearestOwn[a]!) nearestOwn[a] = dot;
        if (dot > nearestOwn[b]!) nearestOwn[b] = dot;
      }
    }
    if (a % 64 === 63) await yieldToEventLoop();
  }
  const threshold = percentile(Array.from(nearest, (s) => 1 - s), OUT_OF_SET_PERCENTILE);
  // An image alone in its class has no neighbour of its own: nothing to compare it with.
  return Array.from(nearestOwn, (s) => s !== -Infinity && 1 - s > threshold);
}
