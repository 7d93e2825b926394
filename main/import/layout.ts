// Where a dropped file goes, read from its folder path alone. The path uses
// '/' on every platform and starts at what the user dropped: `root/<class>/...`, `root/<split>/<class>/...`,
// or `<split>/<class>/...` when the split folder itself was dropped.
import type { Split } from '../api/types.js';

export interface Placement {
  split: Split;
  /** null: Unlabelled. */
  className: string | null;
}

const SPLIT_NAMES: Record<string, Split> = {
  train: 'train',
  training: 'train',
  val: 'validation',
  valid: 'validation',
  validation: 'validation',
  dev: 'validation',
  test: 'test',
  testing: 'test',
};

/** Files and folders that operating systems and archivers leave behind. */
const JUNK_NAMES = new Set(['__macosx', 'thumbs.db', 'desktop.ini', '$recycle.bin', 'system volume information']);

const isJunk = (name: string): boolean => JUNK_NAMES.has(name.toLowerCase());

/** Names never imported and never reported: hidden entries and OS junk. */
export function isIgnoredName(name: string): boolean {
  return name.startsWith('.') || isJunk(name);
}

const splitNamed = (folder: string): Split | null => SPLIT_NAMES[folder.toLowerCase()] ?? null;

/** Class names follow the store's rules (trimmed, single spaces, at most 100 characters). */
function className(folder: string): string | null {
  const clean = folder.trim().replace(/\s+/g, ' ').slice(0, 100).trim();
  return clean === '' ? null : clean;
}

/** The class a dropped folder of loose images stands for; split folders stand for none. */
export function folderClassName(folder: string): string | null {
  if (splitNamed(folder) !== null || isIgnoredName(folder)) return null;
  return className(folder);
}


/** Returns null for files to leave out silently. */
export function placementOf(relPath: string): Placement | null {
  const segments = relPath.split('/').filter((s) => s !== '');
  const file = segments.pop();
  if (file === undefined || isIgnoredName(file)) return null;
  const [root, ...below] = segments;
  if (root === undefined) return { split: 'none', className: null };
  // A hidden folder the user dropped on purpose is imported; junk never is.
  if (isJunk(root) || below.some(isIgnoredName)) return null;

  let split = splitNamed(root);
  for (const folder of below) {
    const named = splitNamed(folder);
    if (named !== null) {
      split ??= named;
      continue;
    }
    // Deeper folders stay in this class.
    return { split: split ?? 'none', className: className(folder) };
  }
  return { split: split ?? 'none', className: null };
}
