// Training and export end to end, in the real renderer on a real browser
// host with real onnxruntime and weights: import hymenoptera, train with
// the defaults while watching phases and curves, leave the tab and come
// back, read the new version's metrics, export it as ONNX (and again, over
// the same files), notice labels going out of date, copy the project; then
// the guard rail of a project with one class.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { datasetDir, samplePhotos } from '../helpers/datasets.js';
import { startSession, type Session } from './harness.js';
import { createProject, importFolder, IMPORT_TIMEOUT_MS } from './steps.js';

const TRAIN_TIMEOUT_MS = 10 * 60_000;

/**
 * Records every phase the progress panel shows, however briefly, so no phase
 * can slip between two polls. Page-side code is a string: this file is
 * compiled for Node, without the DOM's types.
 */
async function recordPhases(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    const seen = (window.seenPhases = []);
    const note = () => {
      const phase = document.querySelector('[data-testid="train-phase"]')?.getAttribute('data-phase');
      if (phase && seen[seen.length - 1] !== phase) seen.push(phase);
    };
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-phase'] });
  })()`);
}

async function seenPhases(page: Page): Promise<string[]> {
  return page.evaluate<string[]>('window.seenPhases');
}

async function epochsPlotted(page: Page, chart: string): Promise<number> {
  return Number(await page.getByTestId(chart).getAttribute('data-epochs'));
}

test('train hymenoptera from the Train view, inspect the version, export it', { timeout: IMPORT_TIMEOUT_MS + TRAIN_TIMEOUT_MS }, async (t) => {
  const session: Session = await startSession();
  t.after(() => session.close());
  const { page } = session;

  await createProject(page, 'Bugs');
  await importFolder(page, datasetDir('hymenoptera'));
  await page.locator('[data-testid="class-row-bees"][data-count="204"]').waitFor();

  // --- the Train view before training ---------------------------------
  await page.getByTestId('tab-train').click();
  await page.getByTestId('train-view').waitFor();
  const trainButton = page.getByTestId('train-button');
  await page.locator('[data-testid="train-button"]:not([disabled])').waitFor();
  assert.equal(await page.getByTestId('backbone-select').inputValue(), 'mobilenet_v2_1.0_224');
  assert.match(await page.getByTestId('train-summary').innerText(), /labelled images in 2 classes/);
  await page.getByTestId('versions-empty').waitFor();
  await page.getByTestId('advanced-settings').locator('summary').click();
  assert.equal(await page.getByTestId('adv-epochs').getAttribute('placeholder'), '100');
  await session.screenshot('training-01-ready');
  // Looking at the advanced settings without changing them must leave the defaults in charge.
  assert.equal(await page.getByTestId('advanced-changed').count(), 0);
  await page.getByTestId('advanced-settings').locator('summary').click();

  // --- train with the defaults ------------------------------------------
  await recordPhases(page);
  await trainButton.click();
  await page.locator('[data-testid="train-phase"][data-phase="training"]').waitFor();
  await session.screenshot('training-02-training');

  // Leaving the tab must not lose the run: the core's events keep arriving.
  await page.getByTestId('tab-images').click();
  await page.getByTestId('image-grid').waitFor();
  await page.getByTestId('tab-train').click();
  await page.getByTestId('train-progress').waitFor();

  await page.waitForFunction(() => (globalThis as unknown as { seenPhases: string[] }).seenPhases.includes('training'), null, {
    timeout: TRAIN_TIMEOUT_MS,
  });
  await page.locator('[data-testid="live-curves-loss"]:not([data-epochs="0"])').waitFor({ timeout: TRAIN_TIMEOUT_MS });
  await session.screenshot('training-03-training');

  const result = page.getByTestId('train-result');
  await result.waitFor({ timeout: TRAIN_TIMEOUT_MS });
  const phases = await seenPhases(page);
  // The import embedded every image under the views the first model learns
  // from, so nothing is embedded once training has begun.
  assert.ok(phases.includes('training'), `phases seen: ${phases.join(', ')}`);
  assert.ok(!phases.slice(phases.indexOf('training')).includes('embedding'), `phases seen: ${phases.join(', ')}`);
  const accuracy = Number(await result.getAttribute('data-accuracy'));
  assert.ok(accuracy >= 0.9, `validation accuracy ${accuracy}`);
  assert.equal(await result.getAttribute('data-validation-count'), '153');
  assert.match(await page.getByTestId('train-result-count').innerText(), /153 validation images/);
  assert.match(await page.getByTestId('train-result-accuracy').innerText(), /^\d+\.\d%$/);
  await session.screenshot('training-04-done');

  // --- the new version ----------------------------------------------------
  const row = page.getByTestId('version-row');
  await row.first().waitFor();
  assert.equal(await row.count(), 1);
  assert.equal(await row.getAttribute('data-active'), 'true');
  assert.equal(await row.getAttribute('data-out-of-date'), 'false');
  assert.equal(await row.getByTestId('version-validation-count').innerText(), '153');
  assert.equal(await row.getByTestId('version-accuracy').innerText(), await page.getByTestId('train-result-accuracy').innerText());

  await page.getByTestId('train-result-open').click();
  const details = page.getByTestId('version-details');
  await details.waitFor();
  await details.getByTestId('per-class-metrics').waitFor();
  assert.deepEqual(await details.getByTestId('per-class-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-class'))), ['ants', 'bees']);
  assert.equal(await details.getByTestId('details-validation-count').innerText(), '153');
  const cells = await details.getByTestId('confusion-cell').evaluateAll((cs) => cs.map((c) => Number(c.textContent)));
  assert.equal(cells.length, 4);
  assert.equal(cells.reduce((a, b) => a + b, 0), 153);
  // Every epoch the version stored reached the live charts (the last ones may land just after the result).
  const epochs = await epochsPlotted(page, 'version-curves-loss');
  assert.ok(epochs > 0);
  await page.locator(`[data-testid="live-curves-loss"][data-epochs="${epochs}"]`).waitFor();
  await page.locator(`[data-testid="live-curves-accuracy"][data-epochs="${epochs}"]`).waitFor();
  await details.scrollIntoViewIfNeeded();
  await session.screenshot('training-05-version-details');

  // --- export as ONNX through the dialog ---------------------------------
  const exportDir = path.join(session.home, 'exported', 'bugs-onnx');
  await details.getByTestId('details-export').click();
  const dialog = page.getByTestId('export-dialog');
  await dialog.waitFor();
  assert.ok(await dialog.getByTestId('export-format-onnx').locator('input').isChecked());
  assert.match(await dialog.getByTestId('export-dir').inputValue(), /exports[\\/]Bugs-Model-1-onnx$/);
  await dialog.getByTestId('export-dir').fill(exportDir);
  await session.screenshot('training-06-export-dialog');
  await dialog.getByTestId('export-start').click();
  await dialog.getByTestId('export-result').waitFor({ timeout: 5 * 60_000 });
  for (const file of ['model.onnx', 'labels.txt', 'README.md']) assert.ok(fs.existsSync(path.join(exportDir, file)), `${file} was written`);
  assert.equal(fs.readFileSync(path.join(exportDir, 'labels.txt'), 'utf8'), 'ants\nbees\n');
  assert.equal(await dialog.getByTestId('export-result-dir').innerText(), exportDir);
  await session.screenshot('training-07-exported');
  await dialog.getByTestId('export-close').click();
  await dialog.waitFor({ state: 'detached' });

  // The same folder again: refused with the reason, then replaced on request.
  await page.getByTestId('version-export').click();
  await dialog.getByTestId('export-dir').fill(exportDir);
  await dialog.getByTestId('export-start').click();
  await dialog.getByTestId('export-error').waitFor({ timeout: 5 * 60_000 });
  assert.match(await dialog.getByTestId('export-error').innerText(), /already exists/);
  await session.screenshot('training-08-export-exists');
  await dialog.getByTestId('export-replace').click();
  await dialog.getByTestId('export-result').waitFor({ timeout: 5 * 60_000 });
  await dialog.getByTestId('export-close').click();

  // --- labels change: the active version is out of date ------------------
  await page.getByTestId('tab-images').click();
  await page.getByTestId('filter-all').click();
  const cell = page.locator('[data-testid="grid-cell"][data-class="ants"]').first();
  await cell.click();
  await page.keyboard.press('2');
  await page.getByTestId('tab-train').click();
  await page.getByTestId('train-out-of-date').waitFor();
  await page.locator('[data-testid="version-row"][data-out-of-date="true"]').waitFor();
  assert.equal(await trainButton.innerText(), 'Train again');
  await page.getByTestId('train-view').evaluate((el) => el.scrollTo(0, 0));
  await session.screenshot('training-09-out-of-date');

  // --- train again with a custom setting, then compare and manage versions ---
  await page.getByTestId('advanced-settings').locator('summary').click();
  await page.getByTestId('adv-hidden').fill('64');
  await page.getByTestId('advanced-changed').waitFor();
  await trainButton.click();
  await page.locator('[data-testid="train-result"]').waitFor({ state: 'detached' });
  await page.getByTestId('train-result').waitFor({ timeout: TRAIN_TIMEOUT_MS });
  await page.locator('[data-testid="version-row"]:nth-child(2)').waitFor();
  const [second, first] = [row.nth(0), row.nth(1)];
  assert.equal(await second.getAttribute('data-active'), 'true');
  assert.equal(await first.getAttribute('data-active'), 'false');
  await page.getByTestId('train-out-of-date').waitFor({ state: 'detached' });
  await page.locator('[data-testid="version-details"] dd:text-is("64 units")').waitFor();

  await first.getByTestId('version-compare-check').check();
  await second.getByTestId('version-compare-check').check();
  const compare = page.getByTestId('version-compare');
  await compare.waitFor();
  await compare.locator('[data-testid="compare-f1-row"][data-class="bees"] td:not(:has-text("…"))').nth(1).waitFor();
  assert.equal(await compare.getByTestId('compare-accuracy').count(), 2);
  assert.ok(Number(await compare.getByTestId('compare-accuracy-chart').getAttribute('data-epochs')) > 0);
  await compare.scrollIntoViewIfNeeded();
  await session.screenshot('training-10-compare');

  await first.getByTestId('version-rename').click();
  await first.getByTestId('version-rename-input').fill('Baseline');
  await page.keyboard.press('Enter');
  await first.locator('[data-testid="version-name"]:text-is("Baseline")').waitFor();
  await first.getByTestId('version-set-active').click();
  await page.locator('[data-testid="version-row"][data-active="true"]:has([data-testid="version-name"]:text-is("Baseline"))').waitFor();

  // A finished training opens its version's details.
  assert.equal(await second.getByTestId('version-name').getAttribute('aria-expanded'), 'true');
  await page.locator('[data-testid="version-details"] h3:has-text("Model 2")').waitFor();
  await page.getByTestId('version-note').fill('hidden layer of 64');
  await page.getByTestId('version-note-save').click();
  await second.locator('.note-mark').waitFor();
  await second.getByTestId('version-delete').click();
  await page.getByTestId('confirm-ok').click();
  await page.locator('[data-testid="version-row"]:nth-child(2)').waitFor({ state: 'detached' });
  assert.equal(await row.count(), 1);
  assert.equal(await page.getByTestId('version-compare').count(), 0);

  // --- a copy of the whole project ----------------------------------------
  const copy = path.join(session.home, 'copies', 'Bugs backup.pancake');
  await page.getByTestId('project-menu-button').click();
  await page.getByTestId('menu-export-copy').click();
  await page.getByTestId('project-copy-path').fill(copy);
  await page.getByTestId('project-copy-save').click();
  await page.getByTestId('project-copy-result').waitFor({ timeout: 2 * 60_000 });
  assert.ok(fs.statSync(copy).size > 0);
  await session.screenshot('training-11-project-copy');
  await page.getByTestId('project-copy-dialog').getByRole('button', { name: 'Done' }).click();

  // --- guard rail: one class cannot train ----------------------------------
  await createProject(page, 'Only ants');
  // A few photos make the one class as well as seventy would.
  const onlyAnts = path.join(session.home, 'only', 'ants');
  samplePhotos(path.join(datasetDir('hymenoptera'), 'val', 'ants'), onlyAnts, 8);
  await importFolder(page, onlyAnts);
  await page.locator('[data-testid="class-row-ants"][data-count="8"]').waitFor();
  await page.getByTestId('tab-train').click();
  const blocked = page.getByTestId('train-blocked');
  await blocked.waitFor();
  assert.match(await blocked.innerText(), /at least two classes/);
  assert.ok(await trainButton.isDisabled());
  await page.getByTestId('versions-empty').waitFor();
  await session.screenshot('training-12-one-class');

  const pageErrors = session.hostLog.filter((l) => l.startsWith('[pageerror]'));
  assert.deepEqual(pageErrors, []);
});
