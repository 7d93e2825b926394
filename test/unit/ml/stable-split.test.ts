// Which images are held out for validation depends on their content alone:
// adding images never moves an earlier one between training and
// validation, and the same files imported in another order split the same.
// Real imports into real project files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ProjectStore } from '../../../db/project-store.js';
import { labelledImages } from '../../../db/ml-queries.js';
import { importPaths } from '../../../main/import/import-session.js';
import { planTraining, type TrainingPlan } from '../../../main/ml/training-data.js';
import { makeImageTree } from '../../helpers/images.js';
import { tempDir } from '../../helpers/temp.js';

const SHARE = 0.2;

async function importInto(store: ProjectStore, folders: string[]): Promise<void> {
  await importPaths(store, folders, { onProgress: () => undefined });
}

const plan = (store: ProjectStore): TrainingPlan => planTraining(store.classes(), labelledImages(store), { validationShare: SHARE });
const heldOut = (p: TrainingPlan) => new Set(p.validation.map((i) => i.sha256));
const trained = (p: TrainingPlan) => new Set(p.train.map((i) => i.sha256));

test('adding images never moves an earlier image between training and validation; import order does not matter', async () => {
  const first = tempDir();
  const later = tempDir();
  await makeImageTree(first, { ants: 30, bees: 25 });
  await makeImageTree(later, { ants: 20, bees: 24 });

  const a = ProjectStore.create(path.join(tempDir(), 'a.pancake'));
  const b = ProjectStore.create(path.join(tempDir(), 'b.pancake'));
  try {
    await importInto(a, [path.join(first, 'ants'), path.join(first, 'bees')]);
    const before = plan(a);
    assert.equal(before.validationSource, 'holdout');
    assert.equal(before.train.length + before.validation.length, 55);

    await importInto(a, [path.join(later, 'ants'), path.join(later, 'bees')]);
    const after = plan(a);
    assert.equal(after.train.length + after.validation.length, 99);
    for (const sha of heldOut(before)) assert.ok(heldOut(after).has(sha), 'an image held out before is still held out');
    for (const sha of trained(before)) assert.ok(trained(after).has(sha), 'an image that trained before still trains');
    // About the share, from every class.
    assert.ok(after.validation.length >= 8 && after.validation.length <= 32, `${after.validation.length} of 99 held out`);
    for (const name of ['ants', 'bees']) assert.ok(after.validation.some((i) => i.className === name));

    // The same files, in another order and in one go, into another project.
    await importInto(b, [path.join(later, 'bees'), path.join(first, 'bees'), path.join(later, 'ants'), path.join(first, 'ants')]);
    const other = plan(b);
    assert.deepEqual([...heldOut(other)].sort(), [...heldOut(after)].sort());
    assert.deepEqual([...trained(other)].sort(), [...trained(after)].sort());
  } finally {
    a.close();
    b.close();
  }
});

test('the guard rails hold: every class gives at least one image to validation and keeps at least one to train', async () => {
  const root = tempDir();
  await makeImageTree(root, { small: 5, big: 40 });
  const store = ProjectStore.create(path.join(tempDir(), 'c.pancake'));
  try {
    await importInto(store, [path.join(root, 'small'), path.join(root, 'big')]);
    for (const share of [0.01, 0.2, 0.5]) {
      const p = planTraining(store.classes(), labelledImages(store), { validationShare: share });
      for (const name of ['small', 'big']) {
        assert.ok(p.validation.some((i) => i.className === name), `${name} gives one at ${share}`);
        assert.ok(p.train.some((i) => i.className === name), `${name} keeps one at ${share}`);
      }
    }
  } finally {
    store.close();
  }
});
