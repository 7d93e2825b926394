// "None of these": a model trained on hymenoptera photos says flat colour
// images are unlike anything it was trained on, and says so of few of its
// own kind of photos; predict, Suggestions and the stored version carry it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { PancakeCore } from '../../../main/core/core.js';
import { OUT_OF_SET_PERCENTILE, percentile } from '../../../main/ml/out-of-set.js';
import { activeVersion } from '../../../main/ml/versions.js';
import { makeImageTree } from '../../helpers/images.js';
import { tempDir } from '../../helpers/temp.js';
import { classFolder, photos, projectWith } from '../insights/insights-fixtures.js';

let core: PancakeCore;

before(async () => {
  core = await projectWith(classFolder({ ants: photos('train', 'ants', 60), bees: photos('train', 'bees', 60) }));
  await core.api.train({ jobId: 'train', settings: { augment: false } });
});

after(() => core.shutdown());

test('percentile takes the nearest rank', () => {
  assert.equal(percentile([5, 1, 4, 2, 3], 0.5), 3);
  assert.equal(percentile([5, 1, 4, 2, 3], 0.99), 5);
  assert.equal(percentile([5, 1, 4, 2, 3], 0), 1);
});

test('the version stores its rule: the percentile, a threshold and the images it learned from, which it measures to', () => {
  const version = activeVersion(core.store)!;
  const rule = version.metrics.outOfSet;
  assert.ok(rule);
  assert.equal(rule.percentile, OUT_OF_SET_PERCENTILE);
  assert.ok(rule.threshold > 0 && rule.threshold < 1, `threshold ${rule.threshold}`);
  // Every image the saved model learned from, the held-out ones too once they were given back.
  assert.equal(rule.referenceIds.length, version.metrics.counts.fitImages);
  assert.equal(version.metrics.counts.fitImages, 120);
});

test('flat colour images are out of set, validation photos mostly not', async () => {
  const flat = await makeImageTree(tempDir(), { flat: 8 });
  const own = [...photos('val', 'ants', 20), ...photos('val', 'bees', 20)];
  const { results } = await core.api.predictPaths({ jobId: 'predict', paths: [...flat, ...own] });
  const byFile = new Map(results.map((r) => [path.resolve(r.file), r]));
  for (const f of flat) {
    const r = byFile.get(path.resolve(f))!;
    assert.equal(r.outOfSet, true, `${path.basename(f)} is out of set`);
    assert.ok(r.predictions.length > 0, 'the guesses are still given');
  }
  const fired = own.filter((f) => byFile.get(path.resolve(f))!.outOfSet).length;
  console.log(`out of set: ${flat.length} of ${flat.length} flat images, ${fired} of ${own.length} validation photos`);
  assert.ok(own.every((f) => typeof byFile.get(path.resolve(f))!.outOfSet === 'boolean'));
  // The rule lets about 1% of photos like the training photos through by construction; a quarter would mean it is broken.
  assert.ok(fired < own.length / 4, `${fired} of ${own.length} validation photos called out of set`);
});

test('suggestions mark unlabelled images unlike the training set', async () => {
  const before = new Set((await core.api.listImages({})).images.map((i) => i.id));
  await core.api.importPaths({ jobId: 'import-flat', paths: await makeImageTree(tempDir(), { flat: 3 }) });
  const added = (await core.api.listImages({})).images.filter((i) => !before.has(i.id)).map((i) => i.id);
  assert.equal(added.length, 3);
  await core.api.labelSet({ imageIds: added, classId: null });
  const report = await core.api.suggestionsCompute({ jobId: 'suggest' });
  assert.deepEqual(report.items.filter((s) => s.outOfSet).map((s) => s.imageId).sort(), added.sort());
  assert.ok(report.items.every((s) => typeof s.outOfSet === 'boolean'));
});
