// The few read-only image queries the insights need beyond ProjectStore's.
import type { ProjectStore } from '../../db/project-store.js';

export function allImageIds(store: ProjectStore): number[] {
  return store.db.prepare('SELECT id FROM images ORDER BY id').pluck().all() as number[];
}

export function unlabelledImageIds(store: ProjectStore): number[] {
  return store.db.prepare('SELECT id FROM images WHERE class_id IS NULL ORDER BY id').pluck().all() as number[];
}

/**
 * Image ids come from AUTOINCREMENT, whose counter only grows (even when the
 * newest images are deleted): a new counter means images were added, a
 * lower count that some were deleted.
 */
export function imageSetSize(store: ProjectStore): { maxId: number; count: number } {
  const seq = store.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'images'").pluck().get() as number | undefined;
  const count = store.db.prepare('SELECT COUNT(*) FROM images').pluck().get() as number;
  return { maxId: seq ?? 0, count };
}

export interface KeeperFacts {
  id: number;
  labelled: boolean;
  pixels: number;
  bytes: number;
}

export function keeperFacts(store: ProjectStore, ids: readonly number[]): Map<number, KeeperFacts> {
  const stmt = store.db.prepare('SELECT class_id IS NOT NULL AS labelled, width * height AS pixels, byte_size AS bytes FROM images WHERE id = ?');
  const out = new Map<number, KeeperFacts>();
  for (const id of ids) {
    const r = stmt.get(id) as { labelled: number; pixels: number; bytes: number } | undefined;
    if (r) out.set(id, { id, labelled: r.labelled === 1, pixels: r.pixels, bytes: r.bytes });
  }
  return out;
}
