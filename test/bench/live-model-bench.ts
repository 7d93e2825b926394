// The rows of issue 9 ("a model while you label"): import plus first model
// against one bare embedding pass over the same files, decodes per image,
// event-loop lag, live retrain time, time to the first live guesses, and
// the peak memory of a large import.
import { resolveBackbone } from '../../main/ml/backbones.js';
import { bareEmbeddingPass } from './bare-pass.js';
import { benchPhotos } from './bench-photos.js';
import { importAndFirstModel } from './first-model.js';
import { generatedPhotos } from './generated-photos.js';
import { importMemory } from './import-memory.js';
import type { Stall } from './lag-monitor.js';
import { liveModelRetrainer, liveRetrain } from './live-retrain.js';
import { addRow, fmt } from './table.js';

export interface LiveModelBenchSizes {
  /** Photos of about 500x375 for import plus first model. */
  photos: number;
  /** Labelled images for the live retrain. */
  retrain: number[];
  /** Generated photos for the memory run, and its time box. */
  importFiles: number;
  importSeconds: number;
}

export const FULL_SIZES: LiveModelBenchSizes = {
  photos: 1000,
  retrain: [5000, 20000],
  importFiles: 20000,
  importSeconds: 150,
};

export const QUICK_SIZES: LiveModelBenchSizes = {
  photos: 300,
  retrain: [5000],
  importFiles: 20000,
  importSeconds: 40,
};

/** PANCAKE_BENCH_PHOTOS and PANCAKE_BENCH_RETRAIN (sizes, comma-separated) override a preset. */
export function sizesFromEnv(preset: LiveModelBenchSizes): LiveModelBenchSizes {
  const sizes = { ...preset };
  if (process.env.PANCAKE_BENCH_PHOTOS) sizes.photos = Number(process.env.PANCAKE_BENCH_PHOTOS);
  if (process.env.PANCAKE_BENCH_RETRAIN) {
    sizes.retrain = process.env.PANCAKE_BENCH_RETRAIN.split(',').map(Number);
  }
  return sizes;
}

const RATIO_GOAL = 1.5;

const stallList = (stalls: Stall[]) =>
  stalls.length === 0 ? '' : `; longest stalls: ${stalls.map((s) => `${fmt(s.ms, 0)} ms in ${s.during}`).join(', ')}`;

const phaseList = (phases: Partial<Record<string, number>>) =>
  Object.entries(phases)
    .map(([phase, seconds]) => `${phase} ${fmt(seconds!)} s`)
    .join(', ');
const LAG_GOAL_MS = 50;
const MEMORY_GOAL_MB = 1000;
/** The issue's goals for a live retrain, in seconds, by labelled images. */
const RETRAIN_GOALS = new Map([
  [5000, 1],
  [20000, 3],
]);

export async function benchLiveModel(sizes: LiveModelBenchSizes): Promise<void> {
  console.error(`Making ${sizes.photos} photos of 500x375 (kept for later runs)…`);
  const photos = await benchPhotos(sizes.photos, (n) => console.error(`  ${n}`));

  // Bare passes before and after: the first-model run sits between them, so
  // their mean brackets the conditions it met on a machine whose load swings.
  console.error('Bare embedding pass, then import plus first model, then the bare pass again…');
  const bare1 = await bareEmbeddingPass(photos.files);
  const first = await importAndFirstModel(photos.dir);
  const bare2 = await bareEmbeddingPass(photos.files);
  const n = photos.files.length;
  const bareSeconds = (bare1.seconds + bare2.seconds) / 2;
  const bareCpu = (bare1.cpuSeconds + bare2.cpuSeconds) / 2;
  addRow(
    `Bare embedding pass, ${n} photos of 500x375 (sharp decode + centre crop, onnxruntime batch 1, sequential; before and after)`,
    [bare1, bare2].map((b) => `${fmt(b.seconds)} s (decode + crop ${fmt(b.decodeSeconds)} s, forward ${fmt(b.forwardSeconds)} s, ${fmt(b.cpuSeconds)} CPU s)`).join('; '),
  );
  const ratio = first.seconds / bareSeconds;
  addRow(
    `Import plus first trained model, same ${n} photos${first.images === n ? '' : ` (${first.images} imported)`} (importPaths + trainProject, defaults), against the mean bare pass`,
    `${fmt(first.seconds)} s = **${fmt(ratio, 2)}x** (${fmt(first.seconds / Math.max(bare1.seconds, bare2.seconds), 2)}x to ${fmt(first.seconds / Math.min(bare1.seconds, bare2.seconds), 2)}x against each pass); import ${fmt(first.importSeconds)} s; train ${fmt(first.trainSeconds)} s: ${phaseList(first.phaseSeconds)}`,
    `≤ ${RATIO_GOAL}x`,
    ratio <= RATIO_GOAL,
  );
  addRow(
    'The same in CPU time (all threads)',
    `${fmt(first.cpuSeconds)} CPU s = ${fmt(first.cpuSeconds / bareCpu, 2)}x the bare pass's ${fmt(bareCpu)} CPU s`,
  );
  addRow(
    'Images embedded by the import as it went / vectors added while the training ran (by it or the idle embedder)',
    `${first.embeddedByImport} / ${first.embeddedByTrain}`,
  );
  addRow(
    'Held-out accuracy of that first model',
    first.accuracy === null ? 'no validation images' : `${fmt(first.accuracy, 3)} on ${first.validationImages} images`,
  );
  addRow(
    'Decodes per image in that run (counted: originals decoded by the import, plus every decode the embedder made for the import, the live model and the training)',
    fmt(first.decodesPerImage, 2),
    '1',
    first.decodesPerImage <= 1,
  );
  addRow(
    'Main-thread event-loop lag p99, import plus first model (import with its embedding, live model, idle embedder and training, through the core)',
    `${fmt(first.lag.p99Ms)} ms (max ${fmt(first.lag.maxMs)} ms${stallList(first.lag.stalls)})`,
    `< ${LAG_GOAL_MS} ms`,
    first.lag.p99Ms < LAG_GOAL_MS,
  );
  addRow('Peak RSS of import plus first model', `${fmt(first.peakRssMb, 0)} MB`);
  const guess = first.firstGuessesSeconds;
  addRow(
    'From the import\'s last embedding (its return) to the live model\'s first guesses',
    guess === null
      ? 'no guesses within 30 s'
      : guess < 0
        ? `0 s: the first guesses came while the import ran, ${fmt(-guess, 1)} s before it returned (the draft refits at least every 2 s during an import)`
        : `${fmt(guess, 2)} s`,
    '< 2 s',
    guess !== null && guess < 2,
  );

  const backbone = resolveBackbone().spec.id;
  for (const size of sizes.retrain) {
    const goalSeconds = RETRAIN_GOALS.get(size);
    console.error(`Live retrain at ${size} labelled images…`);
    const retrainer = liveModelRetrainer();
    const { seconds, note } = await liveRetrain(retrainer, first.plainVectors, backbone, size);
    addRow(
      `Live retrain after one label change, ${size.toLocaleString('en')} labelled images (${retrainer.label}; jittered real embeddings)`,
      `${fmt(seconds, 2)} s (${note})`,
      goalSeconds === undefined ? '' : `< ${goalSeconds} s`,
      goalSeconds === undefined ? null : seconds < goalSeconds,
    );
  }

  console.error(`Making ${sizes.importFiles} small photos (kept for later runs)…`);
  const folder = await generatedPhotos({ count: sizes.importFiles, width: 320, height: 240, classes: 10 }, (d) => console.error(`  ${d}`));
  console.error(`Importing them, at most ${sizes.importSeconds} s…`);
  const mem = await importMemory(folder, sizes.importFiles, sizes.importSeconds);
  const whole = mem.imported >= mem.files;
  addRow(
    `Peak RSS of an import of ${mem.files.toLocaleString('en')} generated 320x240 photos through the core as the app runs it, embedding, live model and idle embedder included (own process, sampled every 100 ms)`,
    whole
      ? `${fmt(mem.peakMb, 0)} MB (${fmt(mem.seconds, 0)} s)`
      : `${fmt(mem.peakMb, 0)} MB after ${mem.imported.toLocaleString('en')} images in ${fmt(mem.seconds, 0)} s (time box); growth ${fmt(mem.growthMbPer1000)} MB per 1,000 over the second half, so about ${fmt(mem.projectedPeakMb, 0)} MB at ${mem.files.toLocaleString('en')}`,
    `< ${MEMORY_GOAL_MB} MB`,
    mem.projectedPeakMb < MEMORY_GOAL_MB,
  );
}
