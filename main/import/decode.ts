// Turns the bytes of one image file into what a project keeps: a normalized
// copy (what embeddings are computed from) and a grid thumbnail. Anything
// that cannot become such a pair throws ImportSkipError with the reason.
import sharp, { type Metadata, type Sharp } from 'sharp';
import type { Raw } from '../ml/preprocess.js';
import { decodeBmp, readBmpHeader } from './bmp.js';
import { ImportSkipError } from './skip-error.js';
import type { ImageFormat } from '../../contract/types.js';
import { FORMAT_LABELS, sniffFormat } from './sniff.js';

// The development machines and many users' laptops have two cores; more
// libvips threads per image only add contention with the second decode.
sharp.concurrency(2);

/**
 * Anything larger is refused before its pixels are decoded: 100 MP is beyond
 * the cameras users are likely to own, and still decodes in under half a
 * gigabyte.
 */
export const MAX_PIXELS = 100_000_000;
const NORMALIZED_MAX_SIDE = 512;
const THUMBNAIL_SIDE = 192;

export interface DecodedImage {
  format: ImageFormat;
  /** Size of the original, after EXIF orientation. */
  width: number;
  height: number;
  /** sRGB JPEG, orientation applied, alpha flattened onto white, longest side at most 512. */
  normalized: Buffer;
  normalizedWidth: number;
  normalizedHeight: number;
  /** Fits inside the grid's cell; empty when the normalized copy already does, which then serves as the thumbnail. */
  thumbnail: Buffer;
  /** The pixels both JPEGs were encoded from: what the backbone's inputs are cut from (main/ml/preprocess.ts). */
  raster: Raw;
}

interface Source {
  pipeline: Sharp;
  width: number;
  height: number;
}

function checkPixels(width: number, height: number): void {
  if (width * height > MAX_PIXELS) {
    throw new ImportSkipError(
      `image too large (${width}x${height} pixels; the limit is ${MAX_PIXELS / 1_000_000} megapixels)`,
    );
  }
}

const corrupt = (format: ImageFormat) => new ImportSkipError(`truncated or corrupt ${FORMAT_LABELS[format]}`);

async function sharpSource(bytes: Buffer, format: ImageFormat): Promise<Source> {
  let meta: Metadata;
  try {
    // Header only: sharp's own pixel limit is lifted here so that an oversized
    // image can be named with its size instead of a generic failure.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw corrupt(format);
  }
  checkPixels(meta.width, meta.height);
  return {
    // 'truncated' rejects images whose data stops early, which libvips would
    // otherwise pad with grey. 'warning' would also reject the many phone
    // photos (Samsung, Pixel) that carry harmless libjpeg warnings such as
    // "extraneous bytes before marker" and display fine everywhere else.
    pipeline: sharp(bytes, { failOn: 'truncated', limitInputPixels: MAX_PIXELS, autoOrient: true }),
    width: meta.autoOrient.width,
    height: meta.autoOrient.height,
  };
}

function bmpSource(bytes: Buffer): Source {
  const header = readBmpHeader(bytes);
  checkPixels(header.width, header.height);
  const { data, width, height, channels } = decodeBmp(bytes, header);
  return {
    pipeline: sharp(data, { raw: { width, height, channels }, limitInputPixels: MAX_PIXELS }),
    width,
    height,
  };
}

let originalsDecoded = 0;

/** Originals this process has decoded, for counting decodes per run (tests, the bench). */
export function originalDecodes(): number {
  return originalsDecoded;
}

interface SmallImage {
  format: ImageFormat;
  width: number;
  height: number;
  raster: Raw;
}

/** The one decode of an original: sniffed, checked against the limits, oriented, flattened, sRGB, longest side at most 512. */
async function decodeSmall(bytes: Buffer, fileName: string): Promise<SmallImage> {
  if (bytes.length === 0) throw new ImportSkipError('empty file');
  const sniffed = sniffFormat(bytes, fileName);
  if (sniffed.kind === 'other') throw new ImportSkipError(sniffed.reason);
  const { format } = sniffed;
  originalsDecoded++;
  const source = format === 'bmp' ? bmpSource(bytes) : await sharpSource(bytes, format);
  let decoded;
  try {
    decoded = await source.pipeline
      .resize(NORMALIZED_MAX_SIDE, NORMALIZED_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch {
    throw corrupt(format);
  }
  const { data, info } = decoded;
  if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels instead of 3`);
  return { format, width: source.width, height: source.height, raster: { data, width: info.width, height: info.height } };
}

const open = (r: Raw): Sharp => sharp(r.data, { raw: { width: r.width, height: r.height, channels: 3 } });

export async function decodeImage(bytes: Buffer, fileName: string): Promise<DecodedImage> {
  const small = await decodeSmall(bytes, fileName);
  // A photo that already fits inside the cell gets no thumbnail of its own:
  // it would be the same pixels again (160x120 photos: 0.9 times the
  // source's bytes once more), and the grid scales the copy as it would a thumbnail.
  const fits = small.raster.width <= THUMBNAIL_SIDE && small.raster.height <= THUMBNAIL_SIDE;
  const [normalized, thumbnail] = await Promise.all([
    // Without the second, Huffman-optimising pass: the same pixels, 3% more
    // bytes, half the encoding time (docs/benchmarks.md).
    open(small.raster).jpeg({ quality: 90, optimiseCoding: false }).toBuffer(),
    // Never enlarged: the grid crops and scales it.
    fits
      ? Buffer.alloc(0)
      : open(small.raster).resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 80 }).toBuffer(),
  ]);
  return {
    format: small.format,
    width: small.width,
    height: small.height,
    normalized,
    normalizedWidth: small.raster.width,
    normalizedHeight: small.raster.height,
    thumbnail,
    raster: small.raster,
  };
}

/**
 * The raster alone, pixel for pixel the one an import cuts its backbone
 * inputs from: what predict, evaluate and Try it embed, so that a photo gets
 * the embedding its import gave it.
 */
export async function decodeOriginal(bytes: Buffer, fileName: string): Promise<Raw> {
  return (await decodeSmall(bytes, fileName)).raster;
}
