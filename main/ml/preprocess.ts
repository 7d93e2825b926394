// Turns a normalized raster (see main/import/decode.ts: oriented, sRGB, no
// alpha, longest side at most 512) into the backbone's square RGB inputs.
// The raster comes from the import's one decode of an original, or from one
// decode of a stored JPEG copy (decodeCopy), and every view is cut from it
// (cutView), so six views cost one decode. The plain view matches the
// backbones' SOURCE.md: shorter side to the input size, then a centre crop,
// lanczos3; cut from a decoded copy it is byte for byte the crop sharp makes
// from the JPEG itself (test/unit/view-keys.test.ts). The copy's raster is
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

/** The one decode of a normalized copy: 3-channel sRGB pixels. */
export function decodeCopy(normalized: Uint8Array): Promise<Raw> {
  return raw(open(normalized));
}

/** HWC uint8 RGB pixels, size x size, of one view of a decoded copy. */
export async function cutView(decoded: Raw, view: ViewSpec, size: number): Promise<Uint8Array> {
  const simple = view.zoom === 1 && view.rotate === 0 && view.brightness === 1 && view.saturation === 1;
  if (simple) {
    const crop = await raw(fromRaw(decoded).resize(size, size, { fit: 'cover', position: 'centre', kernel: 'lanczos3' }));
    // sharp flops before it resizes and crops, whatever the call order, and a
    // centre crop with odd slack sits one pixel off centre: mirroring first
    // would show a crop one pixel away from the plain view's. Mirror the crop
    // itself, which is also all an exported model (fed the crop) can do.
    return pixels(view.flip ? await raw(fromRaw(crop).flop()) : crop, size);
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
