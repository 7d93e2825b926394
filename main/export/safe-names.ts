// File and folder names made from user text (class names, version names)
// that are safe on Windows, macOS and Linux: they cannot climb out of the
// export folder, cannot hit a reserved device name, and stay distinct on
// case-insensitive file systems. Long names are cut between whole characters.
import { cutToUtf8Bytes } from '../text/cut-text.js';

/** UTF-8 bytes; file systems allow 255, and this leaves room for a suffix and an extension. */
export const MAX_NAME_BYTES = 100;
const FALLBACK = 'unnamed';

// Windows forbids <>:"/\|?*; control characters, line separators and bidi
// controls (which can disguise an extension) are replaced everywhere.
const FORBIDDEN = /[<>:"/\\|?*\p{Cc}\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
// Device names stay reserved with any extension ("con.txt") and trailing spaces.
const RESERVED = /^(con|prn|aux|nul|conin\$|conout\$|com[1-9¹²³]|lpt[1-9¹²³])(\s*\..*|\s*)$/iu;

/** Trailing dots and spaces are dropped by Windows; leading ones make hidden or odd files. */
function trimEnds(s: string): string {
  return s.replace(/^[\s.]+|[\s.]+$/gu, '');
}

function clean(name: string, maxBytes: number): string {
  let s = name.normalize('NFC').replace(FORBIDDEN, '_').replace(/\.{2,}/g, '.');
  s = trimEnds(cutToUtf8Bytes(trimEnds(s), maxBytes));
  if (s === '') return FALLBACK;
  // Checked last, because trimming after truncation can expose one ("con    …x").
  return RESERVED.test(s) ? trimEnds(cutToUtf8Bytes(`_${s}`, maxBytes)) : s;
}

/** One safe name for one piece of user text. */
export function safeFileName(name: string): string {
  return clean(name, MAX_NAME_BYTES);
}

/**
 * Safe names for several pieces of text, in the same order, distinct even
 * where the file system ignores case: later duplicates get "_2", "_3"…,
 * never taking a name another entry cleans to.
 */
export function safeFileNames(names: readonly string[]): string[] {
  const key = (s: string): string => s.toLowerCase();
  const cleaned = names.map(safeFileName);
  const wanted = new Set(cleaned.map(key));
  const used = new Set<string>();
  return cleaned.map((base) => {
    let name = base;
    for (let n = 2; used.has(key(name)) || (name !== base && wanted.has(key(name))); n++) {
      const suffix = `_${n}`;
      name = `${clean(base, MAX_NAME_BYTES - suffix.length)}${suffix}`;
    }
    used.add(key(name));
    return name;
  });
}
