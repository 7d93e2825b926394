// A project on a read-only disk opens in the real renderer to look at, and
// the top bar says it is read-only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { ProjectStore } from '../../db/project-store.js';
import { importPaths } from '../../main/import/import-session.js';
import { startSession } from './harness.js';

const isRoot = process.getuid?.() === 0;

test('a read-only project opens with a read-only notice, no way to add images, and changes refused in a sentence', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pancake-e2e-ro-'));
  // Undone last first: the host closes before the disk is unmounted, the disk before its folder goes.
  const cleanup: (() => unknown)[] = [() => fs.rmSync(dir, { recursive: true, force: true })];
  t.after(async () => {
    for (const step of cleanup.reverse()) await step();
  });
  const disk = path.join(dir, 'disk');
  fs.mkdirSync(disk);
  // Root writes through file modes, so as root the disk itself is made read-only.
  if (isRoot) {
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=5m', 'tmpfs', disk]);
    assert.equal(mounted.status, 0, mounted.stderr.toString());
    cleanup.push(() => spawnSync('umount', [disk]));
  }
  const photo = path.join(dir, 'photo.jpg');
  await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 120, b: 30 } } }).jpeg().toFile(photo);
  const file = path.join(disk, 'Shelf.pancake');
  const store = ProjectStore.create(file);
  await importPaths(store, [photo], { onProgress: () => undefined });
  store.close();
  if (isRoot) {
    const remounted = spawnSync('mount', ['-o', 'remount,ro', disk]);
    assert.equal(remounted.status, 0, remounted.stderr.toString());
  } else {
    fs.chmodSync(file, 0o444);
    fs.chmodSync(disk, 0o555);
    cleanup.push(() => fs.chmodSync(disk, 0o755));
  }

  const session = await startSession();
  cleanup.push(() => session.close());
  const { page } = session;
  await page.getByTestId('start-screen').waitFor();
  await page.getByTestId('open-project-path').fill(file);
  await page.getByTestId('open-project-button').click();
  await page.locator('[data-testid="project-name"]:text-is("Shelf")').waitFor();
  await page.getByTestId('read-only-notice').waitFor();
  assert.equal(await page.getByTestId('read-only-notice').textContent(), 'Read-only');
  assert.equal(await page.getByTestId('add-images-button').isDisabled(), true);
  assert.equal(await page.getByTestId('add-folder-button').isDisabled(), true);
  await session.screenshot('read-only-01-open');

  // A change is refused in one sentence, and the project stays open.
  await page.getByTestId('new-class-button').click();
  await page.getByTestId('new-class-input').fill('ants');
  await page.getByTestId('new-class-save').click();
  await page.getByTestId('new-class-error').waitFor();
  assert.equal(
    await page.getByTestId('new-class-error').textContent(),
    'The project is read-only (Pancake cannot write to the file or its folder), so the change was not saved.',
  );
  await session.screenshot('read-only-02-change-refused');
  assert.equal(await page.getByTestId('project-name').textContent(), 'Shelf');
  assert.deepEqual(fs.readdirSync(disk), ['Shelf.pancake']);
});
