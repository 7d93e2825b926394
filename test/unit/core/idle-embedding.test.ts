// The costlier training views are made while Pancake is idle: a training
// right after an import does not wait for them, and once the idle embedder
// has made them for every training image, the next training learns from
// them without being asked. A real core, project file and backbone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PancakeCore } from '../../../main/core/core.js';
import { missingExtraViews } from '../../../main/core/idle-embedding.js';
import { projectBackbone } from '../../../main/ml/backbones.js';
import { countEmbeddings, labelledImages } from '../../../db/ml-queries.js';
import { extraTrainingViews } from '../../../main/ml/views.js';
import { makeImageTree } from '../../helpers/images.js';
import { tempDir } from '../../helpers/temp.js';

test('the first model waits for no extra view; the idle embedder makes them and the next training uses them', async () => {
  const root = tempDir();
  await makeImageTree(root, { reds: 12, blues: 12 });
  const core = new PancakeCore({ stateDir: tempDir(), host: 'browser' });
  try {
    await core.api.projectCreate({ path: path.join(tempDir(), 'idle.pancake') });
    await core.api.importPaths({ jobId: 'import', paths: [path.join(root, 'reds'), path.join(root, 'blues')] });
    const backbone = projectBackbone(core.store);

    // Straight after the import: 24 images' extra views take several idle batches, and a job cancels them.
    const first = await core.api.train({ jobId: 'first' });
    const versions = () => core.api.versionsList({}).then((r) => r.versions);
    assert.equal((await versions()).find((v) => v.id === first.versionId)!.settings.augment, false);
    assert.ok(missingExtraViews(core.store, backbone).length > 0);

    while (missingExtraViews(core.store, backbone).length > 0) await sleep(200);
    assert.equal(countEmbeddings(core.store, backbone), 24 * 6);
    assert.equal((await core.api.trainingReadiness({})).defaults.augment, true);

    const second = await core.api.train({ jobId: 'second' });
    assert.equal((await versions()).find((v) => v.id === second.versionId)!.settings.augment, true);
  } finally {
    core.shutdown();
  }
});

test('a job starting cancels the idle batch in flight; every image keeps all its extra views or none, and the work resumes once the job ends', async () => {
  const root = tempDir();
  await makeImageTree(root, { reds: 12, blues: 12 });
  const core = new PancakeCore({ stateDir: tempDir(), host: 'browser' });
  try {
    await core.api.projectCreate({ path: path.join(tempDir(), 'idle-cancel.pancake') });
    await core.api.importPaths({ jobId: 'import', paths: [path.join(root, 'reds'), path.join(root, 'blues')] });
    const backbone = projectBackbone(core.store);
    const extraViews = extraTrainingViews().length;
    /** Extra views each labelled image is still missing, by image. */
    const missingByImage = () => {
      const counts = new Map(labelledImages(core.store).map((i) => [i.id, 0]));
      for (const k of missingExtraViews(core.store, backbone)) counts.set(k.imageId, counts.get(k.imageId)! + 1);
      return [...counts.values()];
    };

    // The first batch runs to its end; the second is held at its start by the job.
    const batches: { outcome: string; missing: number[] }[] = [];
    const unwatch = core.idleEmbedding!.watch((e) => {
      if (e.state === 'progress' && batches.length === 1 && e.progress.done === 0) core.jobs.start('user-work', 'test');
      if (e.state === 'ended') batches.push({ outcome: e.outcome, missing: missingByImage() });
    });
    // The idle embedder's timer does not keep the process alive; this wait does.
    while (batches.length < 2) await sleep(100);
    unwatch();
    assert.equal(batches[0]!.outcome, 'done');
    assert.equal(batches[1]!.outcome, 'cancelled');
    for (const { missing } of batches) assert.ok(missing.every((n) => n === 0 || n === extraViews), `missing views per image: ${missing.join(',')}`);
    const complete = (missing: number[]) => missing.filter((n) => n === 0).length;
    assert.equal(complete(batches[0]!.missing), 8, 'the finished batch made its eight images');
    assert.equal(complete(batches[1]!.missing), 8, 'the cancelled batch added nothing');

    core.jobs.end('user-work');
    while (missingExtraViews(core.store, backbone).length > 0) await sleep(200);
    assert.equal(countEmbeddings(core.store, backbone), 24 * (2 + extraViews));
  } finally {
    core.shutdown();
  }
});
