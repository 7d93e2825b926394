// A folder dropped into the real renderer through the browser host's upload
// path is embedded as it is imported: the report says how many images the
// model can already use, and the project file holds their plain views; the
// idle embedder then makes the others, and the Train view says so while it
// works, and afterwards that a new training would learn from them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProjectStore } from '../../db/project-store.js';
import { ALL_VIEWS, PLAIN_VIEW } from '../../main/ml/views.js';
import { makeImageTree } from '../helpers/images.js';
import { startSession } from './harness.js';
import { closeImportReport, createProject, startFolderImport, waitForImportReport } from './steps.js';
import { projectSql } from '../helpers/project-sql.js';

const CLASSES = ['t-shirt', 'hat', 'outwear', 'skirt', 'longsleeve', 'dress', 'size 10', 'pants', 'size 2', 'shoes', 'shorts', 'bag'];

test('an upload is embedded as it is imported, and the report says so', { timeout: 300_000 }, async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pancake-import-embedding-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const folder = path.join(root, 'clothes');
  await makeImageTree(folder, Object.fromEntries(CLASSES.map((c) => [c, 3])));

  const session = await startSession({ viewport: { width: 1280, height: 800 } });
  t.after(() => session.close());
  const { page } = session;
  await createProject(page, 'Clothes');
  await startFolderImport(page, folder);
  const report = await waitForImportReport(page);
  const added = CLASSES.length * 3;
  assert.equal(await report.getByTestId('import-report-added').getAttribute('data-added'), String(added));
  assert.equal(await report.getByTestId('import-report-embedding').innerText(), `Embedded for the model: ${added} images`);
  await session.screenshot('import-report-embedded');

  const file = await page.getByTestId('project-menu-button').getAttribute('title');
  assert.ok(file?.endsWith('Clothes.pancake'), String(file));
  const count = (sql: string, ...args: string[]) => {
    const store = ProjectStore.open(file!);
    try {
      return (projectSql(store).prepare(sql).get(...args) as { n: number }).n;
    } finally {
      store.close();
    }
  };
  assert.equal(count('SELECT COUNT(*) AS n FROM embeddings WHERE view = ?', PLAIN_VIEW), added);

  await closeImportReport(page);
  await page.getByTestId('tab-train').click();
  const note = page.getByTestId('train-background-views');
  await note.waitFor();
  assert.match(await note.innerText(), /extra copies of your photos .*: \d+ images? to go/);
  await session.screenshot('train-background-views');

  // Trained at once, the first version waits for none of it; once it is made, the Train view says a new training would use it.
  await page.getByTestId('train-button').click();
  await page.getByTestId('train-result').waitFor({ timeout: 120_000 });
  await note.waitFor({ state: 'hidden', timeout: 120_000 });
  assert.equal(count('SELECT COUNT(*) AS n FROM embeddings'), added * ALL_VIEWS.length, 'every view of every image, once the note is gone');
  const ready = page.getByTestId('train-views-ready');
  await ready.waitFor();
  assert.match(await ready.innerText(), /made extra copies of your photos .* since .+ was trained\. Train again/);
  await session.screenshot('train-views-ready');
});
