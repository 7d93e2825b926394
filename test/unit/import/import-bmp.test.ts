import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeBmp, readBmpHeader } from '../../../main/import/bmp.js';
import { decodeImage } from '../../../main/import/decode.js';
import { ImportSkipError } from '../../../main/import/skip-error.js';

type Rgb = [number, number, number];

interface BmpSpec {
  width: number;
  height: number;
  bpp: 1 | 4 | 8 | 16 | 24 | 32;
  topDown?: boolean;
  /** 12: OS/2 core header, 40: BITMAPINFOHEADER, 124: V5. */
  headerSize?: 12 | 40 | 124;
  compression?: number;
  masks?: { r: number; g: number; b: number; a: number };
  palette?: Rgb[];
  /** Palette index (up to 8 bpp), 0xRRGGBB (24 bpp) or the packed pixel word (16/32 bpp). */
  pixel(x: number, y: number): number;
}

/** A minimal BMP writer, independent of the reader under test. */
function encodeBmp(spec: BmpSpec): Buffer {
  const { width, height, bpp, topDown = false, headerSize = 40, compression = 0, masks, palette = [] } = spec;
  const masksAfterHeader = headerSize === 40 && masks ? 12 : 0;
  const paletteEntry = headerSize === 12 ? 3 : 4;
  const dataOffset = 14 + headerSize + masksAfterHeader + palette.length * paletteEntry;
  const stride = Math.ceil((width * bpp) / 32) * 4;
  const file = Buffer.alloc(dataOffset + stride * height);
  file.write('BM', 0, 'latin1');
  file.writeUInt32LE(file.length, 2);
  file.writeUInt32LE(dataOffset, 10);
  file.writeUInt32LE(headerSize, 14);
  if (headerSize === 12) {
    file.writeUInt16LE(width, 18);
    file.writeUInt16LE(height, 20);
    file.writeUInt16LE(1, 22);
    file.writeUInt16LE(bpp, 24);
  } else {
    file.writeInt32LE(width, 18);
    file.writeInt32LE(topDown ? -height : height, 22);
    file.writeUInt16LE(1, 26);
    file.writeUInt16LE(bpp, 28);
    file.writeUInt32LE(compression, 30);
    file.writeUInt32LE(stride * height, 34);
    file.writeUInt32LE(palette.length, 46);
    if (masks) {
      file.writeUInt32LE(masks.r, 54);
      file.writeUInt32LE(masks.g, 58);
      file.writeUInt32LE(masks.b, 62);
      if (headerSize === 124) file.writeUInt32LE(masks.a, 66);
    }
  }
  palette.forEach(([r, g, b], i) => {
    const at = 14 + headerSize + masksAfterHeader + i * paletteEntry;
    file[at] = b;
    file[at + 1] = g;
    file[at + 2] = r;
  });
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const v = spec.pixel(x, y);
      if (bpp <= 8) {
        const bit = x * bpp;
        file[row + (bit >> 3)]! |= v << (8 - bpp - (bit & 7));
      } else if (bpp === 16) {
        file.writeUInt16LE(v, row + x * 2);
      } else if (bpp === 24) {
        file[row + x * 3] = v & 0xff;
        file[row + x * 3 + 1] = (v >> 8) & 0xff;
        file[row + x * 3 + 2] = (v >> 16) & 0xff;
      } else {
        file.writeUInt32LE(v >>> 0, row + x * 4);
      }
    }
  }
  return file;
}

const PALETTE: Rgb[] = [
  [0, 0, 0],
  [255, 255, 255],
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
  [255, 255, 0],
  [0, 255, 255],
  [128, 64, 32],
];

/** Odd widths exercise the row padding; the colours differ per pixel, so a flip shows. */
const W = 5;
const H = 3;
const indexAt = (x: number, y: number) => (x + 2 * y) % PALETTE.length;
const rgbAt = (x: number, y: number): Rgb => PALETTE[indexAt(x, y)]!;
const expectedRgb = (rgb: (x: number, y: number) => Rgb, w = W, h = H): Buffer => {
  const out: number[] = [];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.push(...rgb(x, y));
  return Buffer.from(out);
};

function decode(bytes: Buffer) {
  return decodeBmp(bytes, readBmpHeader(bytes));
}

test('24-bit BMPs decode exactly, bottom-up and top-down', () => {
  for (const topDown of [false, true]) {
    const bmp = encodeBmp({ width: W, height: H, bpp: 24, topDown, pixel: (x, y) => {
      const [r, g, b] = rgbAt(x, y);
      return (r << 16) | (g << 8) | b;
    } });
    const out = decode(bmp);
    assert.deepEqual([out.width, out.height, out.channels], [W, H, 3]);
    assert.deepEqual(out.data, expectedRgb(rgbAt), `topDown=${topDown}`);
  }
});

test('palette BMPs decode exactly at 1, 4 and 8 bits, bottom-up and top-down', () => {
  for (const bpp of [1, 4, 8] as const) {
    for (const topDown of [false, true]) {
      const colours = bpp === 1 ? 2 : PALETTE.length;
      const at = (x: number, y: number) => indexAt(x, y) % colours;
      const bmp = encodeBmp({ width: W, height: H, bpp, topDown, palette: PALETTE.slice(0, colours), pixel: at });
      const out = decode(bmp);
      assert.deepEqual(out.data, expectedRgb((x, y) => PALETTE[at(x, y)]!), `bpp=${bpp} topDown=${topDown}`);
    }
  }
});

test('OS/2 core-header BMPs (3-byte palette entries) decode', () => {
  const bmp = encodeBmp({ width: W, height: H, bpp: 8, headerSize: 12, palette: PALETTE, pixel: indexAt });
  assert.deepEqual(decode(bmp).data, expectedRgb(rgbAt));
});

test('16-bit BMPs decode as 5-5-5 by default and by their masks otherwise', () => {
  // The first seven palette colours use only 0 and 255, which 5 and 6 bits hold exactly.
  const pure = (x: number, y: number): Rgb => PALETTE[indexAt(x, y) % 7]!;
  const rgb555 = encodeBmp({ width: W, height: H, bpp: 16, pixel: (x, y) => {
    const [r, g, b] = pure(x, y);
    return ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3);
  } });
  const rgb565 = encodeBmp({
    width: W, height: H, bpp: 16, compression: 3, masks: { r: 0xf800, g: 0x07e0, b: 0x001f, a: 0 },
    pixel: (x, y) => {
      const [r, g, b] = pure(x, y);
      return ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3);
    },
  });
  assert.deepEqual(decode(rgb555).data, expectedRgb(pure));
  assert.deepEqual(decode(rgb565).data, expectedRgb(pure));
  // Intermediate values are scaled to the full range: 16/31, 8/31 and 4/31 of 255.
  const mid = encodeBmp({ width: 1, height: 1, bpp: 16, pixel: () => (16 << 10) | (8 << 5) | 4 });
  assert.deepEqual([...decode(mid).data], [132, 66, 33]);
});

test('32-bit BI_RGB BMPs ignore the unused top byte', () => {
  const bmp = encodeBmp({ width: W, height: H, bpp: 32, pixel: (x, y) => {
    const [r, g, b] = rgbAt(x, y);
    return ((0x5a << 24) | (r << 16) | (g << 8) | b) >>> 0;
  } });
  const out = decode(bmp);
  assert.equal(out.channels, 3);
  assert.deepEqual(out.data, expectedRgb(rgbAt));
});

test('32-bit V5 BMPs with an alpha mask keep alpha, and decodeImage flattens it onto white', async () => {
  const masks = { r: 0x00ff0000, g: 0x0000ff00, b: 0x000000ff, a: 0xff000000 };
  // Left half opaque red, right half fully transparent red.
  const bmp = encodeBmp({
    width: 64, height: 32, bpp: 32, headerSize: 124, compression: 3, masks,
    pixel: (x) => ((x < 32 ? 0xff000000 : 0) | 0xff0000) >>> 0,
  });
  const out = decode(bmp);
  assert.equal(out.channels, 4);
  assert.deepEqual([...out.data.subarray(0, 4)], [255, 0, 0, 255]);
  assert.deepEqual([...out.data.subarray(40 * 4, 40 * 4 + 4)], [255, 0, 0, 0]);

  const image = await decodeImage(bmp, 'alpha.bmp');
  assert.equal(image.format, 'bmp');
  const { data, info } = await sharp(image.normalized).raw().toBuffer({ resolveWithObject: true });
  const px = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
  const near = (got: number[], want: number[]) => got.every((v, i) => Math.abs(v - want[i]!) <= 12);
  assert.ok(near(px(8, 16), [255, 0, 0]), `left ${px(8, 16)}`);
  assert.ok(near(px(56, 16), [255, 255, 255]), `right ${px(56, 16)}`);
});

test('an alpha mask that is zero everywhere means opaque', () => {
  const masks = { r: 0x00ff0000, g: 0x0000ff00, b: 0x000000ff, a: 0xff000000 };
  const bmp = encodeBmp({ width: 2, height: 2, bpp: 32, headerSize: 124, compression: 3, masks, pixel: () => 0x00336699 });
  const out = decode(bmp);
  assert.deepEqual([...out.data.subarray(0, 4)], [0x33, 0x66, 0x99, 255]);
});

test('decodeImage reads BMPs through sharp with their real size', async () => {
  for (const topDown of [false, true]) {
    // Top half red, bottom half blue: an upside-down decode would swap them.
    const bmp = encodeBmp({ width: 300, height: 200, bpp: 24, topDown, pixel: (_x, y) => (y < 100 ? 0xff0000 : 0x0000ff) });
    const image = await decodeImage(bmp, 'photo.bmp');
    assert.deepEqual([image.format, image.width, image.height], ['bmp', 300, 200]);
    assert.deepEqual([image.normalizedWidth, image.normalizedHeight], [300, 200]);
    const { data } = await sharp(image.normalized).raw().toBuffer({ resolveWithObject: true });
    assert.ok(data[(10 * 300 + 150) * 3]! > 200 && data[(10 * 300 + 150) * 3 + 2]! < 60, 'top is red');
    assert.ok(data[(190 * 300 + 150) * 3]! < 60 && data[(190 * 300 + 150) * 3 + 2]! > 200, 'bottom is blue');
  }
});

async function skipReason(bytes: Buffer, name = 'x.bmp'): Promise<string> {
  try {
    await decodeImage(bytes, name);
  } catch (err) {
    assert.ok(err instanceof ImportSkipError, String(err));
    return err.reason;
  }
  assert.fail('expected the image to be refused');
}

test('RLE, odd bit depths and cut-short BMPs are refused with a reason', async () => {
  const rle = encodeBmp({ width: 4, height: 4, bpp: 8, compression: 1, palette: PALETTE, pixel: () => 0 });
  assert.match(await skipReason(rle), /^unsupported BMP compression \(RLE\)/);

  const twoBit = encodeBmp({ width: 4, height: 4, bpp: 24, pixel: () => 0 });
  twoBit.writeUInt16LE(2, 28);
  assert.equal(await skipReason(twoBit), 'unsupported BMP (2 bits per pixel)');

  const whole = encodeBmp({ width: 40, height: 40, bpp: 24, pixel: () => 0x123456 });
  assert.match(await skipReason(whole.subarray(0, whole.length - 400)), /^truncated or corrupt BMP/);
  assert.match(await skipReason(whole.subarray(0, 30)), /^truncated or corrupt BMP/);
});

test('a BMP header claiming a huge image is refused before any pixel memory is taken', async () => {
  const bmp = encodeBmp({ width: 2, height: 2, bpp: 24, pixel: () => 0 });
  bmp.writeInt32LE(60000, 18);
  bmp.writeInt32LE(-60000, 22);
  const before = process.memoryUsage().rss;
  assert.equal(await skipReason(bmp), 'image too large (60000x60000 pixels; the limit is 100 megapixels)');
  // Decoding would need 10.8 GB for the pixels alone.
  assert.ok(process.memoryUsage().rss - before < 200e6);
});
