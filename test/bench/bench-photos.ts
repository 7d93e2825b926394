// A folder of real photos of about 500x375, the size the timings were
// taken on, in class folders: every photo of the test sets (hymenoptera,
// cats_vs_dogs), cover-cropped to 500x375, and as many mirrored or offset
// crops of them as it takes to reach the count. No train/val folders, so a
// training holds its own validation share out, as a user's first project does.
// Kept in the OS temp folder between runs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { findDataset } from '../helpers/datasets.js';

const COMPLETE_MARK = '.complete';
const WIDTH = 500;
const HEIGHT = 375;
const SOURCES = ['hymenoptera', 'cats_vs_dogs'];

function jpegsUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...jpegsUnder(full));
    else if (/\.jpe?g$/i.test(entry.name)) out.push(full);
  }
  return out;
}

/** The n-th pass over the sources: the plain picture first, then mirrored and offset crops, so every file has new content. */
async function variant(source: string, pass: number): Promise<Buffer> {
  const img = sharp(source, { autoOrient: true });
  if (pass === 0) return img.resize(WIDTH, HEIGHT, { fit: 'cover' }).jpeg({ quality: 90 }).toBuffer();
  const position = (['left top', 'right bottom', 'left bottom', 'right top'] as const)[(pass - 1) % 4]!;
  const zoom = 1 + 0.1 * Math.ceil(pass / 4);
  // One resize per sharp pipeline: zoom first, then crop the zoomed raster.
  const zoomed = await img.resize(Math.round(WIDTH * zoom), Math.round(HEIGHT * zoom), { fit: 'cover' }).raw().toBuffer({ resolveWithObject: true });
  const raster = sharp(zoomed.data, { raw: { width: zoomed.info.width, height: zoomed.info.height, channels: zoomed.info.channels } });
  return (pass % 2 === 1 ? raster.flop() : raster).resize(WIDTH, HEIGHT, { fit: 'cover', position }).jpeg({ quality: 90 }).toBuffer();
}

/** One photo of each class in turn, so that any count has every class in about equal shares. */
function interleaved(files: string[]): string[] {
  const byClass = new Map<string, string[]>();
  for (const f of files) {
    const c = path.basename(path.dirname(f));
    byClass.set(c, [...(byClass.get(c) ?? []), f]);
  }
  const lists = [...byClass.values()];
  const out: string[] = [];
  for (let i = 0; out.length < files.length; i++) for (const list of lists) if (i < list.length) out.push(list[i]!);
  return out;
}

export interface BenchPhotos {
  dir: string;
  files: string[];
}

/**
 * Made from the sets this machine has: hymenoptera always (npm run bench
 * fetches it into the test cache where ../shared is missing), cats_vs_dogs
 * only beside ../shared. The folder name says which, so the two never mix.
 */
export async function benchPhotos(count: number, onProgress?: (done: number) => void): Promise<BenchPhotos> {
  const found = SOURCES.map((name) => ({ name, dir: findDataset(name)?.dir })).filter((s): s is { name: string; dir: string } => s.dir !== undefined);
  if (found.length === 0) throw new Error(`The ${WIDTH}x${HEIGHT} bench photos are made from ${SOURCES.join(' or ')}, and this machine has neither: run \`node dist/test/prepare.js\`.`);
  const dir = path.join(os.tmpdir(), `pancake-bench-${WIDTH}x${HEIGHT}-${count}-${found.map((s) => s.name).join('+')}-v1`);
  if (!fs.existsSync(path.join(dir, COMPLETE_MARK))) {
    const sources = interleaved(found.flatMap((s) => jpegsUnder(s.dir)));
    for (let i = 0; i < count; i++) {
      const source = sources[i % sources.length]!;
      const className = path.basename(path.dirname(source));
      const file = path.join(dir, className, `${String(i).padStart(5, '0')}.jpg`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      if (!fs.existsSync(file)) fs.writeFileSync(file, await variant(source, Math.floor(i / sources.length)));
      if ((i + 1) % 250 === 0) onProgress?.(i + 1);
    }
    fs.writeFileSync(path.join(dir, COMPLETE_MARK), new Date().toISOString());
  }
  return { dir, files: jpegsUnder(dir) };
}
