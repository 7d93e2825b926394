// Opening a project file: refuse anything that is not a Pancake project, or
// one written by a newer Pancake, before a single byte of it is changed.
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { LATEST_VERSION, migrations } from './migrations.js';

/** 'PNCK' as a big-endian int: marks the SQLite file as ours. */
export const APPLICATION_ID = 0x504e434b;

export class ProjectFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProjectFileError';
  }
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

function configure(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
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

export function openProjectDb(file: string): Database.Database {
  inspect(file);
  const db = new Database(file, { fileMustExist: true });
  try {
    check(
      file,
      (db.pragma('application_id', { simple: true }) as number) >>> 0,
      db.pragma('user_version', { simple: true }) as number,
    );
    configure(db);
    migrate(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

export function createProjectDb(file: string): Database.Database {
  if (fs.existsSync(file)) {
    throw new ProjectFileError(`${file} already exists. Open it instead, or choose another name.`);
  }
  const db = new Database(file);
  try {
    db.pragma(`application_id = ${APPLICATION_ID}`);
    configure(db);
    migrate(db);
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('created_at', String(Date.now()));
    return db;
  } catch (err) {
    db.close();
    fs.rmSync(file, { force: true });
    throw err;
  }
}
