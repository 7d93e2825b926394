// Numbered schema migrations, one file each under db/migrations/ (the
// number, then what it does; exporting migrateNNNN(db)). Each runs once, in
// order, inside one transaction together with the bump of PRAGMA
// user_version, so a project file is always at exactly one known version.
// A new migration is a new file and a line here, never an edit of an old one:
// files of every earlier version must keep migrating the same way
// (test/unit/db/migrations.test.ts opens a populated file of each).
import type { Database } from 'better-sqlite3';
import { migrate0001 } from './migrations/0001-initial.js';
import { migrate0002 } from './migrations/0002-class-folders.js';
import { migrate0003 } from './migrations/0003-undoable-deletes.js';
import { migrate0004 } from './migrations/0004-image-originals.js';
import { migrate0005 } from './migrations/0005-view-keys.js';
import { migrate0006 } from './migrations/0006-hidden-units.js';

export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}

export const migrations: Migration[] = [
  { version: 1, name: 'initial', up: migrate0001 },
  { version: 2, name: 'class folders', up: migrate0002 },
  { version: 3, name: 'undoable deletes', up: migrate0003 },
  { version: 4, name: 'image originals', up: migrate0004 },
  { version: 5, name: 'view keys', up: migrate0005 },
  { version: 6, name: 'hidden units', up: migrate0006 },
];

export const LATEST_VERSION = migrations.reduce((max, m) => Math.max(max, m.version), 0);
