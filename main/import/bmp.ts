// A BMP reader, because sharp (libvips) has none. It covers what Windows
// tools and image libraries write: OS/2 core and BITMAPINFOHEADER through V5
// headers, 1/4/8-bit palettes, 16/24/32-bit pixels, BI_RGB and bit-field
// masks, bottom-up and top-down rows. RLE and embedded JPEG/PNG are refused.
import { ImportSkipError } from './skip-error.js';

export interface BmpHeader {
  width: number;
  height: number;
  topDown: boolean;
  bitsPerPixel: number;
  dataOffset: number;
  /** Palette entries for 1/4/8-bit images, read from the file (missing ones are black). */
  palette: Uint8Array | null;
  masks: ChannelMasks | null;
}

export interface DecodedBmp {
  data: Buffer;
  width: number;
  height: number;
  channels: 3 | 4;
}

interface ChannelMasks {
  r: number;
  g: number;
  b: number;
  a: number;
}

const BI_RGB = 0;
const BI_RLE8 = 1;
const BI_RLE4 = 2;
const BI_BITFIELDS = 3;
const BI_JPEG = 4;
const BI_PNG = 5;
const BI_ALPHABITFIELDS = 6;

const corrupt = (why: string) => new ImportSkipError(`truncated or corrupt BMP (${why})`);

function need(bytes: Buffer, end: number, what: string): void {
  if (bytes.length < end) throw corrupt(`the file ends inside the ${what}`);
}

function refuseCompression(compression: number): never {
  if (compression === BI_RLE8 || compression === BI_RLE4) {
    throw new ImportSkipError('unsupported BMP compression (RLE); save the image as PNG or JPEG');
  }
  if (compression === BI_JPEG || compression === BI_PNG) {
    throw new ImportSkipError('unsupported BMP compression (embedded JPEG or PNG)');
  }
  throw new ImportSkipError(`unsupported BMP compression (type ${compression})`);
}

function readPalette(bytes: Buffer, offset: number, count: number, entrySize: 3 | 4): Uint8Array {
  const palette = new Uint8Array(256 * 3);
  // Writers sometimes claim more entries than they store; take what is there.
  const available = Math.max(0, Math.floor((bytes.length - offset) / entrySize));
  for (let i = 0; i < Math.min(count, available, 256); i++) {
    const at = offset + i * entrySize;
    palette[i * 3] = bytes[at + 2]!;
    palette[i * 3 + 1] = bytes[at + 1]!;
    palette[i * 3 + 2] = bytes[at]!;
  }
  return palette;
}

/** Reads and checks the headers only, so size limits apply before any pixel buffer exists. */
export function readBmpHeader(bytes: Buffer): BmpHeader {
  need(bytes, 18, 'header');
  const dataOffset = bytes.readUInt32LE(10);
  const headerSize = bytes.readUInt32LE(14);
  need(bytes, 14 + headerSize, 'header');

  let width: number;
  let rawHeight: number;
  let bitsPerPixel: number;
  let compression = BI_RGB;
  let colorsUsed = 0;
  if (headerSize === 12) {
    width = bytes.readUInt16LE(18);
    rawHeight = bytes.readUInt16LE(20);
    bitsPerPixel = bytes.readUInt16LE(24);
  } else {
    width = bytes.readInt32LE(18);
    rawHeight = bytes.readInt32LE(22);
    bitsPerPixel = bytes.readUInt16LE(28);
    compression = bytes.readUInt32LE(30);
    colorsUsed = bytes.readUInt32LE(46);
  }
  const topDown = rawHeight < 0;
  const height = Math.abs(rawHeight);
  if (width <= 0 || height === 0) throw corrupt(`it claims a size of ${width}x${rawHeight} pixels`);
  if (![1, 4, 8, 16, 24, 32].includes(bitsPerPixel)) {
    throw new ImportSkipError(`unsupported BMP (${bitsPerPixel} bits per pixel)`);
  }
  // OS/2 2.x headers reuse compression codes 3 and 4 for Huffman and RLE24.
  if (headerSize === 64 && compression !== BI_RGB) refuseCompression(compression);

  let masks: ChannelMasks | null = null;
  let tableEnd = 14 + headerSize;
  if (compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS) {
    if (bitsPerPixel !== 16 && bitsPerPixel !== 32) throw corrupt(`bit-field masks with ${bitsPerPixel} bits per pixel`);
    const withAlpha = compression === BI_ALPHABITFIELDS || headerSize >= 56;
    // A plain BITMAPINFOHEADER keeps its masks just after the header; V2+ headers hold them inside.
    if (headerSize === 40) tableEnd += withAlpha ? 16 : 12;
    need(bytes, 54 + (withAlpha ? 16 : 12), 'colour masks');
    masks = {
      r: bytes.readUInt32LE(54),
      g: bytes.readUInt32LE(58),
      b: bytes.readUInt32LE(62),
      a: withAlpha ? bytes.readUInt32LE(66) : 0,
    };
  } else if (compression !== BI_RGB) {
    refuseCompression(compression);
  } else if (bitsPerPixel === 16) {
    masks = { r: 0x7c00, g: 0x03e0, b: 0x001f, a: 0 };
  } else if (bitsPerPixel === 32) {
    // BI_RGB leaves the top byte undefined; many writers fill it with junk, so it is not alpha.
    masks = { r: 0x00ff0000, g: 0x0000ff00, b: 0x000000ff, a: 0 };
  }

  let palette: Uint8Array | null = null;
  if (bitsPerPixel <= 8) {
    const count = colorsUsed > 0 ? colorsUsed : 1 << bitsPerPixel;
    palette = readPalette(bytes, tableEnd, count, headerSize === 12 ? 3 : 4);
  }

  if (dataOffset < 14 + headerSize || dataOffset >= bytes.length) throw corrupt('the pixel data is missing');
  return { width, height, topDown, bitsPerPixel, dataOffset, palette, masks };
}

interface MaskChannel {
  mask: number;
  shift: number;
  /** The largest value the channel's bits can hold. */
  max: number;
}

function maskChannel(mask: number): MaskChannel {
  const m = mask >>> 0;
  if (m === 0) return { mask: 0, shift: 0, max: 0 };
  let shift = 0;
  while (((m >>> shift) & 1) === 0) shift++;
  return { mask: m, shift, max: m >>> shift };
}

const scale = (value: number, c: MaskChannel): number =>
  c.max === 255 || c.max === 0 ? value : Math.round((value * 255) / c.max);

/** Decodes the pixels described by `header` into top-down RGB or RGBA bytes. */
export function decodeBmp(bytes: Buffer, header: BmpHeader): DecodedBmp {
  const { width, height, topDown, bitsPerPixel: bpp, dataOffset, palette, masks } = header;
  const stride = Math.ceil((width * bpp) / 32) * 4;
  // The last row's padding is often left out.
  need(bytes, dataOffset + stride * (height - 1) + Math.ceil((width * bpp) / 8), 'pixel data');

  const channels: 3 | 4 = masks !== null && masks.a !== 0 ? 4 : 3;
  const out = Buffer.alloc(width * height * channels);
  const r = maskChannel(masks?.r ?? 0);
  const g = maskChannel(masks?.g ?? 0);
  const b = maskChannel(masks?.b ?? 0);
  const a = maskChannel(masks?.a ?? 0);
  let anyAlpha = false;

  for (let y = 0; y < height; y++) {
    const row = dataOffset + (topDown ? y : height - 1 - y) * stride;
    let o = y * width * channels;
    for (let x = 0; x < width; x++, o += channels) {
      if (palette) {
        const bitPos = x * bpp;
        const byte = bytes[row + (bitPos >> 3)]!;
        const index = (byte >> (8 - bpp - (bitPos & 7))) & ((1 << bpp) - 1);
        out[o] = palette[index * 3]!;
        out[o + 1] = palette[index * 3 + 1]!;
        out[o + 2] = palette[index * 3 + 2]!;
      } else if (bpp === 24) {
        const at = row + x * 3;
        out[o] = bytes[at + 2]!;
        out[o + 1] = bytes[at + 1]!;
        out[o + 2] = bytes[at]!;
      } else {
        const px = bpp === 16 ? bytes.readUInt16LE(row + x * 2) : bytes.readUInt32LE(row + x * 4);
        out[o] = scale((px & r.mask) >>> r.shift, r);
        out[o + 1] = scale((px & g.mask) >>> g.shift, g);
        out[o + 2] = scale((px & b.mask) >>> b.shift, b);
        if (channels === 4) {
          const alpha = scale((px & a.mask) >>> a.shift, a);
          out[o + 3] = alpha;
          if (alpha !== 0) anyAlpha = true;
        }
      }
    }
  }
  // A mask that is zero everywhere means the writer never filled alpha in, not an invisible image.
  if (channels === 4 && !anyAlpha) {
    for (let o = 3; o < out.length; o += 4) out[o] = 255;
  }
  return { data: out, width, height, channels };
}
