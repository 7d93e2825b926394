// Nothing wider than the window: a 12-class project with a trained model,
// every view visited at 1280x800 and 1024x700 in the real renderer on a real
// browser host. No page or view pane scrolls sideways, a 12-class confusion
// matrix stays inside its own box, the controls at the right end of a row
// stay on screen, and the grid fills its width. Screenshots of every view
// at both sizes go to test-output/screenshots (layout-<size>-<view>.png).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { makeImageTree } from '../helpers/images.js';
import { startSession, type Session } from './harness.js';
import { createProject, importFolder, IMPORT_TIMEOUT_MS } from './steps.js';

const TRAIN_TIMEOUT_MS = 10 * 60_000;
const JOB_TIMEOUT_MS = 5 * 60_000;
const SIZES = [
  { width: 1280, height: 800 },
  { width: 1024, height: 700 },
];
const CLASSES = Array.from({ length: 12 }, (_, i) => `class-${String(i + 1).padStart(2, '0')}`);

/** 12 classes of 6 training and 2 validation images, and 6 loose (unlabelled) images for Suggestions. */
async function twelveClassFolder(): Promise<string> {
  const root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pancake-e2e-layout-')), 'twelve');
  const counts: Record<string, number> = {};
  for (const c of CLASSES) {
    counts[`train/${c}`] = 6;
    counts[`val/${c}`] = 2;
  }
  await makeImageTree(root, counts);
  await makeImageTree(path.join(root, 'train'), { loose: 6 });
  // Loose images sit beside the class folders, so they stay Unlabelled.
  for (const f of fs.readdirSync(path.join(root, 'train', 'loose'))) fs.renameSync(path.join(root, 'train', 'loose', f), path.join(root, 'train', f));
  fs.rmdirSync(path.join(root, 'train', 'loose'));
  return root;
}

/**
 * Everything that scrolls sideways when it should not: the page, the view
 * pane, and a confusion matrix's box reaching past its pane. Page-side code
 * is a string: this file is compiled for Node, without the DOM's types.
 */
async function overflows(page: Page, pane: string): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const out = [];
    const se = document.scrollingElement;
    if (se.scrollWidth > se.clientWidth) out.push('page: scrollWidth ' + se.scrollWidth + ' > clientWidth ' + se.clientWidth);
    const main = document.querySelector('main.content');
    if (main && main.scrollWidth > main.clientWidth) out.push('main: scrollWidth ' + main.scrollWidth + ' > clientWidth ' + main.clientWidth);
    for (const id of ['add-folder-button', 'tab-try']) {
      const r = document.querySelector('[data-testid="' + id + '"]').getBoundingClientRect();
      if (r.right > window.innerWidth || r.height > 60) out.push(id + ' spans ' + r.left + '..' + r.right + ' x ' + r.height + ' px in a window ' + window.innerWidth + ' wide');
    }
    // A tab's name on two lines is a top bar squeezed too hard.
    for (const tab of document.querySelectorAll('[data-testid^="tab-"]')) {
      const range = document.createRange();
      range.selectNodeContents(tab);
      const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
      if (lines > 1) out.push(tab.getAttribute('data-testid') + ' wraps onto ' + lines + ' lines');
    }
    const el = document.querySelector('[data-testid="${pane}"]');
    if (!el) return ['no ${pane}'];
    if (el.scrollWidth > el.clientWidth) out.push('${pane}: scrollWidth ' + el.scrollWidth + ' > clientWidth ' + el.clientWidth);
    const right = el.getBoundingClientRect().left + el.clientWidth + 0.5;
    for (const m of el.querySelectorAll('[data-testid="confusion-matrix"], [data-testid="versions-table"]')) {
      const box = m.parentElement.getBoundingClientRect();
      if (box.right > right) out.push(m.getAttribute('data-testid') + ' box ends at ' + box.right + ', past the pane at ' + right);
    }
    return out;
  })()`);
}

/** The right edge of `testid`'s first match is inside the pane's visible width. */
async function onScreen(page: Page, pane: string, testid: string): Promise<void> {
  const [el, box] = await Promise.all([
    page.getByTestId(testid).first().boundingBox(),
    page.evaluate<{ left: number; width: number }>(`(() => {
      const e = document.querySelector('[data-testid="${pane}"]');
      return { left: e.getBoundingClientRect().left, width: e.clientWidth };
    })()`),
  ]);
  assert.ok(el, `${testid} is shown`);
  assert.ok(el.x >= box.left - 0.5 && el.x + el.width <= box.left + box.width + 0.5, `${testid} spans ${el.x}..${el.x + el.width}, the pane ${box.left}..${box.left + box.width}`);
}

/** Waits (the page scrolls smoothly) until `testid`'s first match is wholly inside the window's height. */
async function inSight(page: Page, testid: string): Promise<void> {
  // waitForFunction would evaluate a string, which the page's CSP refuses; page.evaluate goes through the debugger.
  const probe = `(() => { const r = document.querySelector('[data-testid="${testid}"]').getBoundingClientRect(); return [r.top, r.bottom, window.innerHeight]; })()`;
  let seen: number[] = [];
  for (let i = 0; i < 50; i++) {
    seen = await page.evaluate<number[]>(probe);
    if (seen[0]! >= 0 && seen[1]! <= seen[2]!) return;
    await page.waitForTimeout(100);
  }
  assert.fail(`${testid} spans ${seen[0]}..${seen[1]}, outside a window ${seen[2]} high`);
}

async function assertFits(page: Page, pane: string, where: string): Promise<void> {
  assert.deepEqual(await overflows(page, pane), [], `${where}`);
}

test('every view fits 1280x800 and 1024x700 with 12 classes', { timeout: IMPORT_TIMEOUT_MS + TRAIN_TIMEOUT_MS + 4 * JOB_TIMEOUT_MS }, async (t) => {
  const session: Session = await startSession({ viewport: SIZES[0] });
  t.after(() => session.close());
  const { page } = session;

  await createProject(page, 'Twelve');
  await importFolder(page, await twelveClassFolder());
  for (const c of CLASSES) await page.locator(`[data-testid="class-row-${c}"][data-count="8"]`).waitFor();

  await page.getByTestId('tab-train').click();
  await page.locator('[data-testid="train-button"]:not([disabled])').waitFor();
  await page.getByTestId('train-button').click();
  await page.getByTestId('train-result').waitFor({ timeout: TRAIN_TIMEOUT_MS });
  // A second version, so the Versions table has a row that is not active.
  await page.getByTestId('train-button').click();
  await page.locator('[data-testid="version-row"]').nth(1).waitFor({ timeout: TRAIN_TIMEOUT_MS });
  await page.getByTestId('train-result').waitFor({ timeout: TRAIN_TIMEOUT_MS });

  for (const size of SIZES) {
    await page.setViewportSize(size);
    const tag = `layout-${size.width}x${size.height}`;

    // --- Images: the grid fills its width, no empty band on the right ---
    await page.getByTestId('tab-images').click();
    await page.getByTestId('filter-all').click();
    await page.getByTestId('grid-cell').first().waitFor();
    await assertFits(page, 'image-grid', `${tag} images`);
    const band = await page.evaluate<{ left: number; right: number }>(`(() => {
      const grid = document.querySelector('[data-testid="image-grid"]');
      const cells = [...grid.querySelectorAll('[data-testid="grid-cell"]')].map((c) => c.getBoundingClientRect());
      const top = Math.min(...cells.map((r) => r.top));
      const box = grid.getBoundingClientRect();
      const row = cells.filter((r) => Math.abs(r.top - top) < 1);
      return { left: Math.min(...row.map((r) => r.left)) - box.left, right: box.left + grid.clientWidth - Math.max(...row.map((r) => r.right)) };
    })()`);
    assert.ok(Math.abs(band.right - band.left) <= 1, `${tag}: the first row leaves ${band.left.toFixed(1)} px on the left and ${band.right.toFixed(1)} px on the right`);
    await page.getByTestId('grid-cell').first().click();
    await page.getByTestId('selection-bar').waitFor();
    await session.screenshot(`${tag}-images`);

    // --- Train: versions table, then one version's details --------------
    await page.getByTestId('tab-train').click();
    await page.getByTestId('versions-table').waitFor();
    // The selection belongs to the Images view.
    assert.equal(await page.getByTestId('selection-count').count(), 0, `${tag}: the selection follows into Train`);
    await assertFits(page, 'train-view', `${tag} train`);
    await page.getByTestId('versions-table').scrollIntoViewIfNeeded();
    await onScreen(page, 'train-view', 'version-export');
    await onScreen(page, 'train-view', 'version-set-active');
    await onScreen(page, 'train-view', 'version-delete');
    await page.getByTestId('version-sparkline').first().waitFor();
    await page.getByTestId('version-matrix-thumb').first().waitFor();
    await session.screenshot(`${tag}-train`);
    // A finished training opens its version's details; otherwise open the first.
    const details = page.getByTestId('version-details');
    if ((await details.count()) === 0) await page.getByTestId('version-name').first().click();
    await details.getByTestId('confusion-matrix').waitFor();
    assert.equal(await details.getByTestId('confusion-cell').count(), 144);
    await assertFits(page, 'train-view', `${tag} version details`);
    await details.getByTestId('confusion-matrix').scrollIntoViewIfNeeded();
    await session.screenshot(`${tag}-version-details`);

    // --- Evaluate: the matrix leads, the picker and label check on screen -
    await page.getByTestId('tab-evaluate').click();
    await page.getByTestId('evaluate-accuracy').waitFor();
    await page.getByTestId('confusion-matrix').waitFor();
    assert.equal(await page.getByTestId('confusion-cell').count(), 144);
    await assertFits(page, 'evaluate-view', `${tag} evaluate`);
    await onScreen(page, 'evaluate-view', 'evaluate-version');
    const order = await page.evaluate<string[]>(
      `[...document.querySelectorAll('[data-testid="evaluate-view"] :is([data-testid="confusion-matrix"], [data-testid="per-class-table"])')].map((e) => e.getAttribute('data-testid'))`,
    );
    assert.deepEqual(order, ['confusion-matrix', 'per-class-table'], 'Evaluate leads with the picture');
    await session.screenshot(`${tag}-evaluate`);
    // With 12 classes the cell's panel wraps below the matrix; clicking a cell of the first row, in sight
    // at the top of the view, brings the panel's images into sight too.
    await page.getByTestId('confusion-cell').nth(1).click();
    await page.getByTestId('cell-title').waitFor();
    await inSight(page, 'cell-title');
    await session.screenshot(`${tag}-evaluate-cell`);
    if ((await page.getByTestId('mistake').count()) > 0) {
      // A mistake was made on a validation image: it says it was checked on, not trained on.
      assert.match(await page.getByTestId('mistake').first().getByTestId('card-used-as').innerText(), /Checked on \(not trained on\)/);
      await page.getByTestId('worst-mistakes').scrollIntoViewIfNeeded();
      await assertFits(page, 'evaluate-view', `${tag} evaluate mistakes`);
      await session.screenshot(`${tag}-evaluate-mistakes`);
    }
    await page.getByTestId('label-check').scrollIntoViewIfNeeded();
    await onScreen(page, 'evaluate-view', 'label-check-run');

    // --- Suggestions --------------------------------------------------
    await page.getByTestId('tab-suggest').click();
    await page.getByTestId('suggestion').first().waitFor({ timeout: JOB_TIMEOUT_MS });
    await assertFits(page, 'suggest-view', `${tag} suggestions`);
    await session.screenshot(`${tag}-suggestions`);

    // --- Duplicates (plain colour images are alike, so there are groups, or none) -
    await page.getByTestId('tab-duplicates').click();
    await page.locator('[data-testid="duplicates-summary"], [data-testid="duplicates-none"]').first().waitFor({ timeout: JOB_TIMEOUT_MS });
    await assertFits(page, 'duplicates-view', `${tag} duplicates`);
    await session.screenshot(`${tag}-duplicates`);
    if (size === SIZES[SIZES.length - 1] && (await page.getByTestId('duplicates-summary').count()) > 0) {
      // A removal shows in the view's counts at once.
      const summary = await page.getByTestId('duplicates-summary').innerText();
      await page.getByTestId('duplicate-group').first().getByTestId('duplicate-remove').click();
      await page.getByTestId('duplicates-removed').waitFor();
      if ((await page.getByTestId('duplicates-summary').count()) > 0) assert.notEqual(await page.getByTestId('duplicates-summary').innerText(), summary);
    }

    // --- Try it ---------------------------------------------------------
    await page.getByTestId('tab-try').click();
    const tryDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pancake-e2e-layout-try-'));
    await page.getByTestId('try-files-input').setInputFiles(await makeImageTree(tryDir, { new: 2 }));
    await page.locator('[data-testid="try-result"] [data-testid="try-prediction"]').first().waitFor({ timeout: JOB_TIMEOUT_MS });
    await assertFits(page, 'try-view', `${tag} try it`);
    await session.screenshot(`${tag}-try`);
  }

  assert.deepEqual(session.hostLog.filter((l) => l.startsWith('[pageerror]')), []);
});
