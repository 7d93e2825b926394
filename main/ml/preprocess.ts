// Turns encoded image bytes (or a file, BMP included) into the backbone's square RGB input
// under one view. The plain view matches the backbones' SOURCE.md: shorter
// side to the input size, then a centre crop, lanczos3. sharp's JPEG
// shrink-on-load keeps huge photos cheap.
import fs from 'node:fs';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { decodeBmp, readBmpHeader } from '../import/bmp.js';
import type { ViewSpec } from './views.js';

export type ImageSource = Uint8Array | string;

const isBmp = (b: Uint8Array) => b.length > 2 && b[0] === 0x42 && b[1] === 0x4d;

async function open(source: ImageSource): Promise<Sharp> {
  let input: Buffer | string =
    typeof source === 'string' ? source : Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  if (typeof input === 'string' && path.extname(input).toLowerCase() === '.bmp') input = await fs.promises.readFile(input);
  // libvips reads no BMP; the importer's reader does.
  if (typeof input !== 'string' && isBmp(input)) {
    const bmp = decodeBmp(input, readBmpHeader(input));
    return sharp(bmp.data, { raw: { width: bmp.width, height: bmp.height, channels: bmp.channels } });
  }
  // .rotate() without an angle applies the EXIF orientation.
  return sharp(input, { failOn: 'error' }).rotate();
}

interface Raw {
  data: Buffer;
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

/** HWC uint8 RGB pixels, size x size. */
export async function preprocess(source: ImageSource, view: ViewSpec, size: number): Promise<Uint8Array> {
  const simple = view.zoom === 1 && view.rotate === 0 && view.brightness === 1 && view.saturation === 1;
  if (simple) {
    const crop = await raw((await open(source)).resize(size, size, { fit: 'cover', position: 'centre', kernel: 'lanczos3' }));
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
  let img = await raw((await open(source)).resize({ width: side, height: side, fit: 'outside', kernel: 'lanczos3' }));
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
