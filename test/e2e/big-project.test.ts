// A project of 5,000 images with 12 classes, in the real renderer on a real
// browser host: a label change, a delete by the Delete key, its undo and redo
// each update the grid and the sidebar counts from the call's own answer,
// without reloading the image list; undo names what it undid and selects it;
// after a scrollbar jump and a drag the cells in view get their thumbnails,
// in batches made into blob URLs by the loader's worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { ProjectStore, type NewImage } from '../../db/project-store.js';
import { startSession } from './harness.js';

const CLASSES = ['apple', 'banana', 'cherry', 'date', 'elderberry', 'fig', 'grape', 'honeydew', 'kiwi', 'lemon', 'mango', 'nectarine'];
const IMAGES = 5000;
const UNLABELLED = 2000;

/** Rows go in through the store: importing 5,000 files would take minutes for what this test checks. */
async function bigProject(file: string): Promise<void> {
  const jpeg = await sharp({ create: { width: 160, height: 120, channels: 3, background: { r: 200, g: 120, b: 40 } } }).jpeg().toBuffer();
  const store = ProjectStore.create(file);
  const ids = CLASSES.map((name) => store.createClass(name));
  const rows: NewImage[] = [];
  for (let n = 0; n < IMAGES; n++) {
    rows.push({
      sha256: crypto.createHash('sha256').update(`generated ${n}`).digest('hex'),
      fileName: `photo-${String(n).padStart(5, '0')}.jpg`,
      sourcePath: `/photos/photo-${n}.jpg`,
      width: 160,
      height: 120,
      format: 'jpeg',
      byteSize: jpeg.length,
      split: 'none',
      classId: n < UNLABELLED ? null : ids[n % ids.length]!,
      importId: null,
      normalized: jpeg,
      normalizedWidth: 160,
      normalizedHeight: 120,
      thumbnail: jpeg,
      original: jpeg,
    });
  }
  store.insertImages(rows);
  store.close();
}

const count = async (page: Page, testId: string) => Number((await page.getByTestId(testId).textContent())!.replace(/\D/g, ''));
const classCount = (page: Page, name: string) => page.getByTestId(`class-row-${name}`).getAttribute('data-count').then(Number);
const cell = (page: Page, n: number) => page.getByTestId('grid-cell').nth(n);

test('at 5,000 images, labels, deletes, undo and redo update grid and counts without reloading the list', { timeout: 180_000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pancake-big-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'Fruit.pancake');
  await bigProject(file);

  const session = await startSession({ viewport: { width: 1280, height: 800 } });
  t.after(() => session.close());
  const { page } = session;
  const calls: string[] = [];
  page.on('request', (r) => {
    const m = /\/api\/(\w+)/.exec(new URL(r.url()).pathname);
    // The live model's guesses follow each of its runs; only reloads of the list or counts are counted here.
    if (m && m[1] !== 'events' && m[1] !== 'liveModelGet') calls.push(m[1]!);
  });

  await page.getByTestId('start-screen').waitFor();
  await page.getByTestId('open-project-path').fill(file);
  await page.getByTestId('open-project-button').click();
  // The counts can arrive before the list is asked for: wait for the grid itself.
  await page.locator('[data-testid="count-all"]:text-is("5,000")').waitFor();
  await cell(page, 0).waitFor();
  assert.ok(calls.includes('listImages'), 'opening loads the list');
  // Longer than the renderer's wait before reloading on a change it heard of (here: the open).
  await page.waitForTimeout(600);
  calls.length = 0;

  // --- a label change: grid and counts from the answer alone -------------
  const firstId = await cell(page, 0).getAttribute('data-image-id');
  assert.equal(await cell(page, 0).getAttribute('data-class'), '');
  const apple = await classCount(page, 'apple');
  await cell(page, 0).click();
  await page.keyboard.press('1');
  await page.locator(`[data-testid="class-row-apple"][data-count="${apple + 1}"]`).waitFor();
  assert.equal(await count(page, 'count-unlabelled'), UNLABELLED - 1);
  assert.equal(await page.locator(`[data-testid="grid-cell"][data-image-id="${firstId}"]`).getAttribute('data-class'), 'apple');
  await page.getByTestId('toast-info').filter({ hasText: 'Moved 1 image to apple.' }).waitFor();
  await page.waitForTimeout(600);
  assert.deepEqual(calls, ['labelSet']);
  calls.length = 0;

  // --- delete three images with the Delete key ----------------------------
  const ids = await Promise.all([1, 2, 3].map((n) => cell(page, n).getAttribute('data-image-id')));
  await cell(page, 1).click();
  await cell(page, 3).click({ modifiers: ['Shift'] });
  await page.keyboard.press('Delete');
  await page.getByTestId('confirm-ok').click();
  await page.locator('[data-testid="count-all"]:text-is("4,997")').waitFor();
  assert.equal(await count(page, 'count-unlabelled'), UNLABELLED - 4);
  for (const id of ids) assert.equal(await page.locator(`[data-testid="grid-cell"][data-image-id="${id}"]`).count(), 0);
  await page.getByTestId('toast-info').filter({ hasText: 'Deleted 3 images.' }).waitFor();
  await session.screenshot('big-project-01-deleted');

  // --- Ctrl+Z brings them back, says so, and selects them -----------------
  await page.keyboard.press('Control+z');
  await page.getByTestId('toast-info').filter({ hasText: 'Undone: delete 3 images. They are selected.' }).waitFor();
  await page.locator('[data-testid="count-all"]:text-is("5,000")').waitFor();
  assert.equal(await count(page, 'count-unlabelled'), UNLABELLED - 1);
  for (const id of ids) {
    assert.equal(await page.locator(`[data-testid="grid-cell"][data-image-id="${id}"]`).getAttribute('aria-selected'), 'true');
  }
  // The label change before the delete still stands.
  assert.equal(await classCount(page, 'apple'), apple + 1);
  await session.screenshot('big-project-02-undone');

  // --- redo deletes them again ---------------------------------------------
  await page.keyboard.press('Control+Shift+z');
  await page.getByTestId('toast-info').filter({ hasText: 'Redone: delete 3 images.' }).waitFor();
  await page.locator('[data-testid="count-all"]:text-is("4,997")').waitFor();
  await page.waitForTimeout(600);
  assert.deepEqual(calls, ['imagesDelete', 'undo', 'redo']);

  // --- an undo whose images are outside the view says where they are ------
  await page.getByTestId('filter-unlabelled').click();
  const movedId = await cell(page, 0).getAttribute('data-image-id');
  await cell(page, 0).click();
  await page.keyboard.press('2');
  await page.getByTestId('toast-info').filter({ hasText: 'Moved 1 image to banana.' }).waitFor();
  await page.getByTestId('class-row-banana').getByTestId('class-name').click();
  await page.locator(`[data-testid="grid-cell"][data-image-id="${movedId}"]`).waitFor();
  await page.keyboard.press('Control+z');
  const notice = page.getByTestId('toast-info').filter({ hasText: 'Undone: move 1 image to banana. 1 image is in Unlabelled, outside this view.' });
  await notice.waitFor();
  await session.screenshot('big-project-03-undone-elsewhere');
  await notice.getByRole('button', { name: 'Show them' }).click();
  await page.locator(`[data-testid="grid-cell"][data-image-id="${movedId}"][aria-selected="true"]`).waitFor();
  assert.equal(await page.locator('[data-testid="grid-cell"][aria-selected="true"]').count(), 1);

  // --- a scrollbar jump and a drag: the cells where it stops get their thumbnails --
  // Thumbnails take turns in the page (renderer/src/lib/thumb-loader.ts) and
  // the ones of cells a drag passed over are called off; none may be left
  // waiting. test/tools/grid-jump.ts measures how soon they come.
  await page.getByTestId('filter-all').click();
  for (const steps of [1, 12]) {
    await page.evaluate(`(async () => {
      const grid = document.querySelector('[data-testid="image-grid"]');
      const to = ${steps === 1 ? 0.7 : 0.2} * (grid.scrollHeight - grid.clientHeight);
      const from = grid.scrollTop;
      for (let s = 1; s <= ${steps}; s++) {
        grid.scrollTop = from + ((to - from) * s) / ${steps};
        await new Promise((r) => requestAnimationFrame(r));
      }
    })()`);
    const shown = `(() => {
      const box = document.querySelector('[data-testid="image-grid"]').getBoundingClientRect();
      const imgs = [...document.querySelectorAll('[data-testid="grid-cell"] img')].filter((img) => {
        const r = img.getBoundingClientRect();
        return r.bottom > box.top && r.top < box.bottom;
      });
      return imgs.length > 0 && imgs.every((img) => img.complete && img.naturalWidth > 0);
    })()`;
    for (let tries = 0; !(await page.evaluate<boolean>(shown)); tries++) {
      assert.ok(tries < 300, `after a ${steps === 1 ? 'jump' : 'drag'}, cells in view still wait for their thumbnails`);
      await page.waitForTimeout(100);
    }
    // They came in batches, through the loader's worker (thumb-batch-worker.ts), not one by one: each image
    // falls back to its own URL when the worker fails, which would show them too.
    const sources = await page.evaluate<string[]>(`[...document.querySelectorAll('[data-testid="grid-cell"] img[src]')].map((img) => img.src)`);
    assert.ok(sources.length > 0 && sources.every((src) => src.startsWith('blob:')), `thumbnails not from a batch: ${sources.filter((s) => !s.startsWith('blob:')).slice(0, 3).join(', ')}`);
  }
  await session.screenshot('big-project-04-after-drag');
  assert.doesNotMatch(session.hostLog.join(''), /\[pageerror\]/);
});
