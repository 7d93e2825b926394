// Lists the files below dropped paths one at a time, depth first. Each
// folder's entries are read and sorted as a file manager shows them, so
// classes are created and images numbered in a natural order; only the
// folders on the current path are held in memory, never the whole tree.
//
// A name that is not valid UTF-8 (possible on Linux, say from an old archive)
// is reported, not imported: Node's string paths replace its odd bytes with
// U+FFFD, and the project keeps names and paths as text, so the file could
// be neither opened by that name nor found again for an export. The user is
// told to rename it rather than that it does not exist.
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

export const INVALID_NAME_REASON = 'its name is not valid UTF-8 (the \uFFFD stands for bytes that are not text); rename it';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isUtf8(raw: Buffer): boolean {
  try {
    strictUtf8.decode(raw);
    return true;
  } catch {
    return false;
  }
}

/**
 * True when `absPath` does not exist as written only because a name on it
 * is not valid UTF-8: its folder holds a name with bytes that are not text
 * and that reads as this name once they are replaced.
 */
export async function namedWithInvalidUtf8(absPath: string): Promise<boolean> {
  for (let p = path.resolve(absPath); path.dirname(p) !== p; p = path.dirname(p)) {
    const name = path.basename(p);
    if (!name.includes('\uFFFD')) continue;
    const raw = await fsp.readdir(path.dirname(p), { encoding: 'buffer' }).catch(() => []);
    if (raw.some((r) => !isUtf8(r) && r.toString('utf8') === name)) return true;
  }
  return false;
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

  let listed: fs.Dirent<Buffer>[];
  try {
    // Raw names, so a name that is not valid UTF-8 can be told apart from one that holds U+FFFD.
    listed = await fsp.readdir(absPath, { withFileTypes: true, encoding: 'buffer' });
  } catch (err) {
    yield { absPath, relPath, problem: `could not open the folder (${fsReason(err)})` };
    return;
  }
  const entries = listed.map((entry) => ({ entry, name: entry.name.toString('utf8'), valid: isUtf8(entry.name) }));
  entries.sort((a, b) => byName.compare(a.name, b.name));
  for (const { entry, name, valid } of entries) {
    if (isIgnoredName(name)) continue;
    const childAbs = path.join(absPath, name);
    const childRel = `${relPath}/${name}`;
    if (!valid) {
      yield { absPath: childAbs, relPath: childRel, problem: INVALID_NAME_REASON };
      continue;
    }
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
      const invalid = (err as NodeJS.ErrnoException).code === 'ENOENT' && (await namedWithInvalidUtf8(absPath));
      yield { absPath, relPath: name, problem: invalid ? INVALID_NAME_REASON : `could not open it (${fsReason(err)})` };
      continue;
    }
    if (stats.isFile()) yield { absPath, relPath: name };
    else if (stats.isDirectory()) yield* walkFolder(absPath, name, stats, visited);
    else yield { absPath, relPath: name, problem: 'not a regular file or folder' };
  }
}
