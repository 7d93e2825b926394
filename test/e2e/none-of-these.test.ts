// "None of these" and the label check, as a newcomer sees them at 1280x800
// with 12 classes: hymenoptera's ants and bees plus ten classes of generated
// colour swatches. A photo unlike all of them (a cat when ../shared has one,
// else a generated stripe pattern) is tried; then the labels are checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { datasetDir, findDataset } from '../helpers/datasets.js';
import { startSession } from './harness.js';
import { createProject, importFolder, IMPORT_TIMEOUT_MS } from './steps.js';

const TRAIN_TIMEOUT_MS = 10 * 60_000;
const JOB_TIMEOUT_MS = 5 * 60_000;

/** Ten classes of swatches, each its own hue in a few shades, beside hymenoptera's train photos. */
async function twelveClasses(): Promise<string> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pancake-e2e-twelve-'));
  fs.cpSync(path.join(datasetDir('hymenoptera'), 'train'), root, { recursive: true });
  for (let k = 0; k < 10; k++) {
    const dir = path.join(root, `swatch ${String.fromCharCode(97 + k)}`);
    fs.mkdirSync(dir);
    for (let i = 0; i < 6; i++) {
      const hue = (k * 36 * Math.PI) / 180;
      const light = 0.55 + i * 0.05;
      const channel = (shift: number) => Math.round(255 * Math.min(1, Math.max(0, light + 0.4 * Math.cos(hue + shift))));
      const background = { r: channel(0), g: channel((2 * Math.PI) / 3), b: channel((4 * Math.PI) / 3) };
      await sharp({ create: { width: 96, height: 72, channels: 3, background } }).jpeg().toFile(path.join(dir, `${k}-${i}.jpg`));
    }
  }
  return root;
}

async function strangerImage(): Promise<string> {
  const cats = findDataset('cats_vs_dogs');
  if (cats) {
    const dir = path.join(cats.dir, 'val', 'cats');
    return path.join(dir, fs.readdirSync(dir).sort()[0]!);
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pancake-e2e-stranger-')), 'stripes.png');
  const stripes = Buffer.alloc(224 * 224 * 3);
  for (let i = 0; i < 224 * 224; i++) stripes.fill(Math.floor(i / 224 / 14) % 2 ? 20 : 235, i * 3, i * 3 + 3);
  await sharp(stripes, { raw: { width: 224, height: 224, channels: 3 } }).png().toFile(file);
  return file;
}

test('an image unlike every class, and the label check short list', { timeout: IMPORT_TIMEOUT_MS + TRAIN_TIMEOUT_MS + 2 * JOB_TIMEOUT_MS }, async (t) => {
  const session = await startSession({ viewport: { width: 1280, height: 800 } });
  t.after(() => session.close());
  const { page } = session;

  await createProject(page, 'Twelve');
  await importFolder(page, await twelveClasses());
  await page.locator('[data-testid="class-row-swatch j"]').waitFor();
  await page.getByTestId('tab-train').click();
  await page.locator('[data-testid="train-button"]:not([disabled])').waitFor();
  await page.getByTestId('train-button').click();
  await page.getByTestId('train-result').waitFor({ timeout: TRAIN_TIMEOUT_MS });

  // --- Try it: the stranger is called out, a bee is not ------------------------
  await page.getByTestId('tab-try').click();
  const stranger = await strangerImage();
  const beeDir = path.join(datasetDir('hymenoptera'), 'val', 'bees');
  const bee = path.join(beeDir, fs.readdirSync(beeDir).sort()[1]!);
  await page.getByTestId('try-files-input').setInputFiles([stranger, bee]);
  const strange = page.locator(`[data-testid="try-result"][data-file="${path.basename(stranger)}"]`);
  const known = page.locator(`[data-testid="try-result"][data-file="${path.basename(bee)}"]`);
  await strange.getByTestId('try-prediction').first().waitFor({ timeout: JOB_TIMEOUT_MS });
  await known.getByTestId('try-prediction').first().waitFor({ timeout: JOB_TIMEOUT_MS });
  assert.match(await strange.getByTestId('try-out-of-set').innerText(), /This doesn't look like any of your classes/);
  assert.equal(await strange.getAttribute('data-out-of-set'), 'true');
  assert.ok((await strange.getByTestId('try-prediction').count()) > 0, 'the guesses are still shown');
  assert.equal(await known.getByTestId('try-out-of-set').count(), 0);
  await session.screenshot('none-of-these-01-try-out-of-set');

  // --- the label check: a short list, each with its reason --------------------
  await page.getByTestId('tab-evaluate').click();
  await page.getByTestId('label-check-run').click();
  await page.locator('[data-testid="label-check-count"], [data-testid="label-check-none"]').first().waitFor({ timeout: JOB_TIMEOUT_MS });
  const shortList = await page.getByTestId('label-check-item').count();
  assert.ok(shortList <= 10, `${shortList} on the short list`);
  for (const why of await page.getByTestId('label-check-why').allInnerTexts()) assert.match(why, /trained without this image|unlike every other image|base model is/);
  await page.getByTestId('label-check').scrollIntoViewIfNeeded();
  // Scrolling it into view may also scroll a too-wide pane sideways; the screenshot shows the pane from its left edge.
  await page.locator('body *').evaluateAll((els) => els.forEach((el) => (el.scrollLeft = 0)));
  await session.screenshot('none-of-these-02-label-check');

  assert.deepEqual(session.hostLog.filter((l) => l.startsWith('[pageerror]')), []);
});
