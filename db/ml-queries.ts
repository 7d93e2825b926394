// Typed queries for the machine-learning tables: cached embeddings and
// model versions. Vectors are stored as little-endian Float32 BLOBs.
import type { Statement } from 'better-sqlite3';
import type { Split, ViewKey } from '../contract/types.js';
import { connectionOf } from './connection.js';
import type { ProjectStore } from './project-store.js';

/** Meta key holding the id of the version used for predictions. */
export const ACTIVE_VERSION_KEY = 'active_model_version';

function vectorBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Copies a stored vector into `out` at `offset` (in floats). Bytewise: a Buffer's offset need not be 4-byte aligned. */
function copyBlobInto(b: Buffer, out: Float32Array, offset: number): void {
  new Uint8Array(out.buffer, out.byteOffset + offset * 4, b.byteLength).set(b);
}

function blobVector(b: Buffer): Float32Array {
  const out = new Float32Array(b.byteLength / 4);
  copyBlobInto(b, out, 0);
  return out;
}

// ---- images as the trainer sees them --------------------------------------

export interface LabelledImage {
  id: number;
  sha256: string;
  classId: number;
  className: string;
  split: Split;
}

export function labelledImages(store: ProjectStore): LabelledImage[] {
  return connectionOf(store)
    .prepare(
      `SELECT i.id, i.sha256, i.class_id AS classId, c.name AS className, i.split
       FROM images i JOIN classes c ON c.id = i.class_id WHERE i.deleted_batch IS NULL ORDER BY i.id`,
    )
    .all() as LabelledImage[];
}

/** Every image in the project, as the live model needs it: one light query per run, whatever the project's size. */
export interface LiveImageRow {
  id: number;
  sha256: string;
  /** Null: unlabelled. */
  classId: number | null;
  split: Split;
}

export function liveImageRows(store: ProjectStore): LiveImageRow[] {
  return connectionOf(store)
    .prepare('SELECT id, sha256, class_id AS classId, split FROM images WHERE deleted_batch IS NULL ORDER BY id')
    .all() as LiveImageRow[];
}

// ---- embeddings -----------------------------------------------------------

export interface EmbeddingKey {
  imageId: number;
  view: ViewKey;
}

export interface StoredEmbedding extends EmbeddingKey {
  vector: Float32Array;
}

/** The (image, view) pairs of `wanted` that have no cached vector for this backbone. */
export function missingEmbeddings(store: ProjectStore, backbone: string, wanted: readonly EmbeddingKey[]): EmbeddingKey[] {
  const have = new Set<string>();
  const rows = connectionOf(store).prepare('SELECT image_id, view FROM embeddings WHERE backbone = ?').raw().iterate(backbone);
  for (const [imageId, view] of rows as Iterable<[number, ViewKey]>) have.add(`${imageId}:${view}`);
  return wanted.filter((k) => !have.has(`${k.imageId}:${k.view}`));
}

/** Stores vectors in one transaction; vectors of images deleted meanwhile are dropped. */
export function putEmbeddings(store: ProjectStore, backbone: string, rows: readonly StoredEmbedding[]): void {
  const db = connectionOf(store);
  const stmt = db.prepare(
    `INSERT INTO embeddings (image_id, backbone, view, vector)
     SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM images WHERE id = ?)
     ON CONFLICT (image_id, backbone, view) DO UPDATE SET vector = excluded.vector`,
  );
  db.transaction(() => {
    for (const r of rows) stmt.run(r.imageId, backbone, r.view, vectorBlob(r.vector), r.imageId);
  })();
}

/** Cached vectors of the given images under the given views. Callers chunk long id lists. */
export function getEmbeddings(store: ProjectStore, backbone: string, imageIds: readonly number[], views: readonly ViewKey[]): StoredEmbedding[] {
  if (imageIds.length === 0 || views.length === 0) return [];
  const rows = connectionOf(store)
    .prepare(
      `SELECT image_id, view, vector FROM embeddings
       WHERE backbone = ? AND image_id IN (${imageIds.map(() => '?').join(',')}) AND view IN (${views.map(() => '?').join(',')})
       ORDER BY image_id, view`,
    )
    .raw()
    .all(backbone, ...imageIds, ...views) as [number, ViewKey, Buffer][];
  return rows.map(([imageId, view, blob]) => ({ imageId, view, vector: blobVector(blob) }));
}

/**
 * Reads cached embeddings one (image, view) at a time. The embeddings table
 * is keyed by image first, so a point lookup touches one row, whereas a
 * scan by backbone and view would page through every augmented view's
 * vector too (six per training image).
 */
export class VectorReader {
  private readonly stmt: Statement;

  constructor(
    store: ProjectStore,
    private readonly backbone: string,
  ) {
    this.stmt = connectionOf(store).prepare('SELECT vector FROM embeddings WHERE image_id = ? AND backbone = ? AND view = ?').pluck();
  }

  /** Copies the vector into `out` at `offset`; false when it is not cached. */
  readInto(imageId: number, view: ViewKey, out: Float32Array, offset: number): boolean {
    const blob = this.stmt.get(imageId, this.backbone, view) as Buffer | undefined;
    if (!blob) return false;
    copyBlobInto(blob, out, offset);
    return true;
  }

  read(imageId: number, view: ViewKey, dim: number): Float32Array | null {
    const out = new Float32Array(dim);
    return this.readInto(imageId, view, out, 0) ? out : null;
  }
}

export function countEmbeddings(store: ProjectStore, backbone: string): number {
  return (connectionOf(store).prepare('SELECT COUNT(*) AS n FROM embeddings WHERE backbone = ?').get(backbone) as { n: number }).n;
}

// ---- model versions -------------------------------------------------------

export interface NewModelVersion {
  name: string;
  backbone: string;
  classes: string[];
  settingsJson: string;
  dataFingerprint: string;
  metricsJson: string;
  head: Uint8Array;
  durationMs: number;
}

export interface ModelVersionRow {
  id: number;
  name: string;
  note: string;
  createdAt: number;
  backbone: string;
  classes: string[];
  settingsJson: string;
  dataFingerprint: string;
  metricsJson: string;
  durationMs: number;
}

interface VersionDbRow {
  id: number;
  name: string;
  note: string;
  created_at: number;
  backbone: string;
  classes: string;
  settings: string;
  data_fingerprint: string;
  metrics: string;
  duration_ms: number;
}

const VERSION_COLUMNS = 'id, name, note, created_at, backbone, classes, settings, data_fingerprint, metrics, duration_ms';

function toVersion(r: VersionDbRow): ModelVersionRow {
  return {
    id: r.id,
    name: r.name,
    note: r.note,
    createdAt: r.created_at,
    backbone: r.backbone,
    classes: JSON.parse(r.classes) as string[],
    settingsJson: r.settings,
    dataFingerprint: r.data_fingerprint,
    metricsJson: r.metrics,
    durationMs: r.duration_ms,
  };
}

export function insertModelVersion(store: ProjectStore, v: NewModelVersion): number {
  const res = connectionOf(store)
    .prepare(
      `INSERT INTO model_versions (name, created_at, backbone, classes, settings, data_fingerprint, metrics, head, duration_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(v.name, Date.now(), v.backbone, JSON.stringify(v.classes), v.settingsJson, v.dataFingerprint, v.metricsJson, v.head, Math.round(v.durationMs));
  return Number(res.lastInsertRowid);
}

/** Newest first. */
export function listModelVersions(store: ProjectStore): ModelVersionRow[] {
  return (connectionOf(store).prepare(`SELECT ${VERSION_COLUMNS} FROM model_versions ORDER BY id DESC`).all() as VersionDbRow[]).map(toVersion);
}

export function getModelVersion(store: ProjectStore, id: number): ModelVersionRow | null {
  const row = connectionOf(store).prepare(`SELECT ${VERSION_COLUMNS} FROM model_versions WHERE id = ?`).get(id) as VersionDbRow | undefined;
  return row ? toVersion(row) : null;
}

export function getModelHead(store: ProjectStore, id: number): Buffer | null {
  const row = connectionOf(store).prepare('SELECT head FROM model_versions WHERE id = ?').get(id) as { head: Buffer } | undefined;
  return row?.head ?? null;
}

export function updateModelVersion(store: ProjectStore, id: number, changes: { name?: string; note?: string }): boolean {
  const db = connectionOf(store);
  return db.transaction(() => {
    let changed = 0;
    if (changes.name !== undefined) changed += db.prepare('UPDATE model_versions SET name = ? WHERE id = ?').run(changes.name, id).changes;
    if (changes.note !== undefined) changed += db.prepare('UPDATE model_versions SET note = ? WHERE id = ?').run(changes.note, id).changes;
    return changed > 0;
  })();
}

export function getActiveVersionId(store: ProjectStore): number | null {
  const row = connectionOf(store).prepare('SELECT value FROM meta WHERE key = ?').get(ACTIVE_VERSION_KEY) as { value: string } | undefined;
  return row ? Number(row.value) : null;
}

export function setActiveVersionId(store: ProjectStore, id: number | null): void {
  const db = connectionOf(store);
  if (id === null) db.prepare('DELETE FROM meta WHERE key = ?').run(ACTIVE_VERSION_KEY);
  else {
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(
      ACTIVE_VERSION_KEY,
      String(id),
    );
  }
}

/** Deletes a version; if it was the active one, no version is active afterwards. */
export function deleteModelVersion(store: ProjectStore, id: number): boolean {
  const db = connectionOf(store);
  return db.transaction(() => {
    const deleted = db.prepare('DELETE FROM model_versions WHERE id = ?').run(id).changes > 0;
    if (deleted && getActiveVersionId(store) === id) setActiveVersionId(store, null);
    return deleted;
  })();
}
