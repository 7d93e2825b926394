// The views an app's import leaves out are made while Pancake is idle: a
// training right after an import waits for nothing but the plain view, and
// once the idle embedder has made the mirror and the costlier views for
// every image, the next training learns from them and averages over the
// mirror without being asked. A real core, project file and backbone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PancakeCore } from '../../../main/core/core.js';
import { missingBackgroundViews } from '../../../main/core/idle-embedding.js';
import { projectBackbone } from '../../../main/ml/backbones.js';
import { getVersion } from '../../../main/ml/versions.js';
import { countEmbeddings, getEmbeddings, labelledImages } from '../../../db/ml-queries.js';
import { ALL_VIEWS, extraTrainingViews, FLIP_VIEW, PLAIN_VIEW } from '../../../main/ml/views.js';
import { makeImageTree } from '../../helpers/images.js';
import { tempDir } from '../../helpers/temp.js';

/** A browser-host core (so with its idle embedder) with 24 photos of two classes just imported. */
async function importedProject(): Promise<PancakeCore> {
  const root = tempDir();
  await makeImageTree(root, { reds: 12, blues: 12 });
  const core = new PancakeCore({ stateDir: tempDir(), host: 'browser' });
  await core.api.projectCreate({ path: path.join(tempDir(), 'idle.pancake') });
  await core.api.importPaths({ jobId: 'import', paths: [path.join(root, 'reds'), path.join(root, 'blues')] });
  return core;
}

test('the first model waits for nothing but the plain view; the idle embedder makes the rest and the next training uses them', async () => {
  const core = await importedProject();
  try {
    const backbone = projectBackbone(core.store);
    assert.equal(countEmbeddings(core.store, backbone), 24, 'the import embedded the plain view of each image, nothing else');
    await core.live.settled();
    assert.ok(core.live.standIns > 0, 'the draft learns from images with no mirror yet');

    // Straight after the import: the mirrors and extra views take several idle batches, and a job cancels them.
    const first = await core.api.train({ jobId: 'first' });
    const firstSettings = getVersion(core.store, first.versionId).settings;
    assert.deepEqual([firstSettings.views, firstSettings.tta, firstSettings.augment], [[PLAIN_VIEW], false, false]);
    assert.ok(missingBackgroundViews(core.store, backbone).length > 0);

    while (missingBackgroundViews(core.store, backbone).length > 0) await sleep(200);
    assert.equal(countEmbeddings(core.store, backbone), 24 * ALL_VIEWS.length);
    assert.equal((await core.api.trainingReadiness({})).defaults.augment, true);

    // The next run of the draft, which any change starts, takes the mirrors in.
    const [moved] = labelledImages(core.store);
    const other = core.store.classes().find((c) => c.id !== moved!.classId)!;
    await core.api.labelSet({ imageIds: [moved!.id], classId: other.id });
    await core.live.settled();
    assert.equal(core.live.standIns, 0);

    const second = await core.api.train({ jobId: 'second' });
    const secondSettings = getVersion(core.store, second.versionId).settings;
    assert.deepEqual([secondSettings.views, secondSettings.tta, secondSettings.augment], [[...ALL_VIEWS], true, true]);
  } finally {
    core.shutdown();
  }
});

test('a job starting cancels the idle batch in flight; every image keeps all its extra views or none, and the work resumes once the job ends', async () => {
  const core = await importedProject();
  try {
    const backbone = projectBackbone(core.store);
    const extraViews = extraTrainingViews();
    const ids = labelledImages(core.store).map((i) => i.id);
    const state = () => {
      const stored = getEmbeddings(core.store, backbone, ids, ALL_VIEWS);
      const extrasPerImage = ids.map((id) => stored.filter((e) => e.imageId === id && extraViews.includes(e.view)).length);
      return { mirrors: stored.filter((e) => e.view === FLIP_VIEW).length, extrasPerImage };
    };

    // Batches of eight images: three make the 24 mirrors, the fourth (the first of the extra views) is held at its start by the job.
    const batches: { outcome: string; mirrors: number; extrasPerImage: number[] }[] = [];
    const unwatch = core.idleEmbedding!.watch((e) => {
      if (e.state === 'progress' && batches.length === 3 && e.progress.done === 0) core.jobs.start('user-work', 'test');
      if (e.state === 'ended') batches.push({ outcome: e.outcome, ...state() });
    });
    // The idle embedder's timer does not keep the process alive; this wait does.
    while (batches.length < 4) await sleep(100);
    unwatch();
    assert.deepEqual(batches.map((b) => b.outcome), ['done', 'done', 'done', 'cancelled']);
    assert.deepEqual(batches.map((b) => b.mirrors), [8, 16, 24, 24], 'the mirrors of labelled images come first');
    for (const { extrasPerImage } of batches) {
      assert.ok(extrasPerImage.every((n) => n === 0 || n === extraViews.length), `extra views per image: ${extrasPerImage.join(',')}`);
    }
    assert.equal(batches[3]!.extrasPerImage.filter((n) => n > 0).length, 0, 'the cancelled batch added nothing');

    core.jobs.end('user-work');
    while (missingBackgroundViews(core.store, backbone).length > 0) await sleep(200);
    assert.equal(countEmbeddings(core.store, backbone), 24 * ALL_VIEWS.length);
  } finally {
    core.shutdown();
  }
});
