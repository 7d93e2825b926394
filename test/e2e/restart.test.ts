// A restart of the browser host is not a dead end, and nothing looks saved
// that was not: the host is killed under an open page (a key press then
// leaves the grid as it was and says so), started again on the same port
// with the same state folder (the page reconnects by itself and the next
// press is saved), started again with a new token (the page says to open the
// address Pancake printed instead of retrying forever), and projects open from the start screen's list of the
// Pancake folder and by uploading a project file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { PancakeCore } from '../../main/core/core.js';
import { TOKEN_FILE } from '../../main/host/host-token.js';
import { makeImage, makeImageTree } from '../helpers/images.js';
import { tempDir } from '../helpers/temp.js';
import { startSession } from './harness.js';
import { createProject, importFolder } from './steps.js';

const CLASSES = ['bag', 'boots', 'dress', 'hat', 'jacket', 'jeans', 'scarf', 'shirt', 'shorts', 'skirt', 'socks', 'sweater'];

async function text(page: Page, testid: string): Promise<string> {
  return (await page.getByTestId(testid).innerText()).trim();
}

/** A project made outside the browser, as another machine or the CLI would. */
async function projectFile(file: string, className: string): Promise<void> {
  const core = new PancakeCore({ stateDir: tempDir(), host: 'cli' });
  await core.api.projectCreate({ path: file });
  await core.api.classCreate({ name: className });
  core.shutdown();
}

test('the page survives a host restart; a press while it is down changes nothing; projects open from the folder list and by upload', { timeout: 300_000 }, async (t) => {
  const session = await startSession({ viewport: { width: 1280, height: 800 } });
  t.after(() => session.close());
  const { page, home } = session;
  const port = new URL(session.url).port;

  const photos = tempDir();
  await makeImageTree(photos, Object.fromEntries(CLASSES.map((c) => [c, 2])));
  for (let i = 1; i <= 6; i++) await makeImage(path.join(photos, `loose-${i}.jpg`));

  await page.getByTestId('start-screen').waitFor();
  await createProject(page, 'Clothes');
  await importFolder(page, photos);
  await page.locator('[data-testid="count-unlabelled"]:text-is("6")').waitFor();
  const firstClass = page.locator('[data-testid^="class-row-"]').first();
  const firstName = (await firstClass.getAttribute('data-testid'))!.slice('class-row-'.length);
  assert.equal(await firstClass.getAttribute('data-count'), '2');

  await page.getByTestId('filter-unlabelled').click();
  const cell = page.getByTestId('grid-cell').first();
  const cellId = (await cell.getAttribute('data-image-id'))!;
  const theCell = page.locator(`[data-testid="grid-cell"][data-image-id="${cellId}"]`);

  // --- the host goes away under the open page ---------------------------
  await session.stopHost();
  const notice = page.getByTestId('connection-notice');
  await page.locator('[data-testid="connection-notice"][data-state="reconnecting"]').waitFor();
  assert.match(await notice.innerText(), /Reconnecting…/);

  await theCell.click();
  await page.keyboard.press('1');
  const error = page.getByTestId('toast-error');
  await error.waitFor();
  assert.match(await error.innerText(), /Could not save: Pancake is not reachable\. The label was not changed\./);
  assert.equal(await theCell.getAttribute('data-class'), '', 'the grid shows what the file holds');
  assert.equal(await text(page, 'count-unlabelled'), '6');
  assert.equal(await firstClass.getAttribute('data-count'), '2');
  await session.screenshot('restart-01-reconnecting');

  // --- it comes back on the same port; the page finds it by itself -------
  const again = await session.startHost();
  assert.equal(new URL(again).port, port, 'the same port as before');
  await page.locator('[data-testid="connection-notice"][data-state="reconnected"]').waitFor();
  assert.match(await notice.innerText(), /Reconnected/);
  await session.screenshot('restart-02-reconnected');

  await theCell.click();
  await page.keyboard.press('1');
  await page.locator('[data-testid="count-unlabelled"]:text-is("5")').waitFor();
  await page.locator(`[data-testid="class-row-${firstName}"][data-count="3"]`).waitFor();
  // Saved in the file, not just shown: a fresh load of the page says the same.
  await page.reload();
  await page.locator(`[data-testid="class-row-${firstName}"][data-count="3"]`).waitFor();
  assert.equal(await text(page, 'count-unlabelled'), '5');

  // --- it comes back with a new token: the page says what to do, not "Reconnecting…" forever
  await session.stopHost();
  await page.locator('[data-testid="connection-notice"][data-state="reconnecting"]').waitFor();
  fs.rmSync(path.join(home, TOKEN_FILE));
  const withNewToken = await session.startHost();
  assert.equal(new URL(withNewToken).port, port, 'the same port, but a new token');
  await page.locator('[data-testid="connection-notice"][data-state="refused"]').waitFor();
  assert.match(await notice.innerText(), /Open the address Pancake printed when it started/);
  assert.doesNotMatch(await notice.innerText(), /Reconnecting/);
  await session.screenshot('restart-03-new-token');
  // The address the host printed lets the page in again.
  await page.goto(withNewToken);
  await page.locator(`[data-testid="class-row-${firstName}"][data-count="3"]`).waitFor();
  assert.equal(await notice.count(), 0);

  // --- open a project by upload ------------------------------------------
  const pancakeDir = path.join(home, 'Pancake');
  const elsewhere = path.join(tempDir(), 'Birds.pancake');
  await projectFile(elsewhere, 'heron');
  // Made outside the app, so it is only in the folder, not among the recent ones.
  await projectFile(path.join(pancakeDir, 'Garden.pancake'), 'rose');

  await page.getByTestId('project-menu-button').click();
  await page.getByTestId('menu-close').click();
  await page.getByTestId('start-screen').waitFor();
  const listed = page.locator('[data-testid="folder-project"]');
  await listed.first().waitFor();
  assert.deepEqual(await listed.allInnerTexts().then((all) => all.map((s) => s.split('\n')[0]!.trim())), ['Garden']);
  await session.screenshot('restart-04-start-screen-projects');

  await page.getByTestId('upload-project-input').setInputFiles(elsewhere);
  await page.locator('[data-testid="project-name"]:text-is("Birds")').waitFor();
  await page.getByTestId('class-row-heron').waitFor();
  assert.ok(fs.existsSync(path.join(pancakeDir, 'Birds.pancake')), 'kept in the Pancake folder');

  // --- open a project from the folder list ---------------------------------
  await page.getByTestId('project-menu-button').click();
  await page.getByTestId('menu-close').click();
  await page.getByTestId('start-screen').waitFor();
  await page.locator('[data-testid="folder-project"][data-path$="Garden.pancake"]').click();
  await page.locator('[data-testid="project-name"]:text-is("Garden")').waitFor();
  await page.getByTestId('class-row-rose').waitFor();

  assert.deepEqual(session.hostLog.filter((l) => l.includes('[pageerror]')), []);
});
