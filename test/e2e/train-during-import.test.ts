// While an import runs, Train shows the import's progress, not a red "Not
// ready to train yet": what is missing is on its way. Once the import is
// done, Train is ready. In the real renderer on a real browser host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeImageTree } from '../helpers/images.js';
import { startSession } from './harness.js';
import { closeImportReport, createProject, waitForImportReport } from './steps.js';

const CLASSES = ['bag', 'boots', 'dress', 'hat', 'jacket', 'jeans', 'scarf', 'shirt', 'shorts', 'skirt', 'socks', 'sweater'];

test('Train shows the running import instead of "Not ready to train yet"', { timeout: 600_000 }, async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pancake-train-during-import-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const folder = path.join(root, 'clothes');
  // Enough files that the import is still running when the page has drawn its first progress.
  await makeImageTree(folder, Object.fromEntries(CLASSES.map((c) => [c, 25])));

  const session = await startSession({ viewport: { width: 1280, height: 800 } });
  t.after(() => session.close());
  const { page } = session;
  await createProject(page, 'Clothes');
  await page.getByTestId('tab-train').click();
  // An empty project is not ready, and says so.
  await page.getByTestId('train-blocked').waitFor();

  await page.getByTestId('folder-input').setInputFiles(folder);
  const waiting = page.getByTestId('train-waiting-import');
  await waiting.waitFor();
  assert.equal(await page.getByTestId('train-blocked').count(), 0, 'no red "Not ready" while the import runs');
  assert.match(await waiting.innerText(), /Importing images.*Train when the import is done/s);
  await session.screenshot('train-during-import');

  await waitForImportReport(page);
  await closeImportReport(page);
  await page.locator('[data-testid="train-button"]:not([disabled])').waitFor();
  assert.equal(await waiting.count(), 0);
  assert.equal(await page.getByTestId('train-blocked').count(), 0);
});
