// The refit: after the held-out images have chosen the epoch count, the
// saved head learns from them too, while the version's accuracy stays the
// one measured before, on images that head had not seen. An explicit
// validation split is never given back, and the seed never moves the
// held-out images. Real photos, real project file, real backbone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ProjectStore } from '../../../db/project-store.js';
import { importPaths } from '../../../main/import/import-session.js';
import { Embedder } from '../../../main/ml/embedder.js';
import type { HeadModel } from '../../../main/ml/head-format.js';
import { applyHead } from '../../../main/ml/predict.js';
import { trainProject } from '../../../main/ml/train.js';
import { loadTf } from '../../../main/ml/tf-backend.js';
import { DEFAULT_HEAD_SETTINGS, trainHead } from '../../../main/ml/train-head.js';
import { loadHead } from '../../../main/ml/versions.js';
import { loadVectors } from '../../../main/ml/vectors-by-image.js';
import { PLAIN_VIEW } from '../../../main/ml/views.js';
import { datasetDir } from '../../helpers/datasets.js';
import { tempDir } from '../../helpers/temp.js';

const TRAIN = path.join(datasetDir('hymenoptera'), 'train');
let store: ProjectStore;
let embedder: Embedder;

before(async () => {
  store = ProjectStore.create(path.join(tempDir(), 'refit.pancake'));
  // Class folders without a train/val parent: no validation split, so Pancake holds images out itself.
  await importPaths(store, [path.join(TRAIN, 'ants'), path.join(TRAIN, 'bees')], { onProgress: () => undefined });
  embedder = await Embedder.open();
});

after(async () => {
  await embedder.close();
  store.close();
});

/** Mean cross-entropy of a head on images, from their cached plain view. */
async function meanLoss(head: HeadModel, images: { imageId: number; trueClass: string }[]): Promise<number> {
  const index = await loadVectors(store, embedder.backbone.id, images.map((i) => i.imageId), [PLAIN_VIEW]);
  let sum = 0;
  for (const img of images) {
    const p = applyHead(head, index.get(img.imageId)!.get(PLAIN_VIEW)!);
    sum -= Math.log(Math.max(p[head.classes.indexOf(img.trueClass)]!, 1e-12));
  }
  return sum / images.length;
}

test('the saved head learned from the held-out images too, and the accuracy shown is the one measured before it did', async () => {
  const measured = await trainProject(store, { embedder, augment: false, refit: false });
  const refit = await trainProject(store, { embedder, augment: false });
  assert.equal(measured.refit, false);
  assert.equal(refit.refit, true);

  const heldOut = refit.metrics.predictions.map((p) => ({ imageId: p.imageId, trueClass: p.trueClass }));
  assert.ok(heldOut.length > 20, `${heldOut.length} held out`);
  const counts = refit.metrics.counts;
  assert.equal(counts.validation, heldOut.length);
  assert.equal(counts.trainImages + counts.validation, 245);
  assert.equal(counts.fitImages, 245);
  assert.equal(measured.metrics.counts.fitImages, counts.trainImages);

  // The same seed and data give the same first head, so the refit run's
  // figures are exactly those of the head that never saw the held-out images.
  assert.deepEqual(refit.metrics.validation, measured.metrics.validation);
  assert.deepEqual(refit.metrics.predictions, measured.metrics.predictions);
  assert.deepEqual(refit.metrics.history, measured.metrics.history);

  const [unseen, seen] = [loadHead(store, measured.versionId), loadHead(store, refit.versionId)];
  assert.notDeepEqual(seen.output.weights, unseen.output.weights);
  const [lossUnseen, lossSeen] = [await meanLoss(unseen, heldOut), await meanLoss(seen, heldOut)];
  assert.ok(lossSeen < lossUnseen, `held-out loss ${lossSeen} after the refit, ${lossUnseen} before`);
});

test('the seed does not move the held-out images', async () => {
  const [a, b] = [await trainProject(store, { embedder, augment: false, seed: 1 }), await trainProject(store, { embedder, augment: false, seed: 7 })];
  assert.deepEqual(
    a.metrics.predictions.map((p) => p.imageId),
    b.metrics.predictions.map((p) => p.imageId),
  );
});

test('images the user put in the validation split are never trained on', async () => {
  const ids = store.listImages().map((i) => i.id);
  const chosen = [...ids.slice(0, 10), ...ids.slice(-10)];
  store.setSplit(chosen, 'validation');
  try {
    const r = await trainProject(store, { embedder, augment: false });
    assert.equal(r.refit, false);
    assert.equal(r.metrics.counts.validation, 20);
    assert.equal(r.metrics.counts.fitImages, 225);
    assert.deepEqual(r.metrics.predictions.map((p) => p.imageId).sort((x, y) => x - y), [...chosen].sort((x, y) => x - y));
  } finally {
    store.setSplit(chosen, 'none');
  }
});

test('the refit trained alongside the choosing training ends with the weights a refit from scratch for the chosen epochs gets', async () => {
  const { tf } = await loadTf('cpu');
  const images = store.listImages();
  const index = await loadVectors(store, embedder.backbone.id, images.map((i) => i.id), [PLAIN_VIEW]);
  const dim = embedder.backbone.dim;
  const classes = store.classes().map((c) => c.id);
  const rows = images.filter((i) => i.classId !== null);
  const x = new Float32Array(rows.length * dim);
  rows.forEach((img, r) => x.set(index.get(img.id)!.get(PLAIN_VIEW)!, r * dim));
  const samples = () => ({ x: x.slice(), y: Int32Array.from(rows, (img) => classes.indexOf(img.classId!)) });
  const input = { backbone: embedder.backbone.id, dim, classes: ['ants', 'bees'], val: null };
  const chosen = 7;
  const settings = { ...DEFAULT_HEAD_SETTINGS, epochs: 40 };

  const fromScratch = await trainHead(tf, { ...input, train: samples(), settings: { ...settings, epochs: chosen, patience: chosen } });
  // The choice arrives three epochs late, as when the choosing training reports it while the refit runs ahead.
  let target = 0;
  let floor = 0;
  const alongside = await trainHead(
    tf,
    { ...input, train: samples(), settings: { ...settings, patience: settings.epochs } },
    (stats) => {
      floor = Math.min(stats.epoch, chosen - 2);
      if (stats.epoch === chosen + 3) target = chosen;
    },
    undefined,
    { target: () => target, floor: () => floor, wait: () => undefined },
  );
  assert.equal(alongside.history.length, chosen);
  assert.equal(alongside.bestEpoch, fromScratch.bestEpoch);
  assert.deepEqual(alongside.head, fromScratch.head);
});
