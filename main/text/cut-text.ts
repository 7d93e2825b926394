// Shortening user text (class names, file names) without breaking a
// character: cutting a string at a fixed index can split a surrogate pair,
// which SQLite and files then store as invalid UTF-8, or split what a reader
// sees as one character (an emoji sequence, a letter and its accents).
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const encoder = new TextEncoder();

const utf16Units = (s: string): number => s.length;
const utf8Bytes = (s: string): number => encoder.encode(s).length;

/**
 * The longest start of `text` made of whole graphemes whose size is at most
 * `max`. A first grapheme too big on its own (a letter under hundreds of
 * combining marks) is cut between code points instead, so text that had
 * something keeps something.
 */
function cutBy(text: string, max: number, size: (s: string) => number): string {
  if (size(text) <= max) return text;
  let out = '';
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const n = size(segment);
    if (used + n <= max) {
      out += segment;
      used += n;
      continue;
    }
    if (out !== '') break;
    for (const codePoint of segment) {
      const m = size(codePoint);
      if (used + m > max) break;
      out += codePoint;
      used += m;
    }
    break;
  }
  return out;
}

/** At most `max` UTF-16 code units, the unit of String.length and of the store's "100 characters". */
export function cutToLength(text: string, max: number): string {
  return cutBy(text, max, utf16Units);
}

/** At most `max` bytes once encoded as UTF-8, as file systems count a name. */
export function cutToUtf8Bytes(text: string, max: number): string {
  return cutBy(text, max, utf8Bytes);
}
