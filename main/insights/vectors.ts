/** Scales each row of a row-major matrix to unit length, in place. */
export function normaliseRows(matrix: Float32Array, dim: number, from = 0, to = matrix.length / dim): void {
  for (let r = from; r < to; r++) {
    const o = r * dim;
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += matrix[o + j]! * matrix[o + j]!;
    const f = 1 / Math.max(Math.sqrt(sum), 1e-12);
    for (let j = 0; j < dim; j++) matrix[o + j]! *= f;
  }
}
