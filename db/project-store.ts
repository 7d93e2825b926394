// Typed queries over one project file. Every change that touches more than
// one row runs in a single transaction.
import { UserError } from '../contract/errors.js';
import path from 'node:path';
import type { Database, Statement } from 'better-sqlite3';
import { attachConnection } from './connection.js';
import { closeProjectDb, createProjectDb, openProjectDb, type OpenedProject } from './open.js';
import { LATEST_VERSION } from './migrations.js';
import {
  SPLITS,
  type ClassInfo,
  type ImageRow,
  type ImportReport,
  type LabelSource,
  type ProjectInfo,
  type Split,
  type SplitCounts,
} from '../contract/types.js';

export class StoreError extends UserError {
  constructor(message: string) {
    super('StoreError', message);
  }
}

/**
 * Readable on light and dark backgrounds, and at least 20 CIELAB units
 * apart from each other (test/unit/db/class-order.test.ts checks), so 21
 * classes never share a colour. The first ten are the colours of projects
 * made before the palette grew.
 */
export const CLASS_COLORS = [
  '#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4',
  '#42d4f4', '#f032e6', '#9a6324', '#469990', '#808000',
  '#000075', '#800000', '#ff6f91', '#d4a017', '#7fb800',
  '#1e5631', '#2f4f6f', '#8e7cc3', '#6b2d5c', '#5c5c5c',
  '#e8a87c',
];

/** The first palette colour no class uses; once all are taken, they repeat in turn. */
export function nextClassColor(used: readonly string[]): string {
  const taken = new Set(used.map((c) => c.toLowerCase()));
  return CLASS_COLORS.find((c) => !taken.has(c)) ?? CLASS_COLORS[used.length % CLASS_COLORS.length]!;
}

/** The one order of classes an import gives: natural, so class2 comes before class10, and case-blind. */
export const classNameOrder = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' }).compare;

export interface NewImage {
  sha256: string;
  fileName: string;
  sourcePath: string;
  width: number;
  height: number;
  format: string;
  byteSize: number;
  split: Split;
  classId: number | null;
  importId: number | null;
  normalized: Uint8Array;
  normalizedWidth: number;
  normalizedHeight: number;
  thumbnail: Uint8Array;
  /** The file's bytes as given, kept so an export can hand them back. */
  original: Uint8Array;
}

export interface LabelChange {
  imageId: number;
  classId: number | null;
  source: LabelSource | null;
}

interface ImageDbRow {
  id: number;
  file_name: string;
  source_path: string;
  width: number;
  height: number;
  format: string;
  split: Split;
  class_id: number | null;
  label_source: LabelSource | null;
}

function toImageRow(r: ImageDbRow): ImageRow {
  return {
    id: r.id,
    fileName: r.file_name,
    sourcePath: r.source_path,
    width: r.width,
    height: r.height,
    format: r.format,
    split: r.split,
    classId: r.class_id,
    labelSource: r.label_source,
  };
}

/** The undo history reaches back at most this many steps. */
export const UNDO_HISTORY_LIMIT = 500;

/** The kind of undo step that deleted images. */
const DELETE_KIND = 'delete';

interface BatchRef {
  id: number;
  kind: string;
  description: string;
}

/** One undo or redo: what it was and which images it touched. */
export interface UndoStep {
  changed: number;
  description: string | null;
  kind: 'labels' | 'delete' | null;
  imageIds: number[];
}

const emptySplits = (): SplitCounts => ({ train: 0, validation: 0, test: 0, none: 0 });

/** SQLite caps bound parameters; chunk long id lists. */
const CHUNK = 500;
function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

export class ProjectStore {
  private readonly stmts = new Map<string, Statement>();

  private readonly db: Database;
  /** The file or its folder cannot be written: the project can be looked at, not changed. */
  readonly readOnly: boolean;
  readonly damageCheck: OpenedProject['damageCheck'];

  private constructor(
    private readonly opened: OpenedProject,
    readonly file: string,
  ) {
    this.db = opened.db;
    attachConnection(this, opened.db);
    this.readOnly = opened.readOnly;
    this.damageCheck = opened.damageCheck;
  }

  static open(file: string): ProjectStore {
    const abs = path.resolve(file);
    return new ProjectStore(openProjectDb(abs), abs);
  }

  static create(file: string): ProjectStore {
    const abs = path.resolve(file);
    return new ProjectStore(createProjectDb(abs), abs);
  }

  /** Never throws; see closeProjectDb. */
  close(): void {
    closeProjectDb(this.opened);
  }

  private stmt(sql: string): Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // ---- meta -------------------------------------------------------------

  getMeta(key: string): string | null {
    const row = this.stmt('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value ?? null;
  }

  setMeta(key: string, value: string | null): void {
    if (value === null) this.stmt('DELETE FROM meta WHERE key = ?').run(key);
    else this.stmt('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  // ---- overview ---------------------------------------------------------

  info(): ProjectInfo {
    const classes = this.classes();
    const unlabelledSplits = emptySplits();
    const rows = this.stmt(
      'SELECT split, COUNT(*) AS n FROM images WHERE class_id IS NULL AND deleted_batch IS NULL GROUP BY split',
    ).all() as { split: Split; n: number }[];
    for (const r of rows) unlabelledSplits[r.split] = r.n;
    const total = this.imageCount();
    const undo = this.undoCandidate();
    const redo = this.redoCandidate();
    return {
      path: this.file,
      name: path.basename(this.file).replace(/\.pancake$/i, ''),
      schemaVersion: LATEST_VERSION,
      readOnly: this.readOnly,
      damageCheck: this.damageCheck,
      images: total,
      originalsBytes: this.originalsBytes(),
      unlabelled: Object.values(unlabelledSplits).reduce((a, b) => a + b, 0),
      classes,
      unlabelledSplits,
      canUndo: undo !== null,
      canRedo: redo !== null,
      undoDescription: undo?.description ?? null,
      redoDescription: redo?.description ?? null,
    };
  }

  // ---- classes ----------------------------------------------------------

  classes(): ClassInfo[] {
    const classes = this.stmt('SELECT id, name, color, position FROM classes ORDER BY position, id').all() as Omit<
      ClassInfo,
      'count' | 'splits'
    >[];
    const counts = this.stmt(
      'SELECT class_id, split, COUNT(*) AS n FROM images WHERE class_id IS NOT NULL AND deleted_batch IS NULL GROUP BY class_id, split',
    ).all() as { class_id: number; split: Split; n: number }[];
    const byId = new Map<number, ClassInfo>();
    const out = classes.map((c) => {
      const info: ClassInfo = { ...c, count: 0, splits: emptySplits() };
      byId.set(c.id, info);
      return info;
    });
    for (const r of counts) {
      const c = byId.get(r.class_id);
      if (!c) continue;
      c.splits[r.split] = r.n;
      c.count += r.n;
    }
    return out;
  }

  classByName(name: string): { id: number; name: string } | null {
    return (this.stmt('SELECT id, name FROM classes WHERE name = ? COLLATE NOCASE').get(name.trim()) as
      | { id: number; name: string }
      | undefined) ?? null;
  }

  private requireClass(id: number): { id: number; name: string } {
    const row = this.stmt('SELECT id, name FROM classes WHERE id = ?').get(id) as { id: number; name: string } | undefined;
    if (!row) throw new StoreError(`There is no class with id ${id}.`);
    return row;
  }

  private cleanName(name: string, exceptId?: number): string {
    const clean = name.trim().replace(/\s+/g, ' ');
    if (!clean) throw new StoreError('A class needs a name.');
    if (clean.length > 100) throw new StoreError('Class names are limited to 100 characters.');
    const other = this.classByName(clean);
    if (other && other.id !== exceptId) throw new StoreError(`There is already a class called "${other.name}".`);
    return clean;
  }

  createClass(name: string, color?: string): number {
    return this.transaction(() => {
      const clean = this.cleanName(name);
      const { maxPos } = this.stmt('SELECT COALESCE(MAX(position), -1) AS maxPos FROM classes').get() as { maxPos: number };
      const used = (this.stmt('SELECT color FROM classes').all() as { color: string }[]).map((r) => r.color);
      const res = this.stmt('INSERT INTO classes (name, color, position, created_at) VALUES (?, ?, ?, ?)').run(
        clean,
        color ?? nextClassColor(used),
        maxPos + 1,
        Date.now(),
      );
      return Number(res.lastInsertRowid);
    });
  }

  /**
   * The class a folder of this name stands for: the class an earlier import
   * took this folder name into (so a renamed class keeps its folder), else
   * the class of that name, else a new one. The folder name is remembered
   * for the class either way.
   */
  classForFolder(folder: string): { id: number; name: string; created: boolean } {
    return this.transaction(() => {
      const key = folder.trim();
      const named = this.classByName(key);
      const remembered = named
        ? null
        : (this.stmt(
            'SELECT c.id, c.name FROM class_folders f JOIN classes c ON c.id = f.class_id WHERE f.folder = ? COLLATE NOCASE',
          ).get(key) as { id: number; name: string } | undefined) ?? null;
      const found = named ?? remembered;
      let cls: { id: number; name: string; created: boolean };
      if (found) cls = { ...found, created: false };
      else {
        const id = this.createClass(key);
        cls = { id, name: this.requireClass(id).name, created: true };
      }
      this.stmt(
        'INSERT INTO class_folders (folder, class_id) VALUES (?, ?) ON CONFLICT(folder) DO UPDATE SET class_id = excluded.class_id',
      ).run(key, cls.id);
      return cls;
    });
  }

  /** Folder names an import took into this class, in the order first seen. */
  classFolders(id: number): string[] {
    return (this.stmt('SELECT folder FROM class_folders WHERE class_id = ? ORDER BY rowid').all(id) as { folder: string }[]).map(
      (r) => r.folder,
    );
  }

  /** Puts the given classes, in this order, after every other class, whose order stays as it was. */
  moveClassesToEnd(ids: readonly number[]): void {
    this.transaction(() => {
      const moving = new Set(ids);
      const rest = this.classes().map((c) => c.id).filter((id) => !moving.has(id));
      this.reorderClasses([...rest, ...ids]);
    });
  }

  updateClass(id: number, changes: { name?: string; color?: string }): void {
    this.transaction(() => {
      this.requireClass(id);
      if (changes.name !== undefined) {
        this.stmt('UPDATE classes SET name = ? WHERE id = ?').run(this.cleanName(changes.name, id), id);
      }
      if (changes.color !== undefined) {
        if (!/^#[0-9a-fA-F]{6}$/.test(changes.color)) throw new StoreError('A colour must look like #12abef.');
        this.stmt('UPDATE classes SET color = ? WHERE id = ?').run(changes.color, id);
      }
    });
  }

  /** Deletes a class; its images go back to Unlabelled. */
  deleteClass(id: number): number {
    return this.transaction(() => {
      this.requireClass(id);
      const res = this.stmt(
        'UPDATE images SET class_id = NULL, label_source = NULL, label_batch = NULL, labelled_at = NULL WHERE class_id = ?',
      ).run(id);
      this.forgetHistoryOf(id);
      this.stmt('DELETE FROM classes WHERE id = ?').run(id);
      return res.changes;
    });
  }

  /** Moves every image of `from` into `into` and removes `from`. */
  mergeClasses(from: number, into: number): number {
    if (from === into) throw new StoreError('Choose two different classes to merge.');
    return this.transaction(() => {
      this.requireClass(from);
      this.requireClass(into);
      const res = this.stmt('UPDATE images SET class_id = ? WHERE class_id = ?').run(into, from);
      // The folders that fed `from` now feed the class it went into.
      this.stmt('UPDATE class_folders SET class_id = ? WHERE class_id = ?').run(into, from);
      this.forgetHistoryOf(from);
      this.stmt('DELETE FROM classes WHERE id = ?').run(from);
      return res.changes;
    });
  }

  reorderClasses(ids: number[]): void {
    this.transaction(() => {
      const known = new Set(this.classes().map((c) => c.id));
      if (ids.length !== known.size || !ids.every((id) => known.has(id))) {
        throw new StoreError('The new order must list every class exactly once.');
      }
      ids.forEach((id, i) => this.stmt('UPDATE classes SET position = ? WHERE id = ?').run(i, id));
    });
  }

  /** Undo steps that mention a vanished class can no longer be replayed faithfully. */
  private forgetHistoryOf(classId: number): void {
    this.stmt(
      `DELETE FROM label_batches WHERE id IN (
         SELECT batch_id FROM label_changes WHERE before_class = ? OR after_class = ?)`,
    ).run(classId, classId);
  }

  // ---- images -----------------------------------------------------------

  listImages(): ImageRow[] {
    const rows = this.stmt(
      'SELECT id, file_name, source_path, width, height, format, split, class_id, label_source FROM images WHERE deleted_batch IS NULL ORDER BY id',
    ).all() as ImageDbRow[];
    return rows.map(toImageRow);
  }

  /** The rows of those of `ids` that are in the project (not deleted), in id order. */
  imageRows(ids: readonly number[]): ImageRow[] {
    const out: ImageRow[] = [];
    for (const part of chunks([...new Set(ids)])) {
      const rows = this.stmt(
        `SELECT id, file_name, source_path, width, height, format, split, class_id, label_source FROM images
         WHERE deleted_batch IS NULL AND id IN (${part.map(() => '?').join(',')})`,
      ).all(...part) as ImageDbRow[];
      out.push(...rows.map(toImageRow));
    }
    return out.sort((a, b) => a.id - b.id);
  }

  imageCount(): number {
    return (this.stmt('SELECT COUNT(*) AS n FROM images WHERE deleted_batch IS NULL').get() as { n: number }).n;
  }

  findBySha(sha256: string): { id: number; fileName: string; classId: number | null } | null {
    const row = this.stmt('SELECT id, file_name, class_id FROM images WHERE sha256 = ? AND deleted_batch IS NULL').get(sha256) as
      | { id: number; file_name: string; class_id: number | null }
      | undefined;
    return row ? { id: row.id, fileName: row.file_name, classId: row.class_id } : null;
  }

  /** Inserts a batch of decoded images in one transaction; returns their ids. */
  insertImages(images: NewImage[]): number[] {
    return this.transaction(() => {
      const now = Date.now();
      return images.map((img) => {
        // Importing a deleted file again brings it in afresh; its deleted copy goes for good.
        this.stmt('DELETE FROM images WHERE sha256 = ? AND deleted_batch IS NOT NULL').run(img.sha256);
        const res = this.stmt(
          `INSERT INTO images (sha256, file_name, source_path, width, height, format, byte_size, split,
             class_id, label_source, labelled_at, imported_at, import_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          img.sha256,
          img.fileName,
          img.sourcePath,
          img.width,
          img.height,
          img.format,
          img.byteSize,
          img.split,
          img.classId,
          img.classId === null ? null : 'folder',
          img.classId === null ? null : now,
          now,
          img.importId,
        );
        const id = Number(res.lastInsertRowid);
        this.stmt(
          'INSERT INTO image_pixels (image_id, normalized, normalized_width, normalized_height, thumbnail) VALUES (?, ?, ?, ?, ?)',
        ).run(id, img.normalized, img.normalizedWidth, img.normalizedHeight, img.thumbnail);
        this.stmt('INSERT INTO image_originals (image_id, bytes) VALUES (?, ?)').run(id, img.original);
        return id;
      });
    });
  }

  /** Labels still-unlabelled images from their folder, outside the undo history like any import. */
  assignFolderClass(ids: number[], classId: number): number {
    return this.transaction(() => {
      let n = 0;
      const now = Date.now();
      for (const part of chunks(ids)) {
        n += this.stmt(
          `UPDATE images SET class_id = ?, label_source = 'folder', labelled_at = ?
           WHERE class_id IS NULL AND deleted_batch IS NULL AND id IN (${part.map(() => '?').join(',')})`,
        ).run(classId, now, ...part).changes;
      }
      return n;
    });
  }

  /**
   * Deletes images as one undoable step: the rows stay, out of every list,
   * count and export, until the undo history lets the step go.
   */
  deleteImages(ids: number[]): { deleted: number; batchId: number | null } {
    return this.transaction(() => {
      const live = this.imageRows(ids).map((r) => r.id);
      if (live.length === 0) return { deleted: 0, batchId: null };
      const batchId = this.newBatch(DELETE_KIND, `delete ${live.length} ${live.length === 1 ? 'image' : 'images'}`);
      const record = this.stmt('INSERT INTO image_deletions (batch_id, image_id) VALUES (?, ?)');
      for (const id of live) record.run(batchId, id);
      this.stmt('UPDATE images SET deleted_batch = ? WHERE id IN (SELECT image_id FROM image_deletions WHERE batch_id = ?)').run(
        batchId,
        batchId,
      );
      return { deleted: live.length, batchId };
    });
  }

  /**
   * Starts a step of the undo history; a new step makes the redo stack
   * meaningless. The oldest steps beyond the limit are let go, and with a
   * delete step the images it deleted.
   */
  private newBatch(kind: string, description: string): number {
    this.stmt('DELETE FROM label_batches WHERE undone = 1').run();
    const id = Number(
      this.stmt('INSERT INTO label_batches (kind, description, created_at) VALUES (?, ?, ?)').run(kind, description, Date.now())
        .lastInsertRowid,
    );
    this.stmt('DELETE FROM label_batches WHERE id <= ?').run(id - UNDO_HISTORY_LIMIT);
    return id;
  }

  setSplit(ids: number[], split: Split): number {
    if (!SPLITS.includes(split)) throw new StoreError(`Unknown split ${split}.`);
    return this.transaction(() => {
      let n = 0;
      for (const part of chunks(ids)) {
        n += this.stmt(
          `UPDATE images SET split = ? WHERE split <> ? AND deleted_batch IS NULL AND id IN (${part.map(() => '?').join(',')})`,
        ).run(
          split,
          split,
          ...part,
        ).changes;
      }
      return n;
    });
  }

  /** An empty stored thumbnail means the normalized copy is small enough to be its own (main/import/decode.ts). */
  thumbnail(id: number): Buffer | null {
    const row = this.stmt('SELECT CASE WHEN length(thumbnail) = 0 THEN normalized ELSE thumbnail END AS thumbnail FROM image_pixels WHERE image_id = ?').get(id) as
      | { thumbnail: Buffer }
      | undefined;
    return row?.thumbnail ?? null;
  }

  /**
   * The bytes the image was imported from, or null for an image imported
   * before Pancake kept them. better-sqlite3 reads a blob whole, so this holds
   * one file in memory, never more than the import's file-size cap.
   */
  original(id: number): Buffer | null {
    const row = this.stmt('SELECT bytes FROM image_originals WHERE image_id = ?').get(id) as { bytes: Buffer } | undefined;
    return row?.bytes ?? null;
  }

  /** What keeping the originals costs: the bytes they hold in the project file. */
  originalsBytes(): number {
    // byte_size is the original's length; summing it spares reading every blob's pages.
    return (
      this.stmt(
        'SELECT COALESCE(SUM(i.byte_size), 0) AS n FROM images i WHERE EXISTS (SELECT 1 FROM image_originals o WHERE o.image_id = i.id)',
      ).get() as { n: number }
    ).n;
  }

  normalized(id: number): { bytes: Buffer; width: number; height: number } | null {
    const row = this.stmt(
      'SELECT normalized, normalized_width, normalized_height FROM image_pixels WHERE image_id = ?',
    ).get(id) as { normalized: Buffer; normalized_width: number; normalized_height: number } | undefined;
    return row ? { bytes: row.normalized, width: row.normalized_width, height: row.normalized_height } : null;
  }

  // ---- labels and their undo history ------------------------------------

  /**
   * Applies label changes as one undoable step. Changes that leave an image
   * as it was are dropped, so a no-op never lands on the undo stack.
   */
  applyLabels(kind: string, description: string, changes: LabelChange[]): { changed: number; batchId: number | null } {
    return this.transaction(() => {
      const get = this.stmt('SELECT class_id, label_source FROM images WHERE id = ? AND deleted_batch IS NULL');
      const effective: (LabelChange & { beforeClass: number | null; beforeSource: LabelSource | null })[] = [];
      const classIds = new Set(this.classes().map((c) => c.id));
      for (const c of changes) {
        if (c.classId !== null && !classIds.has(c.classId)) throw new StoreError(`There is no class with id ${c.classId}.`);
        const row = get.get(c.imageId) as { class_id: number | null; label_source: LabelSource | null } | undefined;
        if (!row) continue;
        const source = c.classId === null ? null : c.source;
        if (row.class_id === c.classId && row.label_source === source) continue;
        effective.push({ ...c, source, beforeClass: row.class_id, beforeSource: row.label_source });
      }
      if (effective.length === 0) return { changed: 0, batchId: null };
      const batchId = this.newBatch(kind, description);
      const now = Date.now();
      for (const c of effective) {
        this.stmt(
          'INSERT INTO label_changes (batch_id, image_id, before_class, before_source, after_class, after_source) VALUES (?, ?, ?, ?, ?, ?)',
        ).run(batchId, c.imageId, c.beforeClass, c.beforeSource, c.classId, c.source);
        this.stmt('UPDATE images SET class_id = ?, label_source = ?, label_batch = ?, labelled_at = ? WHERE id = ?').run(
          c.classId,
          c.source,
          c.classId === null ? null : batchId,
          c.classId === null ? null : now,
          c.imageId,
        );
      }
      return { changed: effective.length, batchId };
    });
  }

  private undoCandidate(): BatchRef | null {
    return (this.stmt('SELECT id, kind, description FROM label_batches WHERE undone = 0 ORDER BY id DESC LIMIT 1').get() as
      | BatchRef
      | undefined) ?? null;
  }

  private redoCandidate(): BatchRef | null {
    return (this.stmt('SELECT id, kind, description FROM label_batches WHERE undone = 1 ORDER BY id ASC LIMIT 1').get() as
      | BatchRef
      | undefined) ?? null;
  }

  /** Takes the images of a delete step out of the project again (redo) or brings them back (undo). */
  private replayDelete(batchId: number, direction: 'undo' | 'redo'): number[] {
    const ids = this.stmt('SELECT image_id FROM image_deletions WHERE batch_id = ? ORDER BY image_id').pluck().all(batchId) as number[];
    this.stmt('UPDATE images SET deleted_batch = ? WHERE id IN (SELECT image_id FROM image_deletions WHERE batch_id = ?)').run(
      direction === 'undo' ? null : batchId,
      batchId,
    );
    this.stmt('UPDATE label_batches SET undone = ? WHERE id = ?').run(direction === 'undo' ? 1 : 0, batchId);
    return ids;
  }

  private replay(batchId: number, direction: 'undo' | 'redo'): number[] {
    const rows = this.stmt(
      'SELECT image_id, before_class, before_source, after_class, after_source FROM label_changes WHERE batch_id = ?',
    ).all(batchId) as {
      image_id: number;
      before_class: number | null;
      before_source: LabelSource | null;
      after_class: number | null;
      after_source: LabelSource | null;
    }[];
    const now = Date.now();
    for (const r of rows) {
      const cls = direction === 'undo' ? r.before_class : r.after_class;
      const src = direction === 'undo' ? r.before_source : r.after_source;
      this.stmt('UPDATE images SET class_id = ?, label_source = ?, labelled_at = ? WHERE id = ?').run(
        cls,
        src,
        cls === null ? null : now,
        r.image_id,
      );
    }
    this.stmt('UPDATE label_batches SET undone = ? WHERE id = ?').run(direction === 'undo' ? 1 : 0, batchId);
    return rows.map((r) => r.image_id);
  }

  undo(): UndoStep {
    return this.step(this.undoCandidate(), 'undo');
  }

  redo(): UndoStep {
    return this.step(this.redoCandidate(), 'redo');
  }

  private step(b: BatchRef | null, direction: 'undo' | 'redo'): UndoStep {
    return this.transaction(() => {
      if (!b) return { changed: 0, description: null, kind: null, imageIds: [] };
      const kind = b.kind === DELETE_KIND ? 'delete' : 'labels';
      const imageIds = kind === 'delete' ? this.replayDelete(b.id, direction) : this.replay(b.id, direction);
      return { changed: imageIds.length, description: b.description, kind, imageIds };
    });
  }

  // ---- imports ----------------------------------------------------------

  beginImport(): number {
    return Number(this.stmt('INSERT INTO imports (started_at) VALUES (?)').run(Date.now()).lastInsertRowid);
  }

  finishImport(id: number, report: ImportReport): void {
    this.stmt('UPDATE imports SET finished_at = ?, report = ? WHERE id = ?').run(Date.now(), JSON.stringify(report), id);
  }

  importReports(limit = 20): ImportReport[] {
    const rows = this.stmt(
      'SELECT report FROM imports WHERE report IS NOT NULL ORDER BY id DESC LIMIT ?',
    ).all(limit) as { report: string }[];
    return rows.map((r) => JSON.parse(r.report) as ImportReport);
  }
}
