// The costlier training views are made while Pancake is idle: a training
// right after an import does not wait for them, and once the idle embedder
// has made them for every training image, the next training learns from
// them without being asked. A real core, project file and backbone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PancakeCore } from '../../main/core/core.js';
import { missingExtraViews } from '../../main/core/idle-embedding.js';
import { projectBackbone } from '../../main/ml/backbones.js';
import { countEmbeddings } from '../../db/ml-queries.js';
import { makeImageTree } from '../helpers/images.js';
import { tempDir } from '../helpers/temp.js';

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
