// The SQLite connection behind each open ProjectStore. Only db/'s typed query
// modules (and test helpers) may import this (eslint.config.js says so):
// everything else reaches the project's tables through them, so every
// statement Pancake runs can be found under db/.
import type { Database } from 'better-sqlite3';
// Keyed by the store object itself (typed as any object, so this module need
// not import project-store.ts, which imports it).
const connections = new WeakMap<object, Database>();

export function attachConnection(store: object, db: Database): void {
  connections.set(store, db);
}

export function connectionOf(store: object): Database {
  const db = connections.get(store);
  // A store is attached in its constructor, so this is a bug, never the user's doing.
  if (!db) throw new Error('This ProjectStore has no connection.');
  return db;
}
