import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { ProjectStore } from '../../../db/project-store.js';
import { decodeImage, type DecodedImage } from '../../../main/import/decode.js';
import { tempDir } from '../../helpers/temp.js';
import { ImportSkipError } from '../../../main/import/skip-error.js';

/** Left half red, right half blue: shows orientation and which frame was read. */
function halves(width: number, height: number, channels: 3 | 4 = 3): Sharp {
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      data[o] = x < width / 2 ? 230 : 20;
      data[o + 1] = 20;
      data[o + 2] = x < width / 2 ? 20 : 230;
      if (channels === 4) data[o + 3] = 255;
    }
  }
  return sharp(data, { raw: { width, height, channels } });
}

async function pixelsOf(jpeg: Buffer) {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => {
    const o = (Math.floor(y) * info.width + Math.floor(x)) * info.channels;
    return [data[o]!, data[o + 1]!, data[o + 2]!];
  };
  return { info, at };
}

const isRed = ([r, g, b]: number[]) => r! > 180 && g! < 70 && b! < 70;
const isBlue = ([r, g, b]: number[]) => r! < 70 && g! < 70 && b! > 180;
const isWhite = (px: number[]) => px.every((v) => v > 240);

async function checkOutputs(image: DecodedImage): Promise<void> {
  const normalized = await sharp(image.normalized).metadata();
  assert.equal(normalized.format, 'jpeg');
  assert.equal(normalized.space, 'srgb');
  assert.equal(normalized.channels, 3);
  assert.deepEqual([normalized.width, normalized.height], [image.normalizedWidth, image.normalizedHeight]);
  assert.ok(Math.max(image.normalizedWidth, image.normalizedHeight) <= 512);
  // A copy that fits inside 192 px is its own thumbnail.
  if (image.thumbnail.length === 0) {
    assert.ok(Math.max(image.normalizedWidth, image.normalizedHeight) <= 192);
    return;
  }
  const thumb = await sharp(image.thumbnail).metadata();
  assert.equal(thumb.format, 'jpeg');
  // Fits inside 192 px with the normalized copy's shape, never larger than it.
  const scale = Math.min(1, 192 / Math.max(image.normalizedWidth, image.normalizedHeight));
  assert.deepEqual([thumb.width, thumb.height], [Math.round(image.normalizedWidth * scale), Math.round(image.normalizedHeight * scale)]);
}

test('a small photo is never enlarged and stores no second copy as its thumbnail: the store serves the normalized copy', async () => {
  const image = await decodeImage(await halves(160, 120).jpeg({ quality: 95 }).toBuffer(), 'small.jpg');
  assert.deepEqual([image.width, image.height, image.normalizedWidth, image.normalizedHeight], [160, 120, 160, 120]);
  assert.equal(image.thumbnail.length, 0);
  await checkOutputs(image);
  const store = ProjectStore.create(path.join(tempDir(), 'small.pancake'));
  try {
    const [id] = store.insertImages([
      {
        sha256: 'a'.repeat(64),
        fileName: 'small.jpg',
        sourcePath: '/photos/small.jpg',
        width: 160,
        height: 120,
        format: 'jpeg',
        byteSize: 1,
        split: 'none',
        classId: null,
        importId: null,
        normalized: image.normalized,
        normalizedWidth: 160,
        normalizedHeight: 120,
        thumbnail: image.thumbnail,
        original: image.normalized,
      },
    ]);
    assert.deepEqual(store.thumbnail(id!), image.normalized);
  } finally {
    store.close();
  }
  // One pixel more than the cell: a thumbnail of its own, inside 192 px.
  const wider = await decodeImage(await halves(193, 120).jpeg({ quality: 95 }).toBuffer(), 'wider.jpg');
  assert.deepEqual((await sharp(wider.thumbnail).metadata()).width, 192);
});

async function skipReason(bytes: Buffer, name: string): Promise<string> {
  try {
    await decodeImage(bytes, name);
  } catch (err) {
    assert.ok(err instanceof ImportSkipError, `${name}: ${String(err)}`);
    return err.reason;
  }
  assert.fail(`${name} should have been refused`);
}

test('every supported format decodes, detected from its bytes whatever the name', async () => {
  const source = halves(300, 200);
  const files: [string, Buffer][] = [
    ['jpeg', await source.clone().jpeg().toBuffer()],
    ['png', await source.clone().png().toBuffer()],
    ['webp', await source.clone().webp().toBuffer()],
    ['gif', await source.clone().gif().toBuffer()],
    ['avif', await source.clone().avif().toBuffer()],
    ['tiff', await source.clone().tiff().toBuffer()],
  ];
  for (const [format, bytes] of files) {
    // A misleading extension must not matter.
    const image = await decodeImage(bytes, 'picture.jpg');
    assert.equal(image.format, format);
    assert.deepEqual([image.width, image.height, image.normalizedWidth, image.normalizedHeight], [300, 200, 300, 200], format);
    await checkOutputs(image);
    const { at } = await pixelsOf(image.normalized);
    assert.ok(isRed(at(40, 100)) && isBlue(at(260, 100)), `${format}: ${at(40, 100)} / ${at(260, 100)}`);
  }
});

test('large images are scaled to 512 on the longest side; small ones are never enlarged', async () => {
  const big = await decodeImage(await halves(1600, 1000).png().toBuffer(), 'big.png');
  assert.deepEqual([big.width, big.height, big.normalizedWidth, big.normalizedHeight], [1600, 1000, 512, 320]);
  await checkOutputs(big);
  const tall = await decodeImage(await halves(300, 900).jpeg().toBuffer(), 'tall.jpg');
  assert.deepEqual([tall.normalizedWidth, tall.normalizedHeight], [171, 512]);
  const small = await decodeImage(await halves(40, 30).png().toBuffer(), 'small.png');
  assert.deepEqual([small.normalizedWidth, small.normalizedHeight], [40, 30]);
  await checkOutputs(small);
});

test('EXIF orientation is applied: orientation 6 swaps width and height and rotates the pixels', async () => {
  const bytes = await halves(300, 200).jpeg().withMetadata({ orientation: 6 }).toBuffer();
  assert.equal((await sharp(bytes).metadata()).orientation, 6);
  const image = await decodeImage(bytes, 'phone.jpg');
  assert.deepEqual([image.width, image.height, image.normalizedWidth, image.normalizedHeight], [200, 300, 200, 300]);
  // Rotating 90° clockwise brings the red left half to the top.
  const { at } = await pixelsOf(image.normalized);
  assert.ok(isRed(at(100, 40)) && isBlue(at(100, 260)), `${at(100, 40)} / ${at(100, 260)}`);
});

test('only the first frame of an animated GIF or WebP is read', async () => {
  // Two 60x40 frames stacked: red, then blue.
  const frames = Buffer.alloc(60 * 80 * 3);
  for (let i = 0; i < 60 * 80; i++) frames.set(i < 60 * 40 ? [230, 20, 20] : [20, 20, 230], i * 3);
  const animated = sharp(frames, { raw: { width: 60, height: 80, channels: 3, pageHeight: 40 } });
  for (const bytes of [await animated.clone().gif().toBuffer(), await animated.clone().webp().toBuffer()]) {
    assert.equal((await sharp(bytes).metadata()).pages, 2);
    const image = await decodeImage(bytes, 'anim');
    assert.deepEqual([image.width, image.height, image.normalizedWidth, image.normalizedHeight], [60, 40, 60, 40]);
    const { at } = await pixelsOf(image.normalized);
    assert.ok(isRed(at(30, 20)), `${image.format}: ${at(30, 20)}`);
  }
});

test('transparency is flattened onto white', async () => {
  const rgba = Buffer.alloc(100 * 50 * 4);
  for (let i = 0; i < 100 * 50; i++) rgba.set(i % 100 < 50 ? [230, 20, 20, 255] : [20, 20, 230, 0], i * 4);
  const bytes = await sharp(rgba, { raw: { width: 100, height: 50, channels: 4 } }).png().toBuffer();
  const image = await decodeImage(bytes, 'cutout.png');
  const { at } = await pixelsOf(image.normalized);
  assert.ok(isRed(at(20, 25)), `${at(20, 25)}`);
  assert.ok(isWhite(at(80, 25)), `${at(80, 25)}`);
});

test('CMYK, greyscale and 16-bit inputs come out as 8-bit sRGB', async () => {
  const cmyk = await halves(120, 80).jpeg().toColourspace('cmyk').toBuffer();
  assert.equal((await sharp(cmyk).metadata()).space, 'cmyk');
  const grey = await halves(120, 80).greyscale().toColourspace('b-w').png().toBuffer();
  assert.equal((await sharp(grey).metadata()).channels, 1);
  const deep = await halves(120, 80).toColourspace('rgb16').png().toBuffer();
  assert.equal((await sharp(deep).metadata()).depth, 'ushort');
  for (const [name, bytes] of [['cmyk.jpg', cmyk], ['grey.png', grey], ['deep.png', deep]] as const) {
    const image = await decodeImage(bytes, name);
    await checkOutputs(image);
  }
  // A naive CMYK round trip shifts colours; the hues must survive.
  const { at } = await pixelsOf((await decodeImage(cmyk, 'cmyk.jpg')).normalized);
  const [r1, , b1] = at(20, 40);
  const [r2, , b2] = at(100, 40);
  assert.ok(r1! > b1! + 100 && b2! > r2! + 60, `${at(20, 40)} / ${at(100, 40)}`);
});

test('files that are not images, or not supported, are refused with a reason', async () => {
  const heicLike = Buffer.concat([
    Buffer.from([0, 0, 0, 0x18]),
    Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1'),
    Buffer.alloc(200, 7),
  ]);
  const cases: [string, Buffer, string][] = [
    ['empty.jpg', Buffer.alloc(0), 'empty file'],
    ['paper.pdf', Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n', 'latin1'), 'not an image (looks like a PDF)'],
    ['IMG_0001.HEIC', heicLike, 'unsupported format (HEIC)'],
    ['notes.txt', Buffer.from('Ants and bees\nsecond line\n'), 'not an image (looks like a text file)'],
    ['readme.jpg', Buffer.from('This is not really a JPEG.\n'), 'not an image (looks like a text file)'],
    ['logo.svg', Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'), 'unsupported format (SVG)'],
    ['photos.zip', Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(100)]), 'not an image (looks like a ZIP archive or office document)'],
    ['noise.jpg', Buffer.from(Array.from({ length: 400 }, (_, i) => (i * 97 + 13) % 256)), 'corrupt JPEG (the contents are not an image)'],
    ['noise.bin', Buffer.from(Array.from({ length: 400 }, (_, i) => (i * 97 + 13) % 256)), 'not an image (unrecognised contents)'],
  ];
  for (const [name, bytes, reason] of cases) assert.equal(await skipReason(bytes, name), reason, name);
});

test('corrupt and truncated JPEGs and PNGs are refused, not imported half grey', async () => {
  // Photographic detail, so the compressed data spans the whole file.
  const photo = sharp({
    create: { width: 400, height: 300, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 50 } },
  });
  const jpeg = await photo.clone().jpeg({ quality: 90 }).toBuffer();
  const progressive = await photo.clone().jpeg({ quality: 90, progressive: true }).toBuffer();
  const png = await photo.clone().png().toBuffer();
  for (const [label, bytes] of [['JPEG', jpeg], ['JPEG', progressive], ['PNG', png]] as const) {
    for (const keep of [0.3, 0.6, 0.95]) {
      const cut = bytes.subarray(0, Math.floor(bytes.length * keep));
      assert.equal(await skipReason(cut, `cut.${label.toLowerCase()}`), `truncated or corrupt ${label}`, `${label} ${keep}`);
    }
  }
  // A JPEG with a broken Huffman table.
  const badTable = Buffer.from(jpeg);
  const dht = badTable.indexOf(Buffer.from([0xff, 0xc4]));
  badTable.fill(0xff, dht + 5, dht + 25);
  assert.equal(await skipReason(badTable, 'table.jpg'), 'truncated or corrupt JPEG');
  // A PNG whose compressed pixels were damaged (its checksums no longer match).
  const badData = Buffer.from(png);
  const idat = badData.indexOf(Buffer.from('IDAT'));
  for (let i = idat + 200; i < idat + 1200; i++) badData[i]! ^= 0x55;
  assert.equal(await skipReason(badData, 'damaged.png'), 'truncated or corrupt PNG');
  // Only the signature and part of the header left.
  assert.equal(await skipReason(png.subarray(0, 20), 'header.png'), 'truncated or corrupt PNG');
});

// ---- decompression bombs ---------------------------------------------------

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A complete, valid greyscale PNG of zeros, written without ever holding its
 * pixels: one deflated block of zero rows is repeated (full flushes make the
 * blocks independent), so a 30000x30000 image is under a megabyte.
 */
function zeroPng(width: number, height: number): Buffer {
  const rowBytes = width + 1;
  const rowsPerBlock = Math.max(1, Math.floor(4_000_000 / rowBytes));
  const deflate = (rows: number) =>
    zlib.deflateRawSync(Buffer.alloc(rows * rowBytes), { level: 9, finishFlush: zlib.constants.Z_FULL_FLUSH });
  const block = deflate(rowsPerBlock);
  const parts = [Buffer.from([0x78, 0xda])];
  let rows = 0;
  for (; rows + rowsPerBlock <= height; rows += rowsPerBlock) parts.push(block);
  if (rows < height) parts.push(deflate(height - rows));
  // An empty final block, then Adler-32 of all-zero data: a = 1, b = byte count.
  parts.push(Buffer.from([0x03, 0x00]));
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE((((height * rowBytes) % 65521) * 65536 + 1) >>> 0);
  parts.push(adler);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', Buffer.concat(parts)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

test('the bomb generator writes real PNGs (checked at a decodable size)', async () => {
  const small = zeroPng(700, 1300);
  const image = await decodeImage(small, 'zeros.png');
  assert.deepEqual([image.format, image.width, image.height], ['png', 700, 1300]);
  const { at } = await pixelsOf(image.normalized);
  assert.ok(at(100, 100).every((v) => v < 10));
});

test('a 30000x30000 PNG bomb is refused from its header, with memory to spare', async () => {
  const bomb = zeroPng(30000, 30000);
  assert.ok(bomb.length < 2_000_000, `${bomb.length} bytes`);
  const meta = await sharp(bomb, { limitInputPixels: false }).metadata();
  assert.deepEqual([meta.width, meta.height], [30000, 30000]);
  const before = process.memoryUsage().rss;
  assert.equal(
    await skipReason(bomb, 'bomb.png'),
    'image too large (30000x30000 pixels; the limit is 100 megapixels)',
  );
  // Its pixels alone would take 900 MB.
  assert.ok(process.memoryUsage().rss - before < 200e6);
});

test('a JPEG whose header claims 40000x40000 pixels is refused before decoding', async () => {
  const bytes = Buffer.from(await halves(64, 48).jpeg().toBuffer());
  // Patch the frame header (SOF0: FF C0, length, precision, height, width).
  const sof = bytes.indexOf(Buffer.from([0xff, 0xc0]));
  assert.ok(sof > 0);
  bytes.writeUInt16BE(40000, sof + 5);
  bytes.writeUInt16BE(40000, sof + 7);
  assert.equal(await skipReason(bytes, 'huge.jpg'), 'image too large (40000x40000 pixels; the limit is 100 megapixels)');
});
