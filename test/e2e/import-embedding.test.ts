// A folder dropped into the real renderer through the browser host's upload
// path is embedded as it is imported: the report says how many images the
// model can already use, and the project file holds their plain views (the
// app's idle embedder makes the others later).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProjectStore } from '../../db/project-store.js';
import { PLAIN_VIEW } from '../../main/ml/views.js';
import { makeImageTree } from '../helpers/images.js';
import { startSession } from './harness.js';
import { createProject, startFolderImport, waitForImportReport } from './steps.js';
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
  const store = ProjectStore.open(file!);
  try {
    const n = (projectSql(store).prepare('SELECT COUNT(*) AS n FROM embeddings WHERE view = ?').get(PLAIN_VIEW) as { n: number }).n;
    assert.equal(n, added);
  } finally {
    store.close();
  }
});
