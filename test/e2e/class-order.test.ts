// The user's order of classes, end to end in the real renderer with twelve
// classes: a class moves by keyboard (Alt+↑ on its row), from its menu and
// by dragging its row (an insertion line shows where it lands; an image
// dragged onto a row labels it and moves nothing), the order is stored in
// the project (a reload keeps it), and the number keys, the class picker,
// the preview's list and Evaluate's confusion matrix and per-class table all
// follow it. A model keeps the order it was trained with for its outputs and
// exports; only the views show it in the user's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ProjectStore } from '../../db/project-store.js';
import { makeImageTree } from '../helpers/images.js';
import { startSession } from './harness.js';
import { createProject, importFolder } from './steps.js';

const CLASSES = ['bag', 'boots', 'dress', 'hat', 'jacket', 'jeans', 'scarf', 'shirt', 'shorts', 'skirt', 'socks', 'sweater'];
const TRAIN_TIMEOUT_MS = 10 * 60_000;

async function sidebarNames(page: Page): Promise<string[]> {
  return page.getByTestId('class-sidebar').getByTestId('class-name').allInnerTexts();
}

/** Waits until the sidebar lists `name` at `index` (0-based). */
async function waitForPlace(page: Page, name: string, index: number): Promise<void> {
  await page.getByTestId('class-sidebar').getByTestId('class-name').nth(index).filter({ hasText: new RegExp(`^${name}$`) }).waitFor();
}

test('twelve classes in the user\'s order: moved by keys, menu and drag, kept in the project, followed everywhere', { timeout: 3 * TRAIN_TIMEOUT_MS }, async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pancake-class-order-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const counts: Record<string, number> = {};
  for (const c of CLASSES) {
    counts[`train/${c}`] = 4;
    counts[`val/${c}`] = 2;
  }
  await makeImageTree(root, counts);
  await makeImageTree(path.join(root, 'train'), { loose: 3 });
  for (const f of fs.readdirSync(path.join(root, 'train', 'loose'))) fs.renameSync(path.join(root, 'train', 'loose', f), path.join(root, 'train', f));
  fs.rmdirSync(path.join(root, 'train', 'loose'));

  const session = await startSession({ viewport: { width: 1280, height: 800 } });
  t.after(() => session.close());
  const { page } = session;
  await createProject(page, 'Wardrobe');
  await importFolder(page, root);
  await page.locator('[data-testid="count-unlabelled"]:text-is("3")').waitFor();
  assert.deepEqual(await sidebarNames(page), CLASSES);

  // A model trained in the first order, so Evaluate has a matrix to show in the new one.
  await page.getByTestId('tab-train').click();
  await page.locator('[data-testid="train-button"]:not([disabled])').waitFor();
  await page.getByTestId('train-button').click();
  await page.getByTestId('train-result').waitFor({ timeout: TRAIN_TIMEOUT_MS });
  await page.getByTestId('tab-images').click();

  // --- by keyboard: the 12th class goes to the top, one Alt+↑ at a time ----
  const sweater = page.getByTestId('class-row-sweater').locator('button.main');
  await sweater.focus();
  for (let place = CLASSES.length - 2; place >= 0; place--) {
    await page.keyboard.press('Alt+ArrowUp');
    await waitForPlace(page, 'sweater', place);
  }
  // The focus stayed on the moved class, so the presses went on moving it.
  assert.equal(await page.evaluate(`document.activeElement.closest('[data-testid^="class-row-"]').dataset.testid`), 'class-row-sweater');

  // --- from the menu: bag moves down one -----------------------------------
  await page.getByTestId('class-row-bag').hover();
  await page.getByTestId('class-row-bag').getByTestId('class-menu-button').click();
  const menu = page.getByTestId('class-menu');
  await menu.waitFor();
  assert.match(await menu.getByTestId('class-move-down').innerText(), /Move down\s*Alt\+↓/);
  await session.screenshot('class-order-01-menu');
  await menu.getByTestId('class-move-down').click();
  await waitForPlace(page, 'bag', 2);
  assert.deepEqual(await sidebarNames(page), ['sweater', 'boots', 'bag', ...CLASSES.slice(2, 11)]);

  // --- by dragging: jeans (7th) up between sweater and boots ---------------
  const line = page.getByTestId('class-insert-line');
  const jeans = await page.getByTestId('class-row-jeans').boundingBox();
  const boots = await page.getByTestId('class-row-boots').boundingBox();
  await page.mouse.move(jeans!.x + jeans!.width / 2, jeans!.y + jeans!.height / 2);
  await page.mouse.down();
  // The upper quarter of boots' row is the slot above it.
  await page.mouse.move(boots!.x + boots!.width / 2, boots!.y + boots!.height / 4, { steps: 8 });
  await line.waitFor();
  assert.equal(await line.getAttribute('data-slot'), '1');
  const lineBox = await line.boundingBox();
  assert.ok(Math.abs(lineBox!.y + lineBox!.height / 2 - boots!.y) <= 2, `the line is at boots' top edge (${lineBox!.y} vs ${boots!.y})`);
  await session.screenshot('class-order-02-dragging');
  await page.mouse.up();
  await waitForPlace(page, 'jeans', 1);
  await line.waitFor({ state: 'detached' });
  assert.equal(await page.getByTestId('class-row-jeans').locator('kbd').first().innerText(), '2');
  // A class row is no image: dropping it on a class labelled nothing.
  assert.deepEqual(
    await page.locator('[data-testid^="class-row-"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-count'))),
    CLASSES.map(() => '6'),
  );

  // --- and down below the last row, out of view at first: bag goes to the end.
  // Held at the sidebar's lower edge, the row scrolls the list (Chromium's own autoscroll).
  const sidebar = page.getByTestId('class-sidebar');
  const sidebarBox = await sidebar.boundingBox();
  const bag = await page.getByTestId('class-row-bag').boundingBox();
  await page.mouse.move(bag!.x + bag!.width / 2, bag!.y + bag!.height / 2);
  await page.mouse.down();
  await page.mouse.move(bag!.x + bag!.width / 2, sidebarBox!.y + sidebarBox!.height - 8, { steps: 10 });
  await page.waitForFunction((el) => el!.scrollTop > 0 && el!.scrollTop + el!.clientHeight >= el!.scrollHeight - 1, await sidebar.elementHandle());
  const socks = await page.getByTestId('class-row-socks').boundingBox();
  await page.mouse.move(socks!.x + socks!.width / 2, socks!.y + socks!.height * 0.75, { steps: 4 });
  await page.locator('[data-testid="class-insert-line"][data-slot="12"]').waitFor();
  await session.screenshot('class-order-03-dragging-to-end');
  await page.mouse.up();
  const order = ['sweater', 'jeans', 'boots', 'dress', 'hat', 'jacket', 'scarf', 'shirt', 'shorts', 'skirt', 'socks', 'bag'];
  await waitForPlace(page, 'bag', 11);
  assert.deepEqual(await sidebarNames(page), order);
  await session.screenshot('class-order-04-sidebar');

  // --- the number keys and every list follow -------------------------------
  assert.equal(await page.getByTestId('class-row-sweater').locator('kbd').first().innerText(), '1');
  await page.getByTestId('filter-unlabelled').click();
  await page.getByTestId('grid-cell').first().click();
  await page.keyboard.press('1');
  await page.locator('[data-testid="class-row-sweater"][data-count="7"]').waitFor();
  await page.getByTestId('grid-cell').first().click();
  await page.keyboard.press('2');
  await page.locator('[data-testid="class-row-jeans"][data-count="7"]').waitFor();

  await page.getByTestId('grid-cell').first().click();
  await page.keyboard.press('l');
  const picker = page.getByTestId('class-picker');
  await picker.waitFor();
  assert.deepEqual(await picker.getByTestId('class-picker-option').evaluateAll((o) => o.map((x) => x.getAttribute('data-class'))), order);
  await page.keyboard.press('Escape');
  await picker.waitFor({ state: 'detached' });

  await page.keyboard.press(' ');
  const preview = page.getByTestId('preview-dialog');
  await preview.waitFor();
  assert.deepEqual(await preview.getByTestId('preview-label').evaluateAll((o) => o.map((x) => x.getAttribute('data-class'))), order);
  await page.keyboard.press('Escape');
  await preview.waitFor({ state: 'detached' });

  // --- an image dragged onto a row's edge labels it; it never reorders -------
  const cell = await page.getByTestId('grid-cell').first().boundingBox();
  const bootsRow = page.getByTestId('class-row-boots');
  const bootsBox = await bootsRow.boundingBox();
  await page.mouse.move(cell!.x + cell!.width / 2, cell!.y + cell!.height / 2);
  await page.mouse.down();
  await page.mouse.move(bootsBox!.x + bootsBox!.width / 2, bootsBox!.y + bootsBox!.height / 4, { steps: 8 });
  await page.locator('[data-testid="class-row-boots"].drop').waitFor();
  assert.equal(await line.count(), 0);
  await page.mouse.up();
  await page.locator('[data-testid="class-row-boots"][data-count="7"]').waitFor();
  assert.deepEqual(await sidebarNames(page), order);

  // --- stored in the project: a reload, and the file itself, keep it --------
  await page.reload();
  await page.getByTestId('class-row-sweater').waitFor();
  assert.deepEqual(await sidebarNames(page), order);
  const file = await page.getByTestId('project-menu-button').getAttribute('title');
  const store = ProjectStore.open(file!);
  try {
    assert.deepEqual(
      store.classes().map((c) => c.name),
      order,
    );
  } finally {
    store.close();
  }

  // --- Evaluate shows the model's classes in the user's order ---------------
  await page.getByTestId('tab-evaluate').click();
  const matrix = page.getByTestId('confusion-matrix');
  await matrix.waitFor();
  assert.deepEqual(await matrix.locator('th.col').evaluateAll((h) => h.map((x) => x.getAttribute('title'))), order);
  assert.deepEqual(await matrix.locator('th.row').evaluateAll((h) => h.map((x) => x.getAttribute('title'))), order);
  assert.deepEqual(await page.getByTestId('per-class-row').evaluateAll((r) => r.map((x) => x.getAttribute('data-class'))), order);
  // A cell still opens the images it counts: sweater's diagonal holds sweater's validation images.
  const diagonal = matrix.locator('[data-testid="confusion-cell"][data-true="sweater"][data-predicted="sweater"]');
  assert.equal(await matrix.getByTestId('confusion-cell').first().getAttribute('data-true'), 'sweater');
  assert.equal(await matrix.getByTestId('confusion-cell').first().getAttribute('data-predicted'), 'sweater');
  assert.ok(Number(await diagonal.getAttribute('data-count')) <= 2);
  await session.screenshot('class-order-05-evaluate');

  assert.deepEqual(session.hostLog.filter((l) => l.includes('[pageerror]')), []);
});
