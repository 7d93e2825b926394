// Unit length as head-format.ts defines it, x / max(||x||, 1e-12), so that a
// zero vector stays zero. One definition for the head's training, the app's
// predictions, distances between images and the exported graphs to agree on.

export const L2_EPSILON = 1e-12;

/** The factor that brings `dim` values of `x`, from `offset`, to unit length. */
export function unitScale(x: ArrayLike<number>, offset = 0, dim = x.length - offset): number {
  let sum = 0;
  for (let j = 0; j < dim; j++) {
    const v = x[offset + j]!;
    sum += v * v;
  }
  return 1 / Math.max(Math.sqrt(sum), L2_EPSILON);
}

/**
 * Scales rows `from`..`to` of a row-major matrix to length `scale` (1 by
 * default), writing into `out` (the matrix itself unless given).
 */
export function normaliseRows(
  matrix: Float32Array,
  dim: number,
  opts: { from?: number; to?: number; scale?: number; out?: Float32Array } = {},
): Float32Array {
  const out = opts.out ?? matrix;
  const scale = opts.scale ?? 1;
  const to = opts.to ?? matrix.length / dim;
  for (let r = opts.from ?? 0; r < to; r++) {
    const o = r * dim;
    const f = scale * unitScale(matrix, o, dim);
    for (let j = 0; j < dim; j++) out[o + j] = matrix[o + j]! * f;
  }
  return out;
}
