// `node dist/test/tools/live-speed.js [5000 20000 ...]`: how long the live
// model takes to give new guesses after one label change, through its real
// worker, on projects of the given sizes. The vectors are real hymenoptera
// embeddings (plain and mirror) repeated with a little noise, spread over 12
// classes, so the cost is that of a real 1280-d, 12-class project; each size
// is the labelled count, and a quarter as many unlabelled images are guessed
// on every run.
import '../../main/ml/telemetry-off.js';
import path from 'node:path';
import { ProjectStore } from '../../db/project-store.js';
import { getEmbeddings } from '../../db/ml-queries.js';
import { importPaths } from '../../main/import/import-session.js';
import { Embedder } from '../../main/ml/embedder.js';
import { ensureEmbeddings } from '../../main/ml/embedding-cache.js';
import { LiveTrainer, type LiveRunRequest } from '../../main/ml/live-trainer.js';
import { seededRandom } from '../../main/ml/random.js';
import { FLIP_VIEW, PLAIN_VIEW } from '../../main/ml/views.js';
import { DEFAULT_BACKBONE } from '../../main/ml/backbones.js';
import { datasetDir } from '../helpers/datasets.js';
import { tempDir } from '../helpers/temp.js';

const CLASSES = 12;
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);

const store = ProjectStore.create(path.join(tempDir(), 'live-speed.pancake'));
await importPaths(store, [path.join(datasetDir('hymenoptera'), 'train')], { onProgress: () => undefined });
const ids = store.listImages().map((r) => r.id);
const embedder = await Embedder.open();
await ensureEmbeddings(store, embedder, ids.flatMap((imageId) => [PLAIN_VIEW, FLIP_VIEW].map((view) => ({ imageId, view }))));
await embedder.close();
const real = new Map<number, Float32Array[]>();
for (const e of getEmbeddings(store, DEFAULT_BACKBONE, ids, [PLAIN_VIEW, FLIP_VIEW])) {
  if (!real.has(e.imageId)) real.set(e.imageId, []);
  real.get(e.imageId)!.push(e.vector);
}
const pool = [...real.values()];
const random = seededRandom(7);

async function timeRun(trainer: LiveTrainer, request: LiveRunRequest): Promise<{ guessesMs: number; accuracyMs: number; fitMs: number }> {
  const started = performance.now();
  let guessesMs = 0;
  let fitMs = 0;
  await trainer.run(request, {
    onGuesses: (_g, info) => {
      guessesMs = performance.now() - started;
      fitMs = info.ms;
    },
    onAccuracy: () => undefined,
  });
  return { guessesMs, fitMs, accuracyMs: performance.now() - started };
}

for (const labelledCount of sizes.length > 0 ? sizes : [5000, 20000]) {
  const n = Math.round(labelledCount * 1.25);
  const trainer = new LiveTrainer();
  const views: [Float32Array, Float32Array][] = [];
  for (let i = 0; i < n; i++) {
    const [plain, mirror] = pool[i % pool.length]!;
    const noisy = (v: Float32Array) => Float32Array.from(v, (x) => Math.max(0, x + (random() - 0.5) * 0.2));
    views.push([noisy(plain!), noisy(mirror!)]);
  }
  const imageIds = Array.from({ length: n }, (_, i) => i + 1);
  trainer.addVectors(imageIds, views);
  const labels = Int32Array.from({ length: labelledCount }, (_, i) => i % CLASSES);
  const request = (): LiveRunRequest => ({
    classIds: Array.from({ length: CLASSES }, (_, c) => c + 1),
    labelled: {
      ids: Int32Array.from(imageIds.slice(0, labelledCount)),
      labels: Int32Array.from(labels),
      validation: new Uint8Array(labelledCount),
      folds: Uint8Array.from({ length: labelledCount }, (_, i) => i % 5),
    },
    unlabelled: Int32Array.from(imageIds.slice(labelledCount)),
  });
  const cold = await timeRun(trainer, request());
  const warm: Awaited<ReturnType<typeof timeRun>>[] = [];
  for (let k = 0; k < 3; k++) {
    labels[k] = (labels[k]! + 1) % CLASSES;
    warm.push(await timeRun(trainer, request()));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    `${labelledCount} labelled images, ${n - labelledCount} guessed: first fit ${Math.round(cold.guessesMs)} ms; ` +
      `after one label change, new guesses in ${Math.round(median(warm.map((w) => w.guessesMs)))} ms ` +
      `(fit ${Math.round(median(warm.map((w) => w.fitMs)))} ms), accuracy by k-fold ${Math.round(median(warm.map((w) => w.accuracyMs)))} ms`,
  );
  trainer.dispose();
}
store.close();
