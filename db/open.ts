// Opening a project file: refuse anything that is not a Pancake project, or
// one written by a newer Pancake, before a single byte of it is changed.
import { UserError } from '../contract/errors.js';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { LATEST_VERSION, migrations } from './migrations.js';

/** 'PNCK' as a big-endian int: marks the SQLite file as ours. */
export const APPLICATION_ID = 0x504e434b;

/** A project file's name ends with this; a path typed without an extension gets it. */
export const PROJECT_EXTENSION = '.pancake';

export class ProjectFileError extends UserError {
  constructor(message: string) {
    super('ProjectFileError', message);
  }
}

/** Above this size only the small tables are checked on open, so opening stays quick; the pixels and embeddings are left out. */
export const FULL_CHECK_MAX_BYTES = 512 * 1024 * 1024;
const LARGE_TABLES = new Set(['image_pixels', 'image_originals', 'embeddings']);

export interface OpenedProject {
  db: Database.Database;
  readOnly: boolean;
  /** Whether the check on open read every page, or only the small tables of a large file. */
  damageCheck: 'full' | 'partial';
  /** Side files SQLite made to read a WAL-mode file read-only, which were not there before. */
  madeSideFiles: string[];
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

function readHeader(file: string): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const header = Buffer.alloc(100);
    const n = fs.readSync(fd, header, 0, 100, 0);
    return header.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/** Checks an existing file without opening it for writing. */
function inspect(file: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new ProjectFileError(`There is no project at ${file}.`);
  }
  if (stat.isDirectory()) throw new ProjectFileError(`${file} is a folder, not a Pancake project file.`);
  if (stat.size === 0) {
    throw new ProjectFileError(`${file} is empty (its creation was interrupted before anything was saved); create the project again under that name.`);
  }
  const header = readHeader(file);
  if (header.length < 100 || !header.subarray(0, 16).equals(SQLITE_HEADER)) {
    throw new ProjectFileError(`${file} is not a Pancake project (it is not a SQLite database).`);
  }
  // Offsets 68 and 60 of the SQLite header hold application_id and user_version;
  // the same values are checked again once open, since a WAL may hold newer ones.
  check(file, header.readUInt32BE(68), header.readUInt32BE(60));
}

function check(file: string, appId: number, version: number): void {
  if (appId !== APPLICATION_ID) {
    throw new ProjectFileError(`${file} is a SQLite database, but not a Pancake project.`);
  }
  if (version > LATEST_VERSION) {
    throw new ProjectFileError(
      `${file} was saved by a newer version of Pancake (project format ${version}; this version reads up to ${LATEST_VERSION}). Update Pancake to open it.`,
    );
  }
}

function writable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function configure(db: Database.Database): void {
  try {
    db.pragma('journal_mode = WAL');
  } catch (err) {
    // A full disk has no room for the -wal; the project still opens to look at, in rollback mode,
    // and a change says the disk is full.
    if ((err as { code?: unknown }).code !== 'SQLITE_FULL') throw err;
  }
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}

/** SQLite's own page-level check; on a large file only the tables that are not pixels or embeddings. */
function findDamage(db: Database.Database, file: string, size: number): OpenedProject['damageCheck'] {
  const full = size <= FULL_CHECK_MAX_BYTES;
  let problems: string[];
  try {
    const tables = full
      ? [null]
      : (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[]).filter((t) => !LARGE_TABLES.has(t));
    problems = tables.flatMap(
      (t) => db.prepare(t === null ? 'PRAGMA quick_check(20)' : `PRAGMA quick_check(${JSON.stringify(t)})`).pluck().all() as string[],
    );
  } catch (err) {
    // Damage bad enough that the check itself cannot read the file.
    problems = [err instanceof Error ? err.message : String(err)];
  }
  // One row may hold several lines, headed by the name of the database they are about.
  problems = problems.flatMap((p) => p.split('\n')).filter((p) => p !== 'ok' && p.trim() !== '' && !p.startsWith('*** '));
  if (problems.length > 0) {
    const count = problems.length >= 20 ? 'at least 20 problems' : `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
    throw new ProjectFileError(
      `${file} is damaged (SQLite's check found ${count}, the first: ${problems[0]}); ` +
        `copy what can still be read into a new project with \`pancake recover ${file} <new-file>\`.`,
    );
  }
  return full ? 'full' : 'partial';
}

/**
 * Opens for writing when the file and its folder can be written, and read-only
 * otherwise (no -wal or -shm is made then: a closed project is in rollback mode).
 */
/** The hidden name a project is built under before it is published. */
const creatingName = (file: string) => path.join(path.dirname(file), `.${path.basename(file)}.creating`);

/**
 * A kill between publishing's link and its removal of the hidden name leaves
 * that name as a second link to the very project: dropping it changes nothing
 * in the project, and nothing else could be the same file.
 */
function removePublishLeftover(file: string): void {
  const temp = creatingName(file);
  try {
    const [a, b] = [fs.statSync(file), fs.statSync(temp)];
    if (a.dev === b.dev && a.ino === b.ino) fs.rmSync(temp);
  } catch {
    // No leftover (the usual case), or one that is not ours to touch.
  }
}

export function openProjectDb(file: string): OpenedProject {
  inspect(file);
  const readOnly = !writable(file) || !writable(path.dirname(file));
  if (!readOnly) removePublishLeftover(file);
  const madeSideFiles = readOnly ? ['-wal', '-shm'].map((suffix) => `${file}${suffix}`).filter((f) => !fs.existsSync(f)) : [];
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: true, readonly: readOnly });
  } catch (err) {
    throw new ProjectFileError(`${file} could not be opened: ${err instanceof Error ? err.message : String(err)}.`);
  }
  try {
    check(
      file,
      (db.pragma('application_id', { simple: true }) as number) >>> 0,
      db.pragma('user_version', { simple: true }) as number,
    );
    const damageCheck = findDamage(db, file, fs.statSync(file).size);
    if (readOnly) {
      if ((db.pragma('user_version', { simple: true }) as number) < LATEST_VERSION) {
        throw new ProjectFileError(`${file} was saved by an older Pancake and must be upgraded, which needs it and its folder to be writable.`);
      }
      db.pragma('foreign_keys = ON');
    } else {
      configure(db);
      migrate(db);
    }
    return { db, readOnly, damageCheck, madeSideFiles };
  } catch (err) {
    // Closed as found: a file that is refused is not changed.
    db.close();
    removeMadeSideFiles(madeSideFiles);
    if (readOnly && /^SQLITE_(CANTOPEN|READONLY)/.test(String((err as { code?: unknown }).code))) {
      throw new ProjectFileError(
        `${file} is read-only and was last closed in a way that needs a writable folder to read it; copy it to a folder you can write to and open it there.`,
      );
    }
    throw err;
  }
}

/**
 * Leaves the file whole on its own, in rollback mode, so it can later be
 * opened read-only without a -wal or -shm. Never throws: when the disk is
 * full, the file read-only or another process has it open, the -wal stays
 * beside it and SQLite replays it on the next open, so nothing saved is lost.
 */
export function closeProjectDb(opened: OpenedProject): void {
  const { db, readOnly, madeSideFiles } = opened;
  if (!db.open) return;
  if (!readOnly) {
    try {
      db.pragma('busy_timeout = 0');
      db.pragma('journal_mode = DELETE');
    } catch {
      // Kept in WAL mode; see above.
    }
  }
  db.close();
  removeMadeSideFiles(madeSideFiles);
}

/** An empty -wal holds nothing; what SQLite made only to read a file is not left behind. */
function removeMadeSideFiles(madeSideFiles: string[]): void {
  const wal = madeSideFiles.find((f) => f.endsWith('-wal'));
  if (wal && fs.existsSync(wal) && fs.statSync(wal).size === 0) {
    for (const f of madeSideFiles) fs.rmSync(f, { force: true });
  }
}

/** Removes a database file and whatever SQLite keeps beside it. */
function removeDatabase(file: string): void {
  for (const suffix of ['', '-journal', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
}

/** Puts the finished file at `file` without ever replacing a project that appeared there meanwhile. */
function publish(temp: string, file: string): void {
  try {
    fs.linkSync(temp, file);
    fs.rmSync(temp);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new ProjectFileError(`${file} already exists. Open it instead, or choose another name.`);
    // Some file systems (FAT, exFAT, some network shares) have no hard links.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    if (fs.existsSync(file) && fs.statSync(file).size > 0) {
      throw new ProjectFileError(`${file} already exists. Open it instead, or choose another name.`);
    }
    fs.renameSync(temp, file);
  }
}

/**
 * Builds the schema in a hidden file beside `file` and moves it into place
 * once complete, so an interrupted creation never leaves a half-made project
 * under the real name. An empty file (left by an interrupted creation in an
 * older Pancake) counts as not yet created.
 */
export function createProjectDb(file: string): OpenedProject {
  if (fs.existsSync(file) && !(fs.statSync(file).isFile() && fs.statSync(file).size === 0)) {
    throw new ProjectFileError(`${file} already exists. Open it instead, or choose another name.`);
  }
  if (!writable(path.dirname(file))) {
    throw new ProjectFileError(`Pancake cannot write to ${path.dirname(file)}, so the project cannot be created there.`);
  }
  const temp = creatingName(file);
  // Left only by a creation that was killed; nothing else uses this name.
  removeDatabase(temp);
  try {
    const db = new Database(temp);
    try {
      db.pragma(`application_id = ${APPLICATION_ID}`);
      migrate(db);
      db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('created_at', String(Date.now()));
    } finally {
      db.close();
    }
    if (fs.existsSync(file) && fs.statSync(file).size === 0) fs.rmSync(file);
    publish(temp, file);
  } catch (err) {
    removeDatabase(temp);
    throw err;
  }
  return openProjectDb(file);
}
