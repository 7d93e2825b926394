// How the app reports a model that was refit: the accuracy is the one
// measured on the held-out images, and the result, the versions table, the
// details and Evaluate say the saved model then learned from every
// labelled image. Twelve classes, in the real renderer on a real browser host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { makeImageTree } from '../helpers/images.js';
import { tempDir } from '../helpers/temp.js';
import { startSession } from './harness.js';
import { createProject, importFolder, IMPORT_TIMEOUT_MS } from './steps.js';

const CLASSES = ['t-shirt', 'hat', 'outwear', 'skirt', 'longsleeve', 'dress', 'size 10', 'pants', 'size 2', 'shoes', 'shorts', 'bag'];
const PER_CLASS = 6;
const TRAIN_TIMEOUT_MS = 5 * 60_000;

test('a refit model says what its accuracy was measured on and what it then learned from', { timeout: IMPORT_TIMEOUT_MS + TRAIN_TIMEOUT_MS }, async (t) => {
  const folder = path.join(tempDir(), 'clothes');
  await makeImageTree(folder, Object.fromEntries(CLASSES.map((c) => [c, PER_CLASS])));
  const all = CLASSES.length * PER_CLASS;
  const session = await startSession({ viewport: { width: 1280, height: 800 } });
  t.after(() => session.close());
  const { page } = session;

  await createProject(page, 'Clothes');
  await importFolder(page, folder);
  await page.getByTestId('tab-train').click();
  await page.locator('[data-testid="train-button"]:not([disabled])').click();

  const result = page.getByTestId('train-result');
  await result.waitFor({ timeout: TRAIN_TIMEOUT_MS });
  const heldOut = Number(await result.getAttribute('data-validation-count'));
  // Every class gives at least one image, and keeps at least one to learn from.
  assert.ok(heldOut >= CLASSES.length && heldOut < all, `${heldOut} held out`);
  assert.match(await page.getByTestId('train-result-count').innerText(), new RegExp(`^${heldOut} held-out images$`));
  assert.equal(
    await page.getByTestId('train-result-refit').innerText(),
    `The saved model then learned from all ${all} labelled images, the held-out ones too, for the same number of epochs.`,
  );
  await session.screenshot('refit-01-result');

  const row = page.getByTestId('version-row').first();
  assert.equal(await row.getByTestId('version-validation-count').innerText(), String(heldOut));
  assert.equal(await row.getByTestId('version-learned-from-count').innerText(), String(all));
  assert.match((await row.getByTestId('version-learned-from-count').getAttribute('title'))!, new RegExp(`the saved model then learned from all ${all}$`));

  await page.getByTestId('train-result-open').click();
  const details = page.getByTestId('version-details');
  await details.waitFor();
  const measured = await details.getByTestId('details-measured').innerText();
  assert.equal(await details.getByTestId('details-validation-count').innerText(), String(heldOut));
  assert.match(measured, new RegExp(`^Accuracy \\d+(\\.\\d)?% on ${heldOut} held-out images, measured while ${all - heldOut} images trained; the saved model then learned from all ${all}\\.$`));
  await details.scrollIntoViewIfNeeded();
  await session.screenshot('refit-02-details');

  // Evaluate shows the figures measured before the refit, and says so.
  await page.getByTestId('tab-evaluate').click();
  const basis = page.getByTestId('evaluate-basis');
  await basis.waitFor();
  assert.match(
    await basis.innerText(),
    new RegExp(`^Measured on ${heldOut} validation images \\(images Pancake held out from training\\) before the model learned from them: the saved model was then trained on every labelled image, these too\\.`),
  );
  const mistake = page.getByTestId('mistake').first();
  await mistake.waitFor();
  assert.equal(await mistake.getByTestId('card-used-as').innerText(), 'Checked on, then learned from');
  await session.screenshot('refit-03-evaluate');
});
