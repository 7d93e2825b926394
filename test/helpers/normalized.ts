// The raster the app cuts a photo's backbone inputs from (the import's one
// decode, main/import/decode.ts), as a lossless PNG: for tests that feed the
// app's input to preprocessing of their own (an export's documented steps).
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { decodeOriginal } from '../../main/import/decode.js';

export async function normalizedPng(file: string): Promise<Buffer> {
  const r = await decodeOriginal(fs.readFileSync(file), path.basename(file));
  return sharp(r.data, { raw: { width: r.width, height: r.height, channels: 3 } }).png().toBuffer();
}
