// Reads cached embeddings one (image, view) at a time. The embeddings table
// is keyed by image first, so a point lookup touches one row, whereas a
// scan by backbone and view would page through every augmented view's
// vector too (six per training image).
import type { Statement } from 'better-sqlite3';
import type { ProjectStore } from '../../db/project-store.js';
import type { ViewKey } from '../ml/views.js';

export class VectorReader {
  private readonly stmt: Statement;

  constructor(
    store: ProjectStore,
    private readonly backbone: string,
  ) {
    this.stmt = store.db.prepare('SELECT vector FROM embeddings WHERE image_id = ? AND backbone = ? AND view = ?').pluck();
  }

  /** Copies the vector into `out` at `offset`; false when it is not cached. */
  readInto(imageId: number, view: ViewKey, out: Float32Array, offset: number): boolean {
    const blob = this.stmt.get(imageId, this.backbone, view) as Buffer | undefined;
    if (!blob) return false;
    // Copy bytewise: a Buffer's offset need not be 4-byte aligned.
    new Uint8Array(out.buffer, out.byteOffset + offset * 4, blob.byteLength).set(blob);
    return true;
  }

  read(imageId: number, view: ViewKey, dim: number): Float32Array | null {
    const out = new Float32Array(dim);
    return this.readInto(imageId, view, out, 0) ? out : null;
  }
}

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
