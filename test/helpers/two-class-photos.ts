// Two classes of clearly different made-up photos, for tests that need some
// labelled images to train on when ../shared/datasets is not here.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

sharp.concurrency(2);

/** Writes `<dir>/red/*.jpg` and `<dir>/blue/*.jpg` and returns `dir`. */
export async function twoClassPhotos(dir: string, perClass = 12): Promise<string> {
  const classes = [
    ['red', { r: 200, g: 30, b: 30 }],
    ['blue', { r: 30, g: 40, b: 210 }],
  ] as const;
  for (const [name, colour] of classes) {
    fs.mkdirSync(path.join(dir, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      // Noise of varying strength and place makes every photo of a class a different one.
      const noise = await sharp({ create: { width: 96, height: 96, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 + i } } })
        .png()
        .toBuffer();
      await sharp({ create: { width: 256, height: 256, channels: 3, background: colour } })
        .composite([{ input: noise, top: 16 + i * 8, left: 24 + i * 6, blend: 'overlay' }])
        .jpeg()
        .toFile(path.join(dir, name, `${i}.jpg`));
    }
  }
  return dir;
}
