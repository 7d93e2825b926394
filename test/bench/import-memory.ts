// Peak memory of a large import, measured in a child process of its own so
// that nothing the bench loaded before counts: `node import-memory.js <folder>
// <seconds>` imports the folder into a new project through the core as the
// app runs it (host "browser": the import embeds as it goes, the live model
// and the idle embedder run), stops (cancels) after the time box, and prints
// one JSON line. importMemory() runs it and, when the
// time box cut the import short, extrapolates from how resident memory grew
// with the images imported over the second half of the run.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PancakeCore } from '../../main/core/core.js';

interface Sample {
  done: number;
  mb: number;
}

export interface ImportMemory {
  /** Files in the folder, and how many the time box let in. */
  files: number;
  imported: number;
  seconds: number;
  peakMb: number;
  /** MB per 1,000 images over the second half of the run (least squares); about 0 when memory is bounded. */
  growthMbPer1000: number;
  /** The peak expected had all files been imported: the measured peak when they were. */
  projectedPeakMb: number;
}

function growthPer1000(samples: Sample[]): number {
  const late = samples.slice(Math.floor(samples.length / 2));
  if (late.length < 2) return 0;
  const mx = late.reduce((a, s) => a + s.done, 0) / late.length;
  const my = late.reduce((a, s) => a + s.mb, 0) / late.length;
  const sxx = late.reduce((a, s) => a + (s.done - mx) ** 2, 0);
  const sxy = late.reduce((a, s) => a + (s.done - mx) * (s.mb - my), 0);
  return sxx > 0 ? (sxy / sxx) * 1000 : 0;
}

async function child(folder: string, seconds: number): Promise<void> {
  const files = Number(process.env.PANCAKE_BENCH_FILES);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pancake-import-memory-'));
  const core = new PancakeCore({ stateDir: path.join(dir, 'state'), host: 'browser' });
  await core.api.projectCreate({ path: path.join(dir, 'bench.pancake') });
  let done = 0;
  core.events.subscribe((e) => {
    if (e.type === 'progress' && e.jobId === 'import') done = e.done;
  });
  const samples: Sample[] = [];
  const sample = () => samples.push({ done, mb: process.memoryUsage.rss() / 1e6 });
  const timer = setInterval(sample, 100);
  const box = setTimeout(() => void core.api.cancelJob({ jobId: 'import' }), seconds * 1000);
  const started = performance.now();
  try {
    const report = await core.api.importPaths({ jobId: 'import', paths: [folder] });
    sample();
    const peakMb = Math.max(...samples.map((s) => s.mb));
    const growth = growthPer1000(samples);
    const result: ImportMemory = {
      files,
      imported: report.added,
      seconds: (performance.now() - started) / 1000,
      peakMb,
      growthMbPer1000: growth,
      projectedPeakMb: peakMb + Math.max(0, growth) * Math.max(0, files - report.added) / 1000,
    };
    console.log(JSON.stringify(result));
  } finally {
    clearInterval(timer);
    clearTimeout(box);
    core.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function importMemory(folder: string, files: number, seconds: number): Promise<ImportMemory> {
  const script = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [script, folder, String(seconds)],
      { env: { ...process.env, PANCAKE_BENCH_FILES: String(files) }, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`The import-memory run failed: ${stderr.trim() || err.message}`));
        else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as ImportMemory);
      },
    );
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await child(process.argv[2]!, Number(process.argv[3]));
}
