// Where a dropped file goes, read from its folder path alone. The path uses
// '/' on every platform and starts at what the user dropped: `root/<class>/...`, `root/<split>/<class>/...`,
// or `<split>/<class>/...` when the split folder itself was dropped.
import type { Split } from '../../contract/types.js';
import { cutToLength } from '../text/cut-text.js';

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

/**
 * Hidden entries and OS junk, never imported and never reported when found
 * inside a folder. What the user names themselves (a file or folder given
 * on the command line, picked or dropped) is taken as named, even if hidden:
 * they asked for it, and dropping it silently would leave them guessing.
 */
export function isIgnoredName(name: string): boolean {
  return name.startsWith('.') || isJunk(name);
}

const splitNamed = (folder: string): Split | null => SPLIT_NAMES[folder.toLowerCase()] ?? null;

/** The store's limit on class names, in String.length units. */
const CLASS_NAME_MAX = 100;

/** Class names follow the store's rules (trimmed, single spaces, at most 100 characters), cut between whole characters. */
function className(folder: string): string | null {
  const clean = cutToLength(folder.trim().replace(/\s+/g, ' '), CLASS_NAME_MAX).trim();
  return clean === '' ? null : clean;
}

/** The class a dropped folder of loose images stands for; split folders stand for none. */
export function folderClassName(folder: string): string | null {
  if (splitNamed(folder) !== null || isIgnoredName(folder)) return null;
  return className(folder);
}


/**
 * Returns null for files to leave out silently: those with an ignored name
 * below the file or folder the user named (the first segment), which the
 * folder walks skip in the same way.
 */
export function placementOf(relPath: string): Placement | null {
  const segments = relPath.split('/').filter((s) => s !== '');
  if (segments.length === 0 || segments.slice(1).some(isIgnoredName)) return null;
  segments.pop();
  const [root, ...below] = segments;
  if (root === undefined) return { split: 'none', className: null };

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
