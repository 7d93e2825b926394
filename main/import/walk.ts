// Lists the files below dropped paths one at a time, depth first. Each
// folder's entries are read and sorted as a file manager shows them, so
// classes are created and images numbered in a natural order; only the
// folders on the current path are held in memory, never the whole tree.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { isIgnoredName } from './layout.js';
import { fsReason } from './skip-error.js';

export interface WalkEntry {
  absPath: string;
  /** '/'-separated, starting with the dropped file's or folder's own name. */
  relPath: string;
  /** Set when the entry could not be listed or is not a regular file. */
  problem?: string;
}

/** Numeric-aware, so 2.jpg comes before 10.jpg. */
const byName = new Intl.Collator(undefined, { numeric: true, sensitivity: 'variant' });

/**
 * Identifies a folder across links, so a link back up the tree is not
 * followed forever. Some file systems report no inode numbers (0); they
 * also have no links.
 */
const folderKey = (stats: fs.Stats): string | null => (stats.ino === 0 ? null : `${stats.dev}:${stats.ino}`);

async function* walkFolder(absPath: string, relPath: string, stats: fs.Stats, visited: Set<string>): AsyncGenerator<WalkEntry> {
  const key = folderKey(stats);
  if (key !== null) {
    if (visited.has(key)) return;
    visited.add(key);
  }

  let entries: fs.Dirent[];
  try {
    entries = await fsp.readdir(absPath, { withFileTypes: true });
  } catch (err) {
    yield { absPath, relPath, problem: `could not open the folder (${fsReason(err)})` };
    return;
  }
  entries.sort((a, b) => byName.compare(a.name, b.name));
  for (const entry of entries) {
    if (isIgnoredName(entry.name)) continue;
    const childAbs = path.join(absPath, entry.name);
    const childRel = `${relPath}/${entry.name}`;
    if (entry.isFile()) {
      yield { absPath: childAbs, relPath: childRel };
      continue;
    }
    // Links, unknown entry types, and folders (whose identity is needed) take a stat that follows links.
    let child: fs.Stats;
    try {
      child = await fsp.stat(childAbs);
    } catch (err) {
      const broken = entry.isSymbolicLink() && (err as NodeJS.ErrnoException).code === 'ENOENT';
      yield { absPath: childAbs, relPath: childRel, problem: broken ? 'broken link' : `could not read it (${fsReason(err)})` };
      continue;
    }
    if (child.isFile()) yield { absPath: childAbs, relPath: childRel };
    else if (child.isDirectory()) yield* walkFolder(childAbs, childRel, child, visited);
    else yield { absPath: childAbs, relPath: childRel, problem: 'not a regular file' };
  }
}

/** Yields every file below `paths` (files or folders), depth first, in name order. */
export async function* walkFiles(paths: readonly string[]): AsyncGenerator<WalkEntry> {
  const visited = new Set<string>();
  for (const given of paths) {
    const absPath = path.resolve(given);
    const name = path.basename(absPath) || absPath;
    let stats: fs.Stats;
    try {
      stats = await fsp.stat(absPath);
    } catch (err) {
      yield { absPath, relPath: name, problem: `could not open it (${fsReason(err)})` };
      continue;
    }
    if (stats.isFile()) yield { absPath, relPath: name };
    else if (stats.isDirectory()) yield* walkFolder(absPath, name, stats, visited);
    else yield { absPath, relPath: name, problem: 'not a regular file or folder' };
  }
}
