// Folders of generated photos in class folders, for imports larger than any
// shared dataset. Kept in the OS temp folder between runs: generating them
// takes longer than importing them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { seededRandom } from '../../main/ml/random.js';

const COMPLETE_MARK = '.complete';


/** Smooth gradients with a little grain: compresses and decodes like a photo, unlike pure noise. */
function photo(seed: number, width: number, height: number): Promise<Buffer> {
  const rnd = seededRandom(seed);
  // Clamped, so bright spots saturate instead of wrapping round to black.
  const data = new Uint8ClampedArray(width * height * 3);
  for (let c = 0; c < 3; c++) {
    const base = 40 + rnd() * 170;
    const fx = (rnd() * 6 + 1) / width;
    const fy = (rnd() * 6 + 1) / height;
    const px = rnd() * 2 * Math.PI;
    const py = rnd() * 2 * Math.PI;
    const cols = Float32Array.from({ length: width }, (_, x) => 40 * Math.sin(2 * Math.PI * fx * x + px));
    const rows = Float32Array.from({ length: height }, (_, y) => 40 * Math.sin(2 * Math.PI * fy * y + py));
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        data[(y * width + x) * 3 + c] = base + cols[x]! + rows[y]! + (rnd() - 0.5) * 24;
      }
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
}

export interface GeneratedSet {
  count: number;
  width: number;
  height: number;
  classes: number;
}

/** The folder of `count` JPEGs in `classes` class folders, made on first use. */
export async function generatedPhotos(set: GeneratedSet, onProgress?: (done: number) => void): Promise<string> {
  const dir = path.join(os.tmpdir(), `pancake-bench-photos-${set.count}-${set.width}x${set.height}-${set.classes}c-v1`);
  if (fs.existsSync(path.join(dir, COMPLETE_MARK))) return dir;
  for (let c = 0; c < set.classes; c++) fs.mkdirSync(path.join(dir, `class${c}`), { recursive: true });
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (let i = next++; i < set.count; i = next++) {
      const file = path.join(dir, `class${i % set.classes}`, `${String(i).padStart(5, '0')}.jpg`);
      if (!fs.existsSync(file)) fs.writeFileSync(file, await photo(i + 1, set.width, set.height));
      if (++done % 1000 === 0) onProgress?.(done);
    }
  };
  await Promise.all([worker(), worker()]);
  fs.writeFileSync(path.join(dir, COMPLETE_MARK), new Date().toISOString());
  return dir;
}
