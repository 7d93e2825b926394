// Import speed and memory: the hymenoptera set, and 5,000 generated photos
// (640x480 JPEGs in ten class folders). Run directly, or through the bench
// runner, which calls benchImport().
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { ProjectStore } from '../../db/project-store.js';
import { importPaths } from '../../main/import/import-session.js';
import { datasetDir } from '../helpers/datasets.js';

export interface Row {
  dataset: string;
  files: number;
  added: number;
  seconds: number;
  imagesPerSecond: number;
  /** Process CPU time (all threads) per added image: steadier than wall time on a shared machine. */
  cpuMsPerImage: number;
  /** Resident memory just before the import started. */
  startRssMb: number;
  /** Highest resident memory seen while it ran (sampled every 50 ms). */
  peakRssMb: number;
  projectMb: number;
}

const GENERATED = 5000;
const CLASSES = 10;
/** Kept between runs: generating 5,000 JPEGs takes longer than importing them. */
const GENERATED_DIR = path.join(os.tmpdir(), `pancake-bench-photos-${GENERATED}-v1`);
const COMPLETE_MARK = '.complete';

/** mulberry32: the same seed gives the same picture on every machine. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Smooth gradients with a little grain: compresses and decodes like a photo, unlike pure noise. */
function photo(seed: number, width = 640, height = 480): Promise<Buffer> {
  const rnd = random(seed);
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

async function ensureGenerated(): Promise<string> {
  if (fs.existsSync(path.join(GENERATED_DIR, COMPLETE_MARK))) return GENERATED_DIR;
  for (let c = 0; c < CLASSES; c++) fs.mkdirSync(path.join(GENERATED_DIR, `class${c}`), { recursive: true });
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < GENERATED; i = next++) {
      const file = path.join(GENERATED_DIR, `class${i % CLASSES}`, `${String(i).padStart(5, '0')}.jpg`);
      fs.writeFileSync(file, await photo(i + 1));
    }
  };
  await Promise.all([worker(), worker()]);
  fs.writeFileSync(path.join(GENERATED_DIR, COMPLETE_MARK), new Date().toISOString());
  return GENERATED_DIR;
}

const mb = (bytes: number) => Math.round(bytes / 1e6);

/** Closing checkpoints the WAL into the file, so its size is then the project's. */
function projectSize(store: ProjectStore, file: string): number {
  store.close();
  return mb(fs.statSync(file).size);
}

async function measure(dataset: string, folder: string): Promise<Row> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pancake-import-bench-'));
  const file = path.join(dir, 'bench.pancake');
  const store = ProjectStore.create(file);
  const startRss = process.memoryUsage().rss;
  let peakRss = startRss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  try {
    const report = await importPaths(store, [folder], { onProgress: () => undefined });
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    return {
      dataset,
      files: report.added + report.duplicates.length + report.skipped.length,
      added: report.added,
      seconds: Math.round(seconds * 10) / 10,
      imagesPerSecond: Math.round((report.added / seconds) * 10) / 10,
      cpuMsPerImage: Math.round((cpu.user + cpu.system) / 100 / report.added) / 10,
      startRssMb: mb(startRss),
      peakRssMb: mb(peakRss),
      projectMb: projectSize(store, file),
    };
  } finally {
    clearInterval(sampler);
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchImport(): Promise<Row[]> {
  const generated = await ensureGenerated();
  return [
    await measure('hymenoptera (398 photos, ~500x375)', datasetDir('hymenoptera')),
    await measure(`generated (${GENERATED} JPEGs, 640x480)`, generated),
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await benchImport();
  console.table(rows);
  // Other work on the machine slows the wall-clock figures; this says how much there was.
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.availableParallelism()} cores`);
}
