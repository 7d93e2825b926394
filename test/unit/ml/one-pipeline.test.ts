// One image pipeline: a photo gets the embedding its imported copy gets,
// whether it was imported, named to predict (a path) or dropped on Try it
// (its bytes), because every entry point normalizes it with the import's
// decoder before the same crop. Real photos, among them the GIF and the
// largest one, through the real importer, backbone and API handlers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PancakeCore } from '../../../main/core/core.js';
import type { Embedder } from '../../../main/ml/embedder.js';
import { predictStoredImages } from '../../../main/ml/predict-project.js';
import { ensureEmbeddings } from '../../../main/ml/embedding-cache.js';
import { loadVectors } from '../../../main/ml/vectors-by-image.js';
import { DEFAULT_BACKBONE } from '../../../main/ml/backbones.js';
import { FLIP_VIEW, PLAIN_VIEW } from '../../../main/ml/views.js';
import { datasetDir, datasetManifest, type DatasetFile } from '../../helpers/datasets.js';
import { tempDir } from '../../helpers/temp.js';
import { cosine } from '../../helpers/vectors.js';

const DATASET = datasetDir('hymenoptera');
const COUNT = 20;
const MIN_COSINE = 0.999;

/** The GIF, the photo with the most pixels and the largest file, then an even spread of the rest. */
function pickPhotos(): DatasetFile[] {
  const all = datasetManifest('hymenoptera');
  const byPixels = [...all].sort((a, b) => b.width * b.height - a.width * a.height);
  const byBytes = [...all].sort((a, b) => b.bytes - a.bytes);
  const picked = new Set<DatasetFile>([...all.filter((f) => f.format.toLowerCase() === 'gif'), byPixels[0]!, byBytes[0]!]);
  for (let k = 0; picked.size < COUNT; k++) picked.add(all[Math.floor((k * all.length) / COUNT) % all.length]!);
  return [...picked];
}

const photos = pickPhotos();
const folder = tempDir();
const home = tempDir();
const core = new PancakeCore({ stateDir: home, host: 'cli' });
/** Copied file -> id of its imported image. */
const imageIds = new Map<string, number>();
let embedder: Embedder;

before(async () => {
  for (const p of photos) {
    const dir = path.join(folder, p.className);
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(path.join(DATASET, p.split, p.className, p.file), path.join(dir, p.file));
  }
  await core.api.projectCreate({ path: path.join(home, 'pipeline.pancake') });
  const report = await core.api.importPaths({ jobId: 'import', paths: [folder] });
  assert.equal(report.added, photos.length, JSON.stringify(report.skipped));
  for (const image of core.store.listImages()) imageIds.set(image.sourcePath, image.id);
  embedder = await core.embedders.get(DEFAULT_BACKBONE);
  const ids = [...imageIds.values()];
  await ensureEmbeddings(core.store, embedder, ids.flatMap((imageId) => [PLAIN_VIEW, FLIP_VIEW].map((view) => ({ imageId, view }))));
});

after(async () => {
  await core.embedders.closeAll();
});

test('the picked photos include the GIF and the largest photo, all imported', () => {
  assert.equal(photos.length, COUNT);
  assert.ok(photos.some((p) => p.format.toLowerCase() === 'gif'));
  assert.equal(imageIds.size, COUNT, [...imageIds.keys()].join(', '));
});

for (const view of [PLAIN_VIEW, FLIP_VIEW]) {
  test(`view ${view}: the file's path and its bytes embed as its imported copy does`, async (t) => {
    const files = [...imageIds.keys()];
    const stored = await loadVectors(core.store, DEFAULT_BACKBONE, [...imageIds.values()], [view]);
    const byPath = await embedder.embedMany(files.map((file) => ({ path: file })), view);
    const byBytes = await embedder.embedMany(files.map((file) => ({ name: path.basename(file), bytes: fs.readFileSync(file) })), view);
    let lowest = 1;
    files.forEach((file, i) => {
      const reference = stored.get(imageIds.get(file)!)?.get(view);
      assert.ok(reference, `no stored embedding for ${file}`);
      for (const [how, vector] of [['path', byPath[i]!], ['bytes', byBytes[i]!]] as const) {
        assert.ok(vector instanceof Float32Array, `${how} of ${file}: ${String(vector)}`);
        const c = cosine(reference, vector);
        lowest = Math.min(lowest, c);
        assert.ok(c >= MIN_COSINE, `${how} of ${path.basename(file)}: cosine ${c}`);
      }
    });
    t.diagnostic(`lowest cosine over ${files.length} photos, paths and bytes: ${lowest.toPrecision(9)}`);
  });
}

test('predictPaths and predictFiles (Try it) give the probabilities of the imported copies', async () => {
  const trained = await core.api.train({ jobId: 'train', settings: { augment: false } });
  assert.ok(trained.versionId > 0);
  const files = [...imageIds.keys()];
  const fromStore = await predictStoredImages(core.store, [...imageIds.values()], { embedder, topK: 2 });
  const classes = fromStore.classes;
  const expected = new Map(fromStore.predictions.map((p) => [p.imageId, p.probabilities]));
  const { results: byPath } = await core.api.predictPaths({ jobId: 'predict', paths: [folder], topK: 2 });
  const { results: byBytes } = await core.api.predictFiles({ files: files.map((f) => ({ name: path.basename(f), bytes: new Uint8Array(fs.readFileSync(f)) })), topK: 2 });
  assert.equal(byPath.length, files.length);
  const check = (file: string, predictions: { class: string; confidence: number }[]) => {
    const want = expected.get(imageIds.get(file)!)!;
    assert.equal(predictions.length, classes.length, file);
    for (const p of predictions) {
      const diff = Math.abs(p.confidence - want[classes.indexOf(p.class)]!);
      assert.ok(diff < 1e-4, `${path.basename(file)} ${p.class}: ${p.confidence} against ${want[classes.indexOf(p.class)]}`);
    }
  };
  for (const r of byPath) check(r.file, r.predictions);
  byBytes.forEach((r, i) => check(files[i]!, r.predictions));
});
