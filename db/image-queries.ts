// The few read-only image queries the insights need beyond ProjectStore's.
import { connectionOf } from './connection.js';
import type { ProjectStore } from './project-store.js';

export function allImageIds(store: ProjectStore): number[] {
  return connectionOf(store).prepare('SELECT id FROM images WHERE deleted_batch IS NULL ORDER BY id').pluck().all() as number[];
}

export function unlabelledImageIds(store: ProjectStore): number[] {
  return connectionOf(store).prepare('SELECT id FROM images WHERE class_id IS NULL AND deleted_batch IS NULL ORDER BY id').pluck().all() as number[];
}

/**
 * Image ids come from AUTOINCREMENT, whose counter only grows (even when the
 * newest images are deleted): a new counter means images were added. Deletes
 * can be undone, so the count and the sum of the ids tell together whether
 * the set of images in the project changed.
 */
export function imageSetSize(store: ProjectStore): { maxId: number; count: number; idSum: number } {
  const seq = connectionOf(store).prepare("SELECT seq FROM sqlite_sequence WHERE name = 'images'").pluck().get() as number | undefined;
  const row = connectionOf(store).prepare('SELECT COUNT(*) AS count, TOTAL(id) AS idSum FROM images WHERE deleted_batch IS NULL').get() as {
    count: number;
    idSum: number;
  };
  return { maxId: seq ?? 0, ...row };
}

export interface KeeperFacts {
  id: number;
  labelled: boolean;
  pixels: number;
  bytes: number;
}

export function keeperFacts(store: ProjectStore, ids: readonly number[]): Map<number, KeeperFacts> {
  const stmt = connectionOf(store).prepare('SELECT class_id IS NOT NULL AS labelled, width * height AS pixels, byte_size AS bytes FROM images WHERE id = ? AND deleted_batch IS NULL');
  const out = new Map<number, KeeperFacts>();
  for (const id of ids) {
    const r = stmt.get(id) as { labelled: number; pixels: number; bytes: number } | undefined;
    if (r) out.set(id, { id, labelled: r.labelled === 1, pixels: r.pixels, bytes: r.bytes });
  }
  return out;
}
