// Turns a normalized raster (see main/import/decode.ts: oriented, sRGB, no
// alpha, longest side at most 512) into the backbone's square RGB inputs.
// The raster comes from the import's one decode of an original, or from one
// decode of a stored JPEG copy (decodeCopy), and every view is cut from it
// (cutView), so six views cost one decode. The plain view matches the
// backbones' SOURCE.md: shorter side to the input size, then a centre crop,
// lanczos3; cut from a decoded copy it is byte for byte the crop sharp makes
// from the JPEG itself (test/unit/ml/view-keys.test.ts). The copy's raster is
// not the original's (JPEG's chroma subsampling): docs/benchmarks.md gives
// the cosine between their embeddings.
import sharp, { type Sharp } from 'sharp';
import type { ViewSpec } from './views.js';

const open = (normalized: Uint8Array): Sharp =>
  sharp(Buffer.from(normalized.buffer, normalized.byteOffset, normalized.byteLength), { failOn: 'error' });

export interface Raw {
  /** 3 channels, row by row; a Buffer here, a plain Uint8Array once it crossed to a worker. */
  data: Uint8Array;
  width: number;
  height: number;
}

async function raw(pipeline: Sharp): Promise<Raw> {
  // Transparent areas become white, as in the importer's normalized images.
  const { data, info } = await pipeline.flatten({ background: '#ffffff' }).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels instead of 3`);
  return { data, width: info.width, height: info.height };
}

function fromRaw(r: Raw): Sharp {
  return sharp(r.data, { raw: { width: r.width, height: r.height, channels: 3 } });
}

function pixels(r: Raw, size: number): Uint8Array {
  if (r.width !== size || r.height !== size) throw new Error(`decoded to ${r.width}x${r.height} instead of ${size}x${size}`);
  return new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength);
}

/** Columns in reverse order: exactly what sharp's flop() gives. */
function mirrored(square: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(square.length);
  const row = size * 3;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const from = y * row + x * 3;
      const to = y * row + (size - 1 - x) * 3;
      out[to] = square[from]!;
      out[to + 1] = square[from + 1]!;
      out[to + 2] = square[from + 2]!;
    }
  }
  return out;
}

/** The one decode of a normalized copy: 3-channel sRGB pixels. */
export function decodeCopy(normalized: Uint8Array): Promise<Raw> {
  return raw(open(normalized));
}

/** The plain and mirror views of one raster share their crop: one resize for both. */
const crops = new WeakMap<Raw, { size: number; crop: Promise<Uint8Array> }>();

function centreCrop(decoded: Raw, size: number): Promise<Uint8Array> {
  const known = crops.get(decoded);
  if (known?.size === size) return known.crop;
  const crop = raw(fromRaw(decoded).resize(size, size, { fit: 'cover', position: 'centre', kernel: 'lanczos3' })).then((r) => pixels(r, size));
  crops.set(decoded, { size, crop });
  return crop;
}

/** HWC uint8 RGB pixels, size x size, of one view of a decoded raster; never changed by the caller. */
export async function cutView(decoded: Raw, view: ViewSpec, size: number): Promise<Uint8Array> {
  const simple = view.zoom === 1 && view.rotate === 0 && view.brightness === 1 && view.saturation === 1;
  if (simple) {
    const crop = await centreCrop(decoded, size);
    // sharp flops before it resizes and crops, whatever the call order, and a
    // centre crop with odd slack sits one pixel off centre: mirroring first
    // would show a crop one pixel away from the plain view's. Mirror the crop
    // itself, which is also all an exported model (fed the crop) can do; in
    // JavaScript, because another sharp pipeline for it cost as much as the
    // resize (docs/benchmarks.md).
    return view.flip ? mirrored(crop, size) : crop;
  }
  // A square of side c rotated by a stays inside a picture whose shorter
  // side is c*(cos a + sin a); resize that large so no corner shows.
  const rad = (Math.abs(view.rotate) * Math.PI) / 180;
  const spread = Math.cos(rad) + Math.sin(rad);
  const side = Math.ceil(size * view.zoom * spread);
  let img = await raw(fromRaw(decoded).resize({ width: side, height: side, fit: 'outside', kernel: 'lanczos3' }));
  let region = { left: 0, top: 0, width: img.width, height: img.height };
  if (view.rotate !== 0) {
    const inner = Math.floor(Math.min(img.width, img.height) / spread);
    img = await raw(fromRaw(img).rotate(view.rotate));
    region = {
      left: Math.floor((img.width - inner) / 2),
      top: Math.floor((img.height - inner) / 2),
      width: inner,
      height: inner,
    };
  }
  const crop = {
    left: region.left + Math.round(Math.max(0, region.width - size) * view.x),
    top: region.top + Math.round(Math.max(0, region.height - size) * view.y),
    width: size,
    height: size,
  };
  let p = fromRaw(img).extract(crop).modulate({ brightness: view.brightness, saturation: view.saturation });
  if (view.flip) p = p.flop();
  return pixels(await raw(p), size);
}

/** One view of a normalized copy, for a single crop (tests, the bench); the embedder decodes once and cuts every view. */
export async function preprocess(normalized: Uint8Array, view: ViewSpec, size: number): Promise<Uint8Array> {
  return cutView(await decodeCopy(normalized), view, size);
}
