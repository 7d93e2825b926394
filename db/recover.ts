// Copies what can still be read from a damaged project into a new one. Each
// table is read in key order; where a damaged page stops the read, the copy
// skips ahead past it and goes on, so one bad page costs only its own rows.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { APPLICATION_ID, closeProjectDb, createProjectDb, ProjectFileError } from './open.js';
import type { ProjectRecovery, TableRecovery } from '../contract/types.js';

/** Parents before children; WITHOUT ROWID tables are walked by their first key column. */
const TABLES: { name: string; key: string }[] = [
  { name: 'meta', key: 'rowid' },
  { name: 'classes', key: 'rowid' },
  { name: 'class_folders', key: 'rowid' },
  { name: 'imports', key: 'rowid' },
  { name: 'images', key: 'rowid' },
  { name: 'image_pixels', key: 'rowid' },
  { name: 'image_originals', key: 'rowid' },
  { name: 'label_batches', key: 'rowid' },
  { name: 'label_changes', key: 'rowid' },
  { name: 'image_deletions', key: 'batch_id' },
  { name: 'embeddings', key: 'image_id' },
  { name: 'model_versions', key: 'rowid' },
];

/** Row keys are SQLite integers; the farthest skip tried before giving up on the rest of a table. */
const MAX_SKIP = 2 ** 52;

function columnsOf(db: Database.Database, table: string): string[] {
  return (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
}

function copyTable(from: Database.Database, to: Database.Database, table: string, key: string): TableRecovery {
  const result: TableRecovery = { table, copied: 0, gaps: 0 };
  let columns: string[];
  try {
    const source = new Set(columnsOf(from, table));
    columns = columnsOf(to, table).filter((c) => source.has(c));
  } catch {
    result.gaps++;
    return result;
  }
  if (columns.length === 0) return result;
  const list = columns.map((c) => `"${c}"`).join(', ');
  const keyIndex = key === 'rowid' ? columns.length : columns.indexOf(key);
  const select = `SELECT ${list}${key === 'rowid' ? ', rowid' : ''} FROM "${table}"`;
  const scan = from.prepare(`${select} WHERE ${key} >= ? ORDER BY ${key}`).raw();
  const probe = from.prepare(`${select} WHERE ${key} >= ? ORDER BY ${key} LIMIT 1`).raw();
  const insert = to.prepare(
    `INSERT OR IGNORE INTO "${table}" (${list}${key === 'rowid' ? ', rowid' : ''}) VALUES (${[...columns, ...(key === 'rowid' ? ['?'] : [])].map(() => '?').join(', ')})`,
  );
  let start = Number.MIN_SAFE_INTEGER;
  let last: number | null = null;
  for (;;) {
    // Committed even when a read fails, so the rows copied before the damage stay.
    to.exec('BEGIN');
    try {
      for (const row of scan.iterate(start) as Iterable<unknown[]>) {
        insert.run(...row);
        last = Number(row[keyIndex]);
      }
      return result;
    } catch (err) {
      if (!(err instanceof Error && err.name === 'SqliteError')) throw err;
    } finally {
      to.exec('COMMIT');
    }
    // A read failed after `last`: find the next key that reads, further each time.
    result.gaps++;
    const from0 = last === null ? Number.MIN_SAFE_INTEGER : last;
    let next: number | null = null;
    for (let step = 1; step <= MAX_SKIP; step *= 2) {
      try {
        const row = probe.get(from0 + step) as unknown[] | undefined;
        if (!row) return result;
        next = Number(row[keyIndex]);
        break;
      } catch {
        // Still inside the damage.
      }
    }
    if (next === null) return result;
    start = next;
    last = next - 1;
  }
}

/**
 * Drops the images whose pixels were lost and the rows whose parent was lost, so the copy passes every foreign-key check.
 * An image whose original was lost stays: it can still be trained on, and exported as its JPEG copy.
 */
function dropOrphans(db: Database.Database): void {
  db.exec(`
    DELETE FROM images WHERE deleted_batch IS NOT NULL AND deleted_batch NOT IN (SELECT id FROM label_batches);
    DELETE FROM images WHERE id NOT IN (SELECT image_id FROM image_pixels);
    DELETE FROM image_pixels WHERE image_id NOT IN (SELECT id FROM images);
    DELETE FROM image_originals WHERE image_id NOT IN (SELECT id FROM images);
    DELETE FROM embeddings WHERE image_id NOT IN (SELECT id FROM images);
    DELETE FROM label_changes WHERE image_id NOT IN (SELECT id FROM images) OR batch_id NOT IN (SELECT id FROM label_batches);
    DELETE FROM image_deletions WHERE image_id NOT IN (SELECT id FROM images) OR batch_id NOT IN (SELECT id FROM label_batches);
    UPDATE images SET class_id = NULL, label_source = NULL, label_batch = NULL WHERE class_id IS NOT NULL AND class_id NOT IN (SELECT id FROM classes);
    UPDATE images SET import_id = NULL WHERE import_id IS NOT NULL AND import_id NOT IN (SELECT id FROM imports);
  `);
}

/** An image id is never reused, even for the images that could not be saved. */
function keepIdSequence(from: Database.Database, to: Database.Database): void {
  try {
    const seq = from.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'images'").pluck().get() as number | undefined;
    if (seq !== undefined) to.prepare("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'images'").run(seq);
  } catch {
    // Lost with the damage; the copied ids still set the sequence.
  }
}

export function recoverProject(damagedFile: string, newFile: string): ProjectRecovery {
  const source = path.resolve(damagedFile);
  const dest = path.resolve(newFile);
  if (!fs.existsSync(source)) throw new ProjectFileError(`There is no project at ${source}.`);
  if (source === dest) throw new ProjectFileError('Recover into a new file, not over the damaged one.');
  let from: Database.Database;
  try {
    from = new Database(source, { readonly: true, fileMustExist: true });
    from.prepare('SELECT count(*) FROM sqlite_schema').get();
  } catch (err) {
    throw new ProjectFileError(`${source} cannot be read at all (${err instanceof Error ? err.message : String(err)}), so nothing can be recovered from it.`);
  }
  if ((from.pragma('application_id', { simple: true }) as number) >>> 0 !== APPLICATION_ID) {
    from.close();
    throw new ProjectFileError(`${source} is not a Pancake project, so there is nothing to recover from it.`);
  }
  try {
    const created = createProjectDb(dest);
    const to = created.db;
    try {
      to.pragma('foreign_keys = OFF');
      to.prepare('DELETE FROM meta').run();
      const tables = TABLES.map(({ name, key }) => copyTable(from, to, name, key));
      to.transaction(() => {
        dropOrphans(to);
        keepIdSequence(from, to);
        for (const t of tables) t.copied = to.prepare(`SELECT count(*) FROM "${t.table}"`).pluck().get() as number;
      })();
      to.pragma('foreign_keys = ON');
      return { path: dest, tables };
    } finally {
      closeProjectDb(created);
    }
  } finally {
    from.close();
  }
}
