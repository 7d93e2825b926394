// A new user's first Train: no weights anywhere, so the Train view offers
// "Download MobileNetV2 (3.6 MB)" instead of a dead end. The download comes
// from a slow local mirror so its progress can be watched and cancelled;
// the second one finishes, and then Train works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSession, type Session } from './harness.js';
import { createProject, importFolder, IMPORT_TIMEOUT_MS } from './steps.js';
import { startMirror } from '../helpers/mirror-server.js';
import { datasetDir } from '../helpers/datasets.js';
import { originalFile } from '../helpers/originals.js';
import { MODEL_MANIFEST } from '../../main/models/manifest.js';

const DEFAULT = 'mobilenet_v2_1.0_224';
const TRAIN_TIMEOUT_MS = 5 * 60_000;
const v2 = MODEL_MANIFEST.find((m) => m.id === DEFAULT)!;

const originalBytes = () => fs.readFileSync(originalFile(DEFAULT));

/** A few photos per class: enough to train, quick to embed. */
async function smallPhotoSet(dir: string): Promise<string> {
  const hymenoptera = datasetDir('hymenoptera');
  for (const split of ['train', 'val']) {
    for (const cls of ['ants', 'bees']) {
      const from = path.join(hymenoptera, split, cls);
      const to = path.join(dir, split, cls);
      fs.mkdirSync(to, { recursive: true });
      for (const f of fs.readdirSync(from).filter((f) => f.endsWith('.jpg')).sort().slice(0, 12)) fs.copyFileSync(path.join(from, f), path.join(to, f));
    }
  }
  return dir;
}

test('missing weights are downloaded from the Train view, with progress and Cancel, and then Train works', { timeout: IMPORT_TIMEOUT_MS + TRAIN_TIMEOUT_MS }, async (t) => {
  // About six seconds for the whole file: long enough to see progress and cancel part way.
  const mirror = await startMirror(new Map([[v2.original.sha256, { slowly: originalBytes(), bytesPerSecond: 600_000 }]]));
  t.after(() => mirror.close());
  const emptyModels = fs.mkdtempSync(path.join(os.tmpdir(), 'pancake-no-models-'));
  const session: Session = await startSession({
    viewport: { width: 1280, height: 800 },
    env: { PANCAKE_MODELS_DIR: emptyModels, PANCAKE_NO_CHECKOUT_MODELS: '1', XDG_DATA_HOME: undefined, PANCAKE_MIRROR: mirror.url },
  });
  t.after(() => session.close());
  const { page } = session;
  const installed = path.join(session.home, '.local', 'share', 'pancake', 'models', DEFAULT);

  await createProject(page, 'First');
  await importFolder(page, await smallPhotoSet(fs.mkdtempSync(path.join(os.tmpdir(), 'pancake-photos-'))));
  await page.getByTestId('tab-train').click();
  await page.getByTestId('train-view').waitFor();

  const button = page.getByTestId('backbone-download-button');
  await button.waitFor();
  assert.equal((await button.innerText()).trim(), 'Download MobileNetV2 (3.6 MB)');
  assert.equal(await page.getByTestId('train-button').isDisabled(), true);
  assert.match(await page.getByTestId('train-blocked').innerText(), /Download the weights of MobileNetV2 first/);
  await session.screenshot('models-01-missing');

  // Cancel part way: nothing is installed and the button comes back.
  await button.click();
  await page.locator('[data-testid="backbone-download-detail"]:has-text("of 3.6 MB, about")').waitFor();
  assert.match(await page.getByTestId('train-blocked').innerText(), /Wait for MobileNetV2 to finish downloading/);
  await session.screenshot('models-02-downloading');
  await page.getByTestId('backbone-download-cancel').click();
  await page.getByTestId('backbone-download-cancelled').waitFor();
  assert.equal(fs.existsSync(installed), false);

  // The second Download finishes; the weights are installed in the user's models folder and Train can start.
  await page.getByTestId('backbone-download-button').click();
  await page.locator('[data-testid="backbone-download-phase"][data-phase="downloading"]').waitFor();
  await page.locator('[data-testid="train-button"]:not([disabled])').waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId('backbone-download').count(), 0);
  assert.equal(fs.existsSync(path.join(installed, 'onnx', `${DEFAULT}.onnx`)), true);
  await session.screenshot('models-03-ready');

  await page.getByTestId('train-button').click();
  await page.getByTestId('train-result').waitFor({ timeout: TRAIN_TIMEOUT_MS });
  assert.match(await page.getByTestId('train-result-accuracy').innerText(), /^\d+\.\d%$/);
  assert.ok(mirror.requests.every((r) => r === v2.original.sha256));
});
