// The labelling workflow end to end, in the real renderer on a real browser
// host: create a project, import hymenoptera through the folder input, check
// classes and splits, label by key and by drag, undo, reload, and find it all kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { datasetDir } from '../helpers/datasets.js';
import { startSession, type Session } from './harness.js';
import { closeImportReport, createProject, IMPORT_TIMEOUT_MS, startFolderImport, waitForImportReport } from './steps.js';

async function classCount(page: Page, name: string): Promise<number> {
  return Number(await page.getByTestId(`class-row-${name}`).getAttribute('data-count'));
}

/** Waits until a class row shows the given count (rows update after the core answers). */
async function waitForCount(page: Page, name: string, count: number): Promise<void> {
  await page.locator(`[data-testid="class-row-${name}"][data-count="${count}"]`).waitFor();
}

async function cellClasses(page: Page, ids: string[]): Promise<string[]> {
  return Promise.all(ids.map((id) => page.locator(`[data-testid="grid-cell"][data-image-id="${id}"]`).getAttribute('data-class').then((c) => c ?? '')));
}

test('create a project, import hymenoptera, label, undo, reload', { timeout: IMPORT_TIMEOUT_MS + 120_000 }, async (t) => {
  const session: Session = await startSession();
  t.after(() => session.close());
  const { page } = session;

  // --- start screen: create a project by name -------------------------
  await page.getByTestId('start-screen').waitFor();
  await session.screenshot('labelling-01-start');
  await createProject(page, 'Hymenoptera');
  assert.equal(await page.getByTestId('project-name').textContent(), 'Hymenoptera');
  await page.getByTestId('empty-project').waitFor();
  await session.screenshot('labelling-02-empty-project');

  // --- import the folder through the folder input ----------------------
  await startFolderImport(page, datasetDir('hymenoptera'));
  await session.screenshot('labelling-03-importing');
  const report = await waitForImportReport(page);
  await session.screenshot('labelling-04-report');

  const added = Number(await report.getByTestId('import-report-added').getAttribute('data-added'));
  const skippedText = (await report.getByTestId('import-report-skipped').count()) > 0 ? await report.getByTestId('import-report-skipped').innerText() : '';
  // The dataset's two notes are not images: each must be listed with a reason.
  assert.match(skippedText, /hymenoptera\/MANIFEST\.tsv\s+\S.+/);
  assert.match(skippedText, /hymenoptera\/SOURCE\.md\s+\S.+/);
  // The GIF placeholder is either imported into train/ants or listed as skipped with its reason.
  const gifSkipped = skippedText.includes('imageNotFound.gif');
  if (gifSkipped) assert.match(skippedText, /train\/ants\/imageNotFound\.gif\s+\S.+/);
  const antsTrain = gifSkipped ? 123 : 124;
  assert.equal(added, 397 + (gifSkipped ? 0 : 1));
  assert.match(await report.getByTestId('import-report-splits').innerText(), new RegExp(`Train\\s+${244 + (gifSkipped ? 0 : 1)}[\\s\\S]*Validation\\s+153`));
  assert.match(await report.getByTestId('import-report-classes').innerText(), /ants, bees|bees, ants/);
  await closeImportReport(page);

  // Thumbnails load through the host's session cookie, with no token in their address.
  const firstThumb = '[data-testid="grid-cell"] img';
  await page.waitForFunction(`(() => { const img = document.querySelector('${firstThumb}'); return !!img && img.complete && img.naturalWidth > 0; })()`);
  assert.doesNotMatch((await page.locator(firstThumb).first().getAttribute('src')) ?? '', /token/);

  // --- classes and splits as the folders said ---------------------------
  await waitForCount(page, 'ants', antsTrain + 70);
  assert.equal(await classCount(page, 'bees'), 204);
  assert.equal(await page.getByTestId('class-row-ants').getByTestId('class-splits').textContent(), `train ${antsTrain} · val 70`);
  assert.equal(await page.getByTestId('class-row-bees').getByTestId('class-splits').textContent(), 'train 121 · val 83');
  assert.equal(await page.getByTestId('count-all').textContent(), String(added));
  assert.equal(await page.getByTestId('count-unlabelled').textContent(), '0');
  if (!gifSkipped) {
    await page.getByTestId('search').fill('imageNotFound');
    const gif = page.getByTestId('grid-cell');
    await page.locator('[data-testid="image-grid"][data-visible-count="1"]').waitFor();
    assert.equal(await gif.getAttribute('data-class'), 'ants');
    assert.equal(await gif.getAttribute('data-split'), 'train');
    await page.getByTestId('search').fill('');
  }
  await page.getByTestId('grid-cell').first().waitFor();
  await session.screenshot('labelling-05-imported');

  // --- a new class, labelled by key 3 -----------------------------------
  await page.getByTestId('new-class-button').click();
  await page.getByTestId('new-class-input').fill('wasps');
  await page.keyboard.press('Enter');
  await waitForCount(page, 'wasps', 0);
  assert.equal(await page.getByTestId('class-row-wasps').locator('kbd').textContent(), '3');

  const cells = page.getByTestId('grid-cell');
  const keyed = [];
  for (let i = 0; i < 3; i++) keyed.push((await cells.nth(i).getAttribute('data-image-id'))!);
  const keyedBefore = await cellClasses(page, keyed);
  await cells.nth(0).click();
  await cells.nth(2).click({ modifiers: ['Shift'] });
  assert.equal(await page.getByTestId('selection-count').textContent(), '3 selected');
  const antsBefore = await classCount(page, 'ants');
  const beesBefore = await classCount(page, 'bees');
  await page.keyboard.press('3');
  await waitForCount(page, 'wasps', 3);
  assert.deepEqual(await cellClasses(page, keyed), ['wasps', 'wasps', 'wasps']);
  const fromAnts = keyedBefore.filter((c) => c === 'ants').length;
  assert.equal(await classCount(page, 'ants'), antsBefore - fromAnts);
  assert.equal(await classCount(page, 'bees'), beesBefore - (3 - fromAnts));
  await session.screenshot('labelling-06-keyed');

  // --- two more, dragged onto the class ---------------------------------
  const dragged = [(await cells.nth(4).getAttribute('data-image-id'))!, (await cells.nth(5).getAttribute('data-image-id'))!];
  const draggedBefore = await cellClasses(page, dragged);
  assert.ok(!draggedBefore.includes('wasps'));
  await cells.nth(4).click();
  await cells.nth(5).click({ modifiers: ['Control'] });
  await cells.nth(5).dragTo(page.getByTestId('class-row-wasps'));
  await waitForCount(page, 'wasps', 5);
  assert.deepEqual(await cellClasses(page, dragged), ['wasps', 'wasps']);
  await session.screenshot('labelling-07-dragged');

  // --- undo the drag ----------------------------------------------------
  assert.match((await page.getByTestId('undo-button').getAttribute('title')) ?? '', /move 2 images to wasps/);
  await page.getByTestId('image-grid').focus();
  await page.keyboard.press('Control+z');
  await waitForCount(page, 'wasps', 3);
  assert.deepEqual(await cellClasses(page, dragged), draggedBefore);
  assert.match((await page.getByTestId('undo-button').getAttribute('title')) ?? '', /move 3 images to wasps/);
  await page.locator('[data-testid="redo-button"]:not([disabled])').waitFor();
  const antsAfter = await classCount(page, 'ants');
  const beesAfter = await classCount(page, 'bees');
  assert.equal(antsAfter + beesAfter + 3, added);
  await session.screenshot('labelling-08-undone');

  // --- reload: everything kept -----------------------------------------
  await page.reload();
  await page.getByTestId('workspace').waitFor();
  await waitForCount(page, 'wasps', 3);
  assert.equal(await classCount(page, 'ants'), antsAfter);
  assert.equal(await classCount(page, 'bees'), beesAfter);
  assert.equal(await page.getByTestId('count-all').textContent(), String(added));
  await page.locator(`[data-testid="grid-cell"][data-image-id="${keyed[0]}"]`).waitFor();
  assert.deepEqual(await cellClasses(page, keyed), ['wasps', 'wasps', 'wasps']);
  assert.deepEqual(await cellClasses(page, dragged), draggedBefore);
  await session.screenshot('labelling-09-reloaded');

  const pageErrors = session.hostLog.filter((l) => l.startsWith('[pageerror]'));
  assert.deepEqual(pageErrors, []);
});

test('the start screen explains files it cannot open and forgets missing projects', { timeout: 120_000 }, async (t) => {
  const session: Session = await startSession();
  t.after(() => session.close());
  const { page } = session;

  // A project that later disappears stays in Recent, greyed, with Forget.
  await page.getByTestId('new-project-name').fill('Vanishing');
  await page.getByTestId('new-project-create').click();
  await page.getByTestId('workspace').waitFor();
  const projectPath = await page.getByTestId('project-menu-button').getAttribute('title');
  assert.ok(projectPath?.endsWith('Vanishing.pancake'));
  await page.getByTestId('project-menu-button').click();
  await page.getByTestId('menu-close').click();
  await page.getByTestId('start-screen').waitFor();
  fs.rmSync(projectPath!);
  await page.reload();
  const recent = page.locator(`[data-testid="recent-item"][data-path="${projectPath}"]`);
  await recent.waitFor();
  assert.match(await recent.innerText(), /File not found/);

  const notes = path.join(session.home, 'notes.pancake');
  fs.writeFileSync(notes, 'just some text');
  await page.getByTestId('open-project-path').fill(notes);
  await page.getByTestId('open-project-button').click();
  await page.getByTestId('open-project-error').waitFor();
  assert.match(await page.getByTestId('open-project-error').innerText(), /not a Pancake project/);
  await session.screenshot('labelling-10-start-errors');

  await recent.getByTestId('recent-forget').click();
  await recent.waitFor({ state: 'detached' });
  assert.equal(await page.getByTestId('start-screen').count(), 1);
});
