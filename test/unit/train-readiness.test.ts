// trainingReadiness tells the UI why Train is blocked and which defaults a
// training would use, so the Advanced settings show what train() really does.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { PancakeCore } from '../../main/core/core.js';
import { DEFAULT_HEAD_SETTINGS } from '../../main/ml/train-head.js';
import { DEFAULT_VALIDATION_SHARE } from '../../main/ml/train.js';
import { tempDir } from '../helpers/temp.js';

const core = new PancakeCore({ stateDir: tempDir(), host: 'cli' });
after(() => core.shutdown());

test('an empty project is not ready, says why, and still reports the defaults', async () => {
  await core.api.projectCreate({ path: `${tempDir()}/empty.pancake` });
  await core.api.classCreate({ name: 'cats' });
  const r = await core.api.trainingReadiness({});
  assert.equal(r.ready, false);
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0]!, /at least two classes/);
  assert.deepEqual(r.defaults, {
    epochs: DEFAULT_HEAD_SETTINGS.epochs,
    learningRate: DEFAULT_HEAD_SETTINGS.learningRate,
    hiddenUnits: 0,
    augment: false,
    validationShare: DEFAULT_VALIDATION_SHARE,
  });
  assert.equal(r.activeVersionId, null);
  assert.equal(r.activeOutOfDate, false);
});
