// The dataset export from the project menu, before any model exists, in the
// real renderer on a real browser host: photos dropped as a folder (uploaded,
// so the host never learns their paths) come back byte for byte, under their
// own names, after the source folder is deleted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { datasetDir, datasetManifest } from '../helpers/datasets.js';
import { makeImageTree } from '../helpers/images.js';
import { startSession } from './harness.js';
import { closeImportReport, createProject, startFolderImport, waitForImportReport } from './steps.js';

const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function filesBelow(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

test('export the dataset from the project menu with no model: the originals, byte for byte', { timeout: 300_000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pancake-e2e-dataset-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  // Twelve classes: real photos of ants and bees, and ten more of generated images.
  const photos = path.join(dir, 'Insects');
  const source = datasetDir('hymenoptera');
  for (const className of ['ants', 'bees']) {
    const picked = datasetManifest('hymenoptera').filter((f) => f.split === 'train' && f.className === className).slice(0, 5);
    fs.mkdirSync(path.join(photos, className), { recursive: true });
    for (const f of picked) fs.copyFileSync(path.join(source, 'train', className, f.file), path.join(photos, className, f.file));
  }
  const others = ['beetles', 'butterflies', 'crickets', 'dragonflies', 'flies', 'hornets', 'ladybirds', 'mantises', 'moths', 'wasps'];
  await makeImageTree(photos, Object.fromEntries(others.map((c) => [c, 2])));
  const given = new Map(filesBelow(photos).map((f) => [f, sha256(path.join(photos, f))]));

  const session = await startSession({ viewport: { width: 1280, height: 800 } });
  t.after(() => session.close());
  const { page } = session;
  await page.getByTestId('start-screen').waitFor();
  await createProject(page, 'Insects');
  await startFolderImport(page, photos);
  const report = await waitForImportReport(page);
  const originals = report.getByTestId('import-report-originals');
  const kept = [...given.keys()].reduce((n, f) => n + fs.statSync(path.join(photos, f)).size, 0);
  assert.match((await originals.textContent()) ?? '', /^\s*Originals kept: [\d.]+ (KB|MB)\s*$/);
  await session.screenshot('dataset-export-01-import-report');
  await closeImportReport(page);
  fs.rmSync(photos, { recursive: true });

  await page.getByTestId('project-menu-button').click();
  const item = page.getByTestId('menu-export-dataset');
  assert.equal(await item.isDisabled(), false);
  assert.match((await page.getByTestId('menu-originals').textContent()) ?? '', new RegExp(`${given.size} images · originals kept: [\\d.]+ (KB|MB)`));
  await session.screenshot('dataset-export-02-project-menu');
  await item.click();

  const dialog = page.getByTestId('export-dialog');
  await dialog.waitFor();
  // No model exists, so the dialog offers the dataset alone.
  assert.deepEqual(await dialog.locator('[data-testid^="export-format-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid'))), [
    'export-format-dataset',
  ]);
  const out = path.join(dir, 'exported');
  await page.getByTestId('export-dir').fill(out);
  await session.screenshot('dataset-export-03-dialog');
  await page.getByTestId('export-start').click();
  await page.getByTestId('export-result').waitFor();
  await session.screenshot('dataset-export-04-done');
  assert.equal(await page.getByTestId('export-result').getAttribute('data-files'), String(given.size + 1));
  assert.doesNotMatch((await page.getByTestId('export-result').textContent()) ?? '', /JPEG copy/);

  // The upload's root folder is the project's, not a class; every class folder and file name comes back as given.
  const exported = filesBelow(out).filter((f) => f !== 'labels.csv');
  assert.deepEqual(exported, [...given.keys()]);
  for (const f of exported) assert.equal(sha256(path.join(out, f)), given.get(f), `${f} is the original, byte for byte`);
  assert.equal(exported.reduce((n, f) => n + fs.statSync(path.join(out, f)).size, 0), kept);
});
