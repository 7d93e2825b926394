// The live model end to end in the real renderer: import real ant and bee
// photos (and ten more classes) with a few loose photos left unlabelled,
// and without pressing Train the grid shows the draft's guesses and the
// sidebar its accuracy; labelling one image by key refits it (the sidebar
// counts one more labelled image and the badge leaves that image), and A
// accepts a guess as an undoable label; the Train tab draws the draft's
// accuracy after each run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { datasetDir } from '../helpers/datasets.js';
import { makeImageTree } from '../helpers/images.js';
import { startSession } from './harness.js';
import { createProject, importFolder } from './steps.js';

const OTHER_CLASSES = ['flies', 'hornets', 'ladybirds', 'mantises', 'moths', 'spiders', 'termites', 'wasps', 'weevils', 'crickets'];
const WAIT_MS = 240_000;

function copyPhotos(from: string, to: string, count: number, skip = 0): void {
  fs.mkdirSync(to, { recursive: true });
  for (const name of fs.readdirSync(from).filter((f) => f.endsWith('.jpg')).sort().slice(skip, skip + count)) {
    fs.copyFileSync(path.join(from, name), path.join(to, name));
  }
}

test('the live model guesses and measures itself as you label, with no Train', { timeout: 2 * WAIT_MS }, async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pancake-live-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const folder = path.join(root, 'insects');
  const data = datasetDir('hymenoptera');
  copyPhotos(path.join(data, 'train', 'ants'), path.join(folder, 'ants'), 15);
  copyPhotos(path.join(data, 'train', 'bees'), path.join(folder, 'bees'), 15);
  // Loose photos beside the class folders stay unlabelled: the draft guesses them.
  copyPhotos(path.join(data, 'val', 'ants'), folder, 4);
  copyPhotos(path.join(data, 'val', 'bees'), folder, 4);
  await makeImageTree(folder, Object.fromEntries(OTHER_CLASSES.map((c) => [c, 2])));

  const session = await startSession({ viewport: { width: 1280, height: 800 } });
  t.after(() => session.close());
  const { page } = session;
  await page.getByTestId('start-screen').waitFor();
  await createProject(page, 'Insects');
  await importFolder(page, folder);

  // No Train: the sidebar measures the draft by k-fold (no validation split) and the grid shows its guesses.
  const card = page.getByTestId('live-model');
  await card.getByTestId('live-accuracy').waitFor({ timeout: WAIT_MS });
  assert.match(await card.getByTestId('live-measured').innerText(), /5-fold cross-validation on 50 labelled images/);
  assert.match(await card.innerText(), /draft/i);
  assert.match(await card.innerText(), /Train saves a version with the full defaults/);
  await page.getByTestId('filter-unlabelled').click();
  const badges = page.getByTestId('guess-badge');
  await page.locator('[data-testid="grid-cell"]').nth(7).waitFor();
  await badges.nth(7).waitFor({ timeout: WAIT_MS });
  assert.equal(await badges.count(), 8);
  const guessed = await badges.evaluateAll((els) => els.map((e) => e.getAttribute('data-class')));
  assert.ok(guessed.every((c) => c === 'ants' || c === 'bees'), `guesses ${guessed.join(', ')}`);
  assert.match(await badges.first().innerText(), /\d+%/);
  await session.screenshot('live-01-guesses');

  // Least sure first, then only the images guessed as bees.
  await page.getByTestId('grid-sort').selectOption('unsure');
  await page.getByTestId('guess-filter').selectOption({ label: 'Guessed bees' });
  const beesGuessed = guessed.filter((c) => c === 'bees').length;
  await page.locator(`[data-testid="image-grid"][data-visible-count="${beesGuessed}"]`).waitFor();
  await page.getByTestId('guess-filter').selectOption('all');
  await page.locator('[data-testid="image-grid"][data-visible-count="8"]').waitFor();

  // Label the first unlabelled image with key 1 (ants): the draft refits on 51 images by itself.
  const names = await page.getByTestId('class-sidebar').getByTestId('class-name').allInnerTexts();
  assert.equal(names[0], 'ants');
  const first = page.getByTestId('grid-cell').first();
  const firstId = (await first.getAttribute('data-image-id'))!;
  await first.click();
  await page.keyboard.press('1');
  await card.getByTestId('live-trained').filter({ hasText: 'Learnt from 51 labelled images' }).waitFor({ timeout: WAIT_MS });
  await card.locator('[data-testid="live-measured"]', { hasText: 'on 51 labelled images' }).waitFor({ timeout: WAIT_MS });
  await page.locator('[data-testid="image-grid"][data-visible-count="7"]').waitFor();
  assert.equal(await page.locator(`[data-testid="grid-cell"][data-image-id="${firstId}"]`).count(), 0);
  await session.screenshot('live-02-after-label');

  // A accepts the guess on the selected image (the next one, selected after labelling).
  const next = page.locator('[data-testid="grid-cell"][aria-selected="true"]');
  const nextId = (await next.getAttribute('data-image-id'))!;
  const nextGuess = (await next.getByTestId('guess-badge').getAttribute('data-class'))!;
  await page.keyboard.press('a');
  await page.locator('[data-testid="image-grid"][data-visible-count="6"]').waitFor();
  await page.getByTestId('filter-all').click();
  assert.equal(await page.locator(`[data-testid="grid-cell"][data-image-id="${nextId}"]`).getAttribute('data-class'), nextGuess);
  await card.getByTestId('live-trained').filter({ hasText: 'Learnt from 52 labelled images' }).waitFor({ timeout: WAIT_MS });
  await page.keyboard.press('Control+z');
  await page.locator(`[data-testid="grid-cell"][data-image-id="${nextId}"][data-class=""]`).waitFor();
  await session.screenshot('live-03-sidebar');

  // The Train tab, before any Train: the draft's accuracy after each run, as a line.
  await page.getByTestId('tab-train').click();
  const learning = page.getByTestId('live-learning');
  await learning.waitFor();
  assert.match(await learning.getByTestId('live-learning-now').innerText(), /Draft now: \d+%/);
  assert.ok(Number(await learning.getByTestId('live-learning-chart').getAttribute('data-epochs')) >= 2, 'a point per run');
  await learning.scrollIntoViewIfNeeded();
  await session.screenshot('live-04-train-view');
  assert.deepEqual(session.hostLog.filter((l) => l.includes('[pageerror]')), []);
});
