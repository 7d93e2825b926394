// Twelve classes, more than there are number keys, end to end in the real
// renderer: the folder's classes come in the CLI's order, every class has
// its own colour, the 12th class is reached by keyboard through the class
// picker, in the grid and in the preview, and from the preview's list; a
// duplicate found in a class folder gives its class to the unlabelled copy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ProjectStore } from '../../db/project-store.js';
import { pancake } from '../helpers/cli.js';
import { makeImage, makeImageTree } from '../helpers/images.js';
import { startSession } from './harness.js';
import { closeImportReport, createProject, startFolderImport, waitForImportReport } from './steps.js';

const CLASSES = ['t-shirt', 'hat', 'outwear', 'skirt', 'longsleeve', 'dress', 'size 10', 'pants', 'size 2', 'shoes', 'shorts', 'bag'];

async function sidebarNames(page: Page): Promise<string[]> {
  return page.getByTestId('class-sidebar').getByTestId('class-name').allInnerTexts();
}

/** Class rows wholly in sight: inside the sidebar and above the live model card pinned at its foot. */
async function rowsInSight(page: Page): Promise<number> {
  return page.getByTestId('class-sidebar').evaluate((nav) => {
    const box = nav.getBoundingClientRect();
    const card = nav.querySelector('[data-testid="live-model"]')?.getBoundingClientRect();
    const bottom = card ? Math.min(card.top, box.bottom) : box.bottom;
    return [...nav.querySelectorAll('[data-testid^="class-row-"]')].filter((row) => {
      const r = row.getBoundingClientRect();
      return r.top >= box.top && r.bottom <= bottom;
    }).length;
  });
}

/** The card's title is no taller than the fold button beside it, which is one row of the head. */
async function liveTitleIsOneLine(page: Page): Promise<boolean> {
  const card = page.getByTestId('live-model');
  const title = (await card.locator('.title').boundingBox())!;
  const fold = (await card.getByTestId('live-model-fold').boundingBox())!;
  return title.height <= fold.height;
}

async function waitForCount(page: Page, name: string, count: number): Promise<void> {
  await page.locator(`[data-testid="class-row-${name}"][data-count="${count}"]`).waitFor();
}

/** Selects the first unlabelled image in the grid. */
async function pickUnlabelled(page: Page): Promise<void> {
  await page.getByTestId('filter-unlabelled').click();
  await page.getByTestId('grid-cell').first().click();
}

test('twelve classes: one order, distinct colours, and every class reached by keyboard', { timeout: 300_000 }, async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pancake-many-classes-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const folder = path.join(root, 'clothes');
  await makeImageTree(folder, Object.fromEntries(CLASSES.map((c) => [c, 2])));
  for (let i = 1; i <= 6; i++) await makeImage(path.join(folder, `loose-${i}.jpg`));

  // The CLI's order for the same folder, to compare with the app's.
  const cliHome = fs.mkdtempSync(path.join(os.tmpdir(), 'pancake-many-classes-cli-'));
  t.after(() => fs.rmSync(cliHome, { recursive: true, force: true }));
  const cliProject = path.join(cliHome, 'clothes.pancake');
  const cli = await pancake(['import', cliProject, folder], { home: cliHome });
  assert.equal(cli.code, 0, cli.stderr);
  const cliStore = ProjectStore.open(cliProject);
  const cliOrder = cliStore.classes().map((c) => c.name);
  cliStore.close();
  const natural = [...CLASSES].sort(new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' }).compare);
  assert.deepEqual(cliOrder, natural);
  assert.ok(natural.indexOf('size 2') < natural.indexOf('size 10'), 'natural order: size 2 before size 10');

  const session = await startSession({ viewport: { width: 1280, height: 800 } });
  t.after(() => session.close());
  const { page } = session;
  await createProject(page, 'Clothes');
  await startFolderImport(page, folder);
  const report = await waitForImportReport(page);
  assert.equal(await report.getByTestId('import-report-added').getAttribute('data-added'), String(CLASSES.length * 2 + 6));
  await closeImportReport(page);

  // --- one order, twelve colours ------------------------------------------
  await page.locator('[data-testid="count-unlabelled"]:text-is("6")').waitFor();
  assert.deepEqual(await sidebarNames(page), cliOrder);
  const twelfth = cliOrder[11]!;
  const colours = await page.locator('[data-testid^="class-row-"] .main .dot').evaluateAll((dots) =>
    dots.map((d) => d.getAttribute('style')),
  );
  assert.equal(colours.length, 12);
  assert.equal(new Set(colours).size, 12, `twelve classes, twelve colours: ${colours.join(' ')}`);
  // Rows past the ninth have no number key; the sidebar says how to reach them.
  assert.equal(await page.getByTestId(`class-row-${twelfth}`).locator('kbd').count(), 0);
  await page.getByTestId('class-picker-hint').waitFor();
  await page.getByTestId('grid-cell').first().waitFor();
  // No image has a split, so no row spends a second line saying so.
  assert.equal(await page.getByTestId('class-sidebar').getByTestId('class-splits').count(), 0);
  await session.screenshot('many-classes-01-sidebar');
  // Right after the import the draft is learning and the card says so in its head, which once wrapped "Live model" onto two lines.
  assert.ok(await liveTitleIsOneLine(page), "the live model card's title is one line");

  // --- the live model card folds to one line, and stays folded -------------
  const card = page.getByTestId('live-model');
  // Measured once the draft model has learnt: before that (waiting for embeddings) the card is one short line.
  await card.getByTestId('live-trained').waitFor();
  // Before its first fit the draft has learnt from nothing, which the card does not put as a count.
  assert.doesNotMatch(await card.getByTestId('live-trained').innerText(), /from 0 /);
  // How many rows the open card hides depends on what it says at that moment; folded, it hides none.
  const openHeight = (await card.boundingBox())!.height;
  await card.getByTestId('live-model-fold').click();
  await card.locator('[data-testid="live-model-fold"][aria-expanded="false"]').waitFor();
  assert.equal(await card.getByTestId('live-trained').count(), 0);
  const foldedHeight = (await card.boundingBox())!.height;
  assert.ok(foldedHeight < openHeight / 2, `the folded card is ${foldedHeight} px high, open ${openHeight} px`);
  assert.equal(await rowsInSight(page), CLASSES.length, 'with the card folded, every class row is in sight');
  assert.ok(await liveTitleIsOneLine(page), "the folded card's title is one line");
  await session.screenshot('many-classes-05-live-model-folded');
  await page.reload();
  await page.getByTestId('live-model').locator('[data-testid="live-model-fold"][aria-expanded="false"]').waitFor();
  await page.getByTestId('live-model').getByTestId('live-model-fold').click();
  await page.getByTestId('live-model').getByTestId('live-trained').waitFor();

  // --- the picker in the grid: L, type, Enter ------------------------------
  await pickUnlabelled(page);
  await page.keyboard.press('l');
  const picker = page.getByTestId('class-picker');
  await picker.waitFor();
  assert.deepEqual(await picker.getByTestId('class-picker-option').evaluateAll((o) => o.map((x) => x.getAttribute('data-class'))), cliOrder);
  await session.screenshot('many-classes-02-picker');
  await page.keyboard.type(twelfth.slice(0, 3));
  assert.equal(await picker.getByTestId('class-picker-option').first().getAttribute('data-class'), twelfth);
  await page.keyboard.press('Enter');
  await picker.waitFor({ state: 'detached' });
  await waitForCount(page, twelfth, 3);
  await page.locator('[data-testid="count-unlabelled"]:text-is("5")').waitFor();

  // Esc closes the picker and labels nothing; a name that matches nothing says so.
  await pickUnlabelled(page);
  await page.keyboard.press('/');
  await picker.waitFor();
  await page.keyboard.type('zzz');
  await picker.getByTestId('class-picker-none').waitFor();
  await page.keyboard.press('Escape');
  await picker.waitFor({ state: 'detached' });
  assert.equal(await page.getByTestId('count-unlabelled').textContent(), '5');

  // --- the preview lists every class; its 12th labels the image -------------
  await pickUnlabelled(page);
  await page.keyboard.press(' ');
  const preview = page.getByTestId('preview-dialog');
  await preview.waitFor();
  const labels = preview.getByTestId('preview-label');
  assert.deepEqual(await labels.evaluateAll((o) => o.map((x) => x.getAttribute('data-class'))), cliOrder);
  await session.screenshot('many-classes-03-preview-labels');
  await labels.nth(11).click();
  await waitForCount(page, twelfth, 4);

  // ...and through the picker over the preview, by arrow keys alone: ↑ from the first wraps to the 12th.
  await page.keyboard.press('L');
  await picker.waitFor();
  await page.keyboard.press('ArrowUp');
  assert.equal(await picker.locator('[aria-selected="true"]').getAttribute('data-class'), twelfth);
  await page.keyboard.press('Enter');
  await picker.waitFor({ state: 'detached' });
  await waitForCount(page, twelfth, 5);
  assert.equal(await preview.count(), 1, 'the preview stays open for the next image');
  await page.keyboard.press('Escape');
  await preview.waitFor({ state: 'detached' });
  await page.locator('[data-testid="count-unlabelled"]:text-is("3")').waitFor();

  // --- a 13th class gets a colour of its own ---------------------------------
  await page.getByTestId('new-class-button').click();
  await page.getByTestId('new-class-input').fill('scarf');
  await page.keyboard.press('Enter');
  await page.getByTestId('class-row-scarf').waitFor();
  const withNew = await page.locator('[data-testid^="class-row-"] .main .dot').evaluateAll((dots) =>
    dots.map((d) => d.getAttribute('style')),
  );
  assert.equal(new Set(withNew).size, 13, 'the new class repeats no colour');

  // --- the still unlabelled loose photos come again in a hat folder: they take the class, and the report says so
  const again = path.join(root, 'again');
  for (const loose of fs.readdirSync(folder).filter((f) => f.startsWith('loose-'))) {
    fs.mkdirSync(path.join(again, 'hat'), { recursive: true });
    fs.copyFileSync(path.join(folder, loose), path.join(again, 'hat', loose));
  }
  await startFolderImport(page, again);
  const second = await waitForImportReport(page);
  assert.equal(
    await second.getByTestId('import-report-labelled-duplicates').innerText(),
    '3 duplicates were already in the project unlabelled and got the label hat.',
  );
  await session.screenshot('many-classes-04-duplicates-labelled');
  await closeImportReport(page);
  await waitForCount(page, 'hat', 2 + 3);
  assert.equal(await page.getByTestId('count-unlabelled').textContent(), '0');
  assert.equal((await sidebarNames(page)).length, 13, 'no new class');

  assert.deepEqual(session.hostLog.filter((l) => l.includes('[pageerror]')), []);
});
