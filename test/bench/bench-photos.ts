// A folder of real photos of about 500x375, the size the timings were
// taken on, in class folders: every photo of ../shared/datasets (hymenoptera,
// cats_vs_dogs), cover-cropped to 500x375, and as many mirrored or offset
// crops of them as it takes to reach the count. No train/val folders, so a
// training holds its own validation share out, as a user's first project does.
// Kept in the OS temp folder between runs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { sharedDatasetsDir } from '../helpers/datasets.js';

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

/** Needs ../shared/datasets; throws one sentence naming what is missing. */
export async function benchPhotos(count: number, onProgress?: (done: number) => void): Promise<BenchPhotos> {
  const dir = path.join(os.tmpdir(), `pancake-bench-${WIDTH}x${HEIGHT}-${count}-v1`);
  const missing = SOURCES.filter((name) => !fs.existsSync(path.join(sharedDatasetsDir, name)));
  if (missing.length > 0 && !fs.existsSync(path.join(dir, COMPLETE_MARK))) {
    throw new Error(`The ${WIDTH}x${HEIGHT} bench photos are made from ${missing.join(' and ')} in ${sharedDatasetsDir}, which this machine does not have.`);
  }
  if (!fs.existsSync(path.join(dir, COMPLETE_MARK))) {
    const sources = interleaved(SOURCES.flatMap((name) => jpegsUnder(path.join(sharedDatasetsDir, name))));
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
