// trainingReadiness tells the UI why Train is blocked and which defaults a
// training would use, so the Advanced settings show what train() really does.
import '../../../main/ml/telemetry-off.js';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { contract } from '../../../contract/contract.js';
import { PancakeCore } from '../../../main/core/core.js';
import { makeImageTree } from '../../helpers/images.js';
import { tempDir } from '../../helpers/temp.js';

const core = new PancakeCore({ stateDir: tempDir(), host: 'cli' });
after(() => core.shutdown());

test('an empty project is not ready, says why, and reports defaults that train accepts', async () => {
  await core.api.projectCreate({ path: `${tempDir()}/empty.pancake` });
  await core.api.classCreate({ name: 'cats' });
  const r = await core.api.trainingReadiness({});
  assert.equal(r.ready, false);
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0]!, /at least two classes/);
  // The Advanced settings start from these, so each must be a value train's own validator takes.
  assert.deepEqual(contract.train.params.parse({ jobId: 'check', settings: r.defaults }).settings, r.defaults);
  assert.equal(r.defaults.augment, false);
  assert.equal(r.activeVersionId, null);
  assert.equal(r.activeOutOfDate, false);
});

test('the defaults a ready project reports are the settings a training without settings records', async () => {
  const dir = tempDir();
  const files = await makeImageTree(path.join(dir, 'photos'), { cats: 6, dogs: 6 });
  await core.api.projectCreate({ path: path.join(dir, 'ready.pancake') });
  await core.api.importPaths({ jobId: 'import', paths: [path.join(dir, 'photos')] });
  const r = await core.api.trainingReadiness({});
  assert.equal(r.ready, true, r.problems.join(' '));
  assert.equal(r.labelled, files.length);

  const { versionId } = await core.api.train({ jobId: 'train' });
  const { settings } = await core.api.versionGet({ id: versionId });
  assert.deepEqual(
    {
      epochs: settings.epochs,
      learningRate: settings.learningRate,
      hiddenUnits: settings.hiddenUnits,
      augment: settings.augment,
      validationShare: settings.validationShare,
    },
    r.defaults,
  );
  assert.equal(settings.backbone, r.backbone);
});
