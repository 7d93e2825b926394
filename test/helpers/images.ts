// Small generated images for tests that need "some images", not real photos:
// each has a colour, so bytes, no other generated image has, so none is taken for a duplicate.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { ImageFormat } from '../../contract/types.js';

/** The formats the tests make photos in: a subset of what Pancake reads. */
type MadeFormat = Extract<ImageFormat, 'jpeg' | 'png' | 'gif' | 'webp'>;

let made = 0;

/** A 40x30 image of a colour no earlier call in this process used. */
export async function makeImage(file: string, format: MadeFormat = 'jpeg'): Promise<void> {
  const n = made++;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const background = { r: (n * 37) % 256, g: (n * 101 + 60) % 256, b: Math.floor(n / 7) % 256 };
  await sharp({ create: { width: 40, height: 30, channels: 3, background } }).toFormat(format).toFile(file);
}

/**
 * Fills `root` with `counts[folder]` images per folder (e.g. `{ 'train/ants': 5 }`),
 * named `<folder with - for />-<n>.jpg` so no two share a name; returns every file written.
 */
export async function makeImageTree(root: string, counts: Record<string, number>): Promise<string[]> {
  const files: string[] = [];
  for (const [folder, count] of Object.entries(counts)) {
    for (let i = 0; i < count; i++) {
      const file = path.join(root, folder, `${folder.split('/').join('-')}-${i + 1}.jpg`);
      await makeImage(file);
      files.push(file);
    }
  }
  return files;
}
