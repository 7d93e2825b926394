// Typed queries for the machine-learning tables: cached embeddings and
// model versions. Vectors are stored as little-endian Float32 BLOBs.
import type { Database } from 'better-sqlite3';
import type { Split, ViewKey } from '../contract/types.js';
import type { ProjectStore } from './project-store.js';

type Db = Database | ProjectStore;
const dbOf = (d: Db): Database => ('db' in d ? d.db : d);

/** Meta key holding the id of the version used for predictions. */
export const ACTIVE_VERSION_KEY = 'active_model_version';

function vectorBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function blobVector(b: Buffer): Float32Array {
  // Copy: a Buffer's offset need not be 4-byte aligned.
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
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

export function labelledImages(d: Db): LabelledImage[] {
  return dbOf(d)
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

export function liveImageRows(d: Db): LiveImageRow[] {
  return dbOf(d)
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
export function missingEmbeddings(d: Db, backbone: string, wanted: readonly EmbeddingKey[]): EmbeddingKey[] {
  const have = new Set<string>();
  const rows = dbOf(d).prepare('SELECT image_id, view FROM embeddings WHERE backbone = ?').raw().iterate(backbone);
  for (const [imageId, view] of rows as Iterable<[number, ViewKey]>) have.add(`${imageId}:${view}`);
  return wanted.filter((k) => !have.has(`${k.imageId}:${k.view}`));
}

/** Stores vectors in one transaction; vectors of images deleted meanwhile are dropped. */
export function putEmbeddings(d: Db, backbone: string, rows: readonly StoredEmbedding[]): void {
  const db = dbOf(d);
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
export function getEmbeddings(d: Db, backbone: string, imageIds: readonly number[], views: readonly ViewKey[]): StoredEmbedding[] {
  if (imageIds.length === 0 || views.length === 0) return [];
  const rows = dbOf(d)
    .prepare(
      `SELECT image_id, view, vector FROM embeddings
       WHERE backbone = ? AND image_id IN (${imageIds.map(() => '?').join(',')}) AND view IN (${views.map(() => '?').join(',')})
       ORDER BY image_id, view`,
    )
    .raw()
    .all(backbone, ...imageIds, ...views) as [number, ViewKey, Buffer][];
  return rows.map(([imageId, view, blob]) => ({ imageId, view, vector: blobVector(blob) }));
}

export function countEmbeddings(d: Db, backbone: string): number {
  return (dbOf(d).prepare('SELECT COUNT(*) AS n FROM embeddings WHERE backbone = ?').get(backbone) as { n: number }).n;
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

export function insertModelVersion(d: Db, v: NewModelVersion): number {
  const res = dbOf(d)
    .prepare(
      `INSERT INTO model_versions (name, created_at, backbone, classes, settings, data_fingerprint, metrics, head, duration_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(v.name, Date.now(), v.backbone, JSON.stringify(v.classes), v.settingsJson, v.dataFingerprint, v.metricsJson, v.head, Math.round(v.durationMs));
  return Number(res.lastInsertRowid);
}

/** Newest first. */
export function listModelVersions(d: Db): ModelVersionRow[] {
  return (dbOf(d).prepare(`SELECT ${VERSION_COLUMNS} FROM model_versions ORDER BY id DESC`).all() as VersionDbRow[]).map(toVersion);
}

export function getModelVersion(d: Db, id: number): ModelVersionRow | null {
  const row = dbOf(d).prepare(`SELECT ${VERSION_COLUMNS} FROM model_versions WHERE id = ?`).get(id) as VersionDbRow | undefined;
  return row ? toVersion(row) : null;
}

export function getModelHead(d: Db, id: number): Buffer | null {
  const row = dbOf(d).prepare('SELECT head FROM model_versions WHERE id = ?').get(id) as { head: Buffer } | undefined;
  return row?.head ?? null;
}

export function updateModelVersion(d: Db, id: number, changes: { name?: string; note?: string }): boolean {
  const db = dbOf(d);
  return db.transaction(() => {
    let changed = 0;
    if (changes.name !== undefined) changed += db.prepare('UPDATE model_versions SET name = ? WHERE id = ?').run(changes.name, id).changes;
    if (changes.note !== undefined) changed += db.prepare('UPDATE model_versions SET note = ? WHERE id = ?').run(changes.note, id).changes;
    return changed > 0;
  })();
}

export function getActiveVersionId(d: Db): number | null {
  const row = dbOf(d).prepare('SELECT value FROM meta WHERE key = ?').get(ACTIVE_VERSION_KEY) as { value: string } | undefined;
  return row ? Number(row.value) : null;
}

export function setActiveVersionId(d: Db, id: number | null): void {
  const db = dbOf(d);
  if (id === null) db.prepare('DELETE FROM meta WHERE key = ?').run(ACTIVE_VERSION_KEY);
  else {
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(
      ACTIVE_VERSION_KEY,
      String(id),
    );
  }
}

/** Deletes a version; if it was the active one, no version is active afterwards. */
export function deleteModelVersion(d: Db, id: number): boolean {
  const db = dbOf(d);
  return db.transaction(() => {
    const deleted = db.prepare('DELETE FROM model_versions WHERE id = ?').run(id).changes > 0;
    if (deleted && getActiveVersionId(db) === id) setActiveVersionId(db, null);
    return deleted;
  })();
}
