// Import speed and memory on the hymenoptera set, and on 5,000 generated
// 640x480 photos when run directly (the bench runner measures a larger
// generated import in its own process: import-memory.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ProjectStore } from '../../db/project-store.js';
import { importPaths } from '../../main/import/import-session.js';
import { datasetDir } from '../helpers/datasets.js';
import { generatedPhotos } from './generated-photos.js';
import { startRssSampler } from './rss-sampler.js';

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
  const rss = startRssSampler();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  try {
    const report = await importPaths(store, [folder], { onProgress: () => undefined });
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const { peakMb } = rss.stop();
    return {
      dataset,
      files: report.added + report.duplicates.length + report.skipped.length,
      added: report.added,
      seconds: Math.round(seconds * 10) / 10,
      imagesPerSecond: Math.round((report.added / seconds) * 10) / 10,
      cpuMsPerImage: Math.round((cpu.user + cpu.system) / 100 / report.added) / 10,
      startRssMb: mb(startRss),
      peakRssMb: Math.round(peakMb),
      projectMb: projectSize(store, file),
    };
  } finally {
    rss.stop();
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchImport(): Promise<Row[]> {
  return [await measure('hymenoptera (398 photos, ~500x375)', datasetDir('hymenoptera'))];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const generated = await generatedPhotos({ count: 5000, width: 640, height: 480, classes: 10 });
  const rows = [...(await benchImport()), await measure('generated (5000 JPEGs, 640x480)', generated)];
  console.table(rows);
  // Other work on the machine slows the wall-clock figures; this says how much there was.
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.availableParallelism()} cores`);
}
