// Tells what a file is from its first bytes. Extensions lie (a PNG saved as
// .jpg, a web page saved as .jpeg), so the contents decide; the extension
// only sharpens the message when the contents are not recognised at all.

import type { ImageFormat } from '../../contract/types.js';

export const FORMAT_LABELS: Record<ImageFormat, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  gif: 'GIF',
  avif: 'AVIF',
  tiff: 'TIFF',
  bmp: 'BMP',
};

export type Sniffed = { kind: 'image'; format: ImageFormat } | { kind: 'other'; reason: string };

const EXTENSION_FORMATS: Record<string, ImageFormat> = {
  jpg: 'jpeg', jpeg: 'jpeg', jpe: 'jpeg', jfif: 'jpeg',
  png: 'png', webp: 'webp', gif: 'gif', avif: 'avif',
  tif: 'tiff', tiff: 'tiff', bmp: 'bmp', dib: 'bmp',
};

const startsWith = (bytes: Buffer, sig: readonly number[], at = 0): boolean =>
  bytes.length >= at + sig.length && sig.every((b, i) => bytes[at + i] === b);

const ascii = (bytes: Buffer, start: number, end: number): string => bytes.toString('latin1', start, end);

const notImage = (what: string): Sniffed => ({ kind: 'other', reason: `not an image (looks like ${what})` });
const unsupported = (what: string): Sniffed => ({ kind: 'other', reason: `unsupported format (${what})` });

/** DIB header sizes of the BMP variants that exist in the wild. */
const BMP_HEADER_SIZES = new Set([12, 40, 52, 56, 64, 108, 124]);

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs']);
const VIDEO_BRANDS = new Set(['isom', 'iso2', 'iso4', 'iso5', 'iso6', 'mp41', 'mp42', 'avc1', 'M4V ', 'qt  ', '3gp4', '3gp5', '3gp6', '3g2a', 'dash', 'f4v ']);

/** ISO base media files (AVIF, HEIC, MP4, ...) are told apart by their `ftyp` brands. */
function sniffFtyp(bytes: Buffer): Sniffed {
  const boxSize = Math.min(bytes.readUInt32BE(0), bytes.length);
  const brands = [ascii(bytes, 8, 12)];
  for (let at = 16; at + 4 <= boxSize; at += 4) brands.push(ascii(bytes, at, at + 4));
  if (brands.some((b) => b === 'avif' || b === 'avis')) return { kind: 'image', format: 'avif' };
  if (brands.some((b) => HEIC_BRANDS.has(b)) || brands[0] === 'mif1' || brands[0] === 'msf1') return unsupported('HEIC');
  if (brands[0] === 'crx ') return unsupported('Canon CR3 raw');
  if (brands[0] === 'M4A ' || brands[0] === 'M4B ') return notImage('audio');
  if (brands.some((b) => VIDEO_BRANDS.has(b))) return notImage('a video');
  return unsupported(`ISO media "${brands[0]!.trim()}"`);
}

/** Plain text (UTF-8 or Latin-1) has no NUL bytes and almost no control characters. */
function looksLikeText(head: Buffer): boolean {
  if (head.length === 0) return false;
  let control = 0;
  for (const b of head) {
    if (b === 0) return false;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b) control++;
  }
  return control <= head.length / 100;
}

function sniffText(bytes: Buffer): Sniffed | null {
  const head = bytes.subarray(0, 4096);
  if (!looksLikeText(head)) return null;
  const text = head.toString('utf8').replace(/^\uFEFF/, '').trimStart().toLowerCase();
  if (text.includes('<svg')) return unsupported('SVG');
  if (text.startsWith('<!doctype html') || text.startsWith('<html')) return notImage('a web page');
  return notImage('a text file');
}

export function sniffFormat(bytes: Buffer, fileName: string): Sniffed {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { kind: 'image', format: 'jpeg' };
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { kind: 'image', format: 'png' };
  const head4 = ascii(bytes, 0, 4);
  if (head4 === 'GIF8' && /^GIF8[79]a$/.test(ascii(bytes, 0, 6))) return { kind: 'image', format: 'gif' };
  if (head4 === 'RIFF' && bytes.length >= 12) {
    const kind = ascii(bytes, 8, 12);
    if (kind === 'WEBP') return { kind: 'image', format: 'webp' };
    if (kind === 'AVI ') return notImage('a video');
    if (kind === 'WAVE') return notImage('audio');
  }
  if (bytes.length >= 12 && ascii(bytes, 4, 8) === 'ftyp') return sniffFtyp(bytes);
  if (['II*\0', 'MM\0*', 'II+\0', 'MM\0+'].includes(head4)) return { kind: 'image', format: 'tiff' };
  if (ascii(bytes, 0, 2) === 'BM' && bytes.length >= 18 && BMP_HEADER_SIZES.has(bytes.readUInt32LE(14))) {
    return { kind: 'image', format: 'bmp' };
  }
  if (head4 === '%PDF') return notImage('a PDF');
  if (head4 === '8BPS') return unsupported('Photoshop PSD');
  if (startsWith(bytes, [0xff, 0x0a]) || startsWith(bytes, [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20])) return unsupported('JPEG XL');
  if (startsWith(bytes, [0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20]) || startsWith(bytes, [0xff, 0x4f, 0xff, 0x51])) {
    return unsupported('JPEG 2000');
  }
  if (startsWith(bytes, [0, 0, 1, 0]) || startsWith(bytes, [0, 0, 2, 0])) return unsupported('Windows icon');
  if (head4 === 'PK\x03\x04') return notImage('a ZIP archive or office document');
  if (startsWith(bytes, [0x1f, 0x8b]) || head4 === 'Rar!' || startsWith(bytes, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) {
    return notImage('a compressed archive');
  }
  if (startsWith(bytes, [0x1a, 0x45, 0xdf, 0xa3])) return notImage('a video');
  if (ascii(bytes, 0, 3) === 'ID3' || head4 === 'fLaC' || head4 === 'OggS') return notImage('audio');
  if (ascii(bytes, 0, 2) === 'MZ' || head4 === '\x7fELF') return notImage('a program');
  if (ascii(bytes, 0, 16) === 'SQLite format 3\0') return notImage('a database');
  const text = sniffText(bytes);
  if (text) return text;

  const ext = /\.([^./\\]+)$/.exec(fileName)?.[1]?.toLowerCase();
  const claimed = ext ? EXTENSION_FORMATS[ext] : undefined;
  if (claimed) return { kind: 'other', reason: `corrupt ${FORMAT_LABELS[claimed]} (the contents are not an image)` };
  return { kind: 'other', reason: 'not an image (unrecognised contents)' };
}
