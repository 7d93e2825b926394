import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { ProjectStore } from '../../../db/project-store.js';
import type { ImportReport } from '../../../contract/types.js';
import { ImportSession, importPaths, type ImportProgress } from '../../../main/import/import-session.js';
import { tempDir } from '../../helpers/temp.js';

const work = tempDir('pancake-import-');
let projects = 0;

function newStore(): ProjectStore {
  return ProjectStore.create(path.join(work, `p${++projects}.pancake`));
}

/** A small JPEG whose bytes differ for every seed. */
function jpeg(seed: number, width = 64, height = 48): Promise<Buffer> {
  const colour = { r: (seed * 53) % 256, g: (seed * 101) % 256, b: (seed * 197) % 256 };
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .jpeg({ quality: 80 + (seed % 3) })
    .withMetadata({ density: 72 + seed })
    .toBuffer();
}

function png(seed: number): Promise<Buffer> {
  return sharp({ create: { width: 40, height: 30, channels: 4, background: { r: seed % 256, g: 10, b: 20, alpha: 0.5 } } })
    .png()
    .toBuffer();
}

/** Completion order between the two decoders is not fixed; reports are compared by file. */
const byFile = <T extends { file: string }>(issues: T[]): T[] => [...issues].sort((a, b) => a.file.localeCompare(b.file));

function collector() {
  const events: ImportProgress[] = [];
  return { events, onProgress: (p: ImportProgress) => events.push(p) };
}

/** What the project holds, in the report's terms. */
function storeSummary(store: ProjectStore) {
  const classes = Object.fromEntries(store.classes().map((c) => [c.name, c.splits]));
  const bySplit = { train: 0, validation: 0, test: 0, none: 0 };
  for (const img of store.listImages()) bySplit[img.split]++;
  return { images: store.imageCount(), classes, bySplit };
}

test('dropped folders of loose images become classes; loose images beside class folders stay Unlabelled', async () => {
  const store = newStore();
  const session = new ImportSession(store, collector());
  await session.addFile('cats/a.jpg', await jpeg(11));
  await session.addFile('cats/b.jpg', await jpeg(12));
  await session.addFile('dogs/c.jpg', await jpeg(13));
  await session.addFile('train/d.jpg', await jpeg(14));
  await session.addFile('mixed/birds/e.jpg', await jpeg(15));
  await session.addFile('mixed/stray.jpg', await jpeg(16));
  await session.addFile('alone.jpg', await jpeg(17));
  const report = await session.finish();
  assert.deepEqual([...report.classesCreated].sort(), ['birds', 'cats', 'dogs']);
  const counts = Object.fromEntries(store.classes().map((c) => [c.name, c.count]));
  assert.deepEqual(counts, { birds: 1, cats: 2, dogs: 1 });
  const unlabelled = store.listImages().filter((r) => r.classId === null).map((r) => r.fileName).sort();
  assert.deepEqual(unlabelled, ['alone.jpg', 'd.jpg', 'stray.jpg']);
  assert.ok(store.listImages().filter((r) => r.classId !== null).every((r) => r.labelSource === 'folder'));
});

test('files are placed by their folders, junk is ignored silently, non-images are reported', async () => {
  const store = newStore();
  const progress = collector();
  const session = new ImportSession(store, { ...progress, expected: 8 });
  await session.addFile('drop/train/cats/a.jpg', await jpeg(1));
  await session.addFile('drop/val/dogs/b.png', await png(2));
  await session.addFile('drop/train/Cats/deep/c.jpg', await jpeg(3));
  await session.addFile('drop/loose.jpg', await jpeg(4));
  await session.addFile('drop/.DS_Store', Buffer.from([0, 0, 0, 1, 0x42, 0x75, 0x64, 0x31]));
  await session.addFile('drop/__MACOSX/train/cats/._a.jpg', Buffer.from('junk'));
  await session.addFile('drop/notes.txt', Buffer.from('remember the bees\n'));
  await session.addFile('drop/train/cats/empty.jpg', Buffer.alloc(0));
  const report = await session.finish();

  assert.equal(report.added, 4);
  assert.deepEqual([...report.classesCreated].sort(), ['cats', 'dogs']);
  assert.deepEqual(report.bySplit, { train: 2, validation: 1, test: 0, none: 1 });
  assert.deepEqual(byFile(report.skipped), [
    { file: 'drop/notes.txt', reason: 'not an image (looks like a text file)' },
    { file: 'drop/train/cats/empty.jpg', reason: 'empty file' },
  ]);
  assert.deepEqual(report.duplicates, []);
  assert.equal(report.cancelled, false);

  assert.deepEqual(storeSummary(store), {
    images: 4,
    classes: {
      cats: { train: 2, validation: 0, test: 0, none: 0 },
      dogs: { train: 0, validation: 1, test: 0, none: 0 },
    },
    bySplit: { train: 2, validation: 1, test: 0, none: 1 },
  });
  const rows = store.listImages();
  const loose = rows.find((r) => r.fileName === 'loose.jpg')!;
  assert.deepEqual([loose.classId, loose.labelSource, loose.sourcePath], [null, null, 'drop/loose.jpg']);
  const b = rows.find((r) => r.fileName === 'b.png')!;
  assert.deepEqual([b.format, b.width, b.height, b.labelSource], ['png', 40, 30, 'folder']);
  for (const row of rows) {
    assert.ok(store.thumbnail(row.id)!.length > 0);
    assert.ok(store.normalized(row.id)!.bytes.length > 0);
  }
  // The report is kept with the project.
  assert.deepEqual(store.importReports(), [report]);

  const last = progress.events.at(-1)!;
  assert.deepEqual(last, { done: 8, total: 8, etaSeconds: 0, added: 4, skipped: 2, duplicates: 0 });
  store.close();
});

test('the same bytes are imported once, within a session and across imports', async () => {
  const store = newStore();
  const a = await jpeg(10);
  const session = new ImportSession(store, collector());
  await session.addFile('set/cats/a.jpg', a);
  await session.addFile('set/cats/copy.jpg', a);
  await session.addFile('set/dogs/also-a.jpg', a);
  await session.addFile('set/dogs/b.jpg', await jpeg(11));
  const first = await session.finish();
  assert.equal(first.added, 2);
  assert.deepEqual(byFile(first.duplicates), [
    { file: 'set/cats/copy.jpg', reason: 'same bytes as set/cats/a.jpg, imported once' },
    { file: 'set/dogs/also-a.jpg', reason: 'same bytes as set/cats/a.jpg, imported once' },
  ]);

  const again = new ImportSession(store, collector());
  await again.addFile('later/a.jpg', a);
  await again.addFile('later/c.jpg', await jpeg(12));
  const second = await again.finish();
  assert.equal(second.added, 1);
  assert.deepEqual(second.duplicates, [{ file: 'later/a.jpg', reason: 'already in the project as a.jpg' }]);
  assert.equal(store.imageCount(), 3);
  store.close();
});

test('a copy of a broken file is skipped for the same reason, not called a duplicate', async () => {
  const store = newStore();
  const broken = (await jpeg(20, 400, 300)).subarray(0, 300);
  const session = new ImportSession(store, collector());
  await session.addFile('x/one.jpg', broken);
  await session.addFile('x/two.jpg', broken);
  const report = await session.finish();
  assert.equal(report.added, 0);
  assert.deepEqual(report.duplicates, []);
  assert.deepEqual(report.skipped.map((s) => s.reason), ['truncated or corrupt JPEG', 'truncated or corrupt JPEG']);
  store.close();
});

test('callers are held back while six files are in hand', async () => {
  const store = newStore();
  const session = new ImportSession(store, collector());
  const files = await Promise.all(Array.from({ length: 9 }, (_, i) => jpeg(30 + i)));
  const accepted: boolean[] = files.map(() => false);
  const adds = files.map((bytes, i) => session.addFile(`q/${i}.jpg`, bytes).then(() => (accepted[i] = true)));
  // Only microtasks run here, so no decode can have finished yet.
  for (let i = 0; i < 5; i++) await Promise.resolve();
  assert.deepEqual(accepted, [true, true, true, true, true, true, false, false, false]);
  await Promise.all(adds);
  assert.equal((await session.finish()).added, 9);
  store.close();
});

test('cancelling keeps what was imported, and the project agrees with the report', async () => {
  const store = newStore();
  const progress = collector();
  const files = await Promise.all(
    Array.from({ length: 80 }, async (_, i) => ({
      relPath: `big/${['train', 'val', 'test'][i % 3]}/class${i % 4}/${i}.jpg`,
      bytes: await jpeg(100 + i, 160, 120),
    })),
  );
  const session = new ImportSession(store, { ...progress, expected: 80 });
  for (const [i, file] of files.entries()) {
    await session.addFile(file.relPath, file.bytes);
    if (i === 20) session.cancel();
  }
  assert.equal(session.stopped, true);
  const report = await session.finish();
  assert.equal(report.cancelled, true);
  assert.ok(report.added > 0 && report.added < 80, `added ${report.added}`);
  const summary = storeSummary(store);
  assert.equal(summary.images, report.added);
  assert.deepEqual(summary.bySplit, report.bySplit);
  assert.deepEqual(Object.keys(summary.classes).sort(), [...report.classesCreated].sort());
  assert.ok(progress.events.at(-1)!.done < 80);
  assert.deepEqual(store.importReports()[0], report);
  for (const row of store.listImages()) assert.ok(store.thumbnail(row.id));

  // The project stays usable: importing everything again adds exactly the rest.
  const again = new ImportSession(store, collector());
  for (const file of files) await again.addFile(file.relPath, file.bytes);
  const rest = await again.finish();
  assert.deepEqual([rest.added, rest.duplicates.length], [80 - report.added, report.added]);
  assert.equal(store.imageCount(), 80);
  store.close();
});

test('an aborted signal cancels importPaths mid-way', async () => {
  const folder = path.join(work, 'abort-me');
  fs.mkdirSync(path.join(folder, 'things'), { recursive: true });
  for (let i = 0; i < 60; i++) fs.writeFileSync(path.join(folder, 'things', `${i}.jpg`), await jpeg(200 + i, 200, 150));
  const store = newStore();
  const controller = new AbortController();
  const report = await importPaths(store, [folder], {
    signal: controller.signal,
    onProgress: (p) => {
      if (p.done >= 1) controller.abort();
    },
  });
  assert.equal(report.cancelled, true);
  assert.ok(report.added >= 1 && report.added < 60, `added ${report.added}`);
  assert.equal(store.imageCount(), report.added);
  assert.deepEqual(storeSummary(store).classes, { things: { train: 0, validation: 0, test: 0, none: report.added } });
  store.close();
});

test('progress is throttled, counts up to the total and ends with an ETA of zero', async () => {
  const folder = path.join(work, 'progress');
  fs.mkdirSync(folder);
  for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(folder, `${i}.jpg`), await jpeg(300 + i, 320, 240));
  fs.writeFileSync(path.join(folder, "40.jpg"), await jpeg(300, 320, 240));
  const store = newStore();
  const progress = collector();
  const stamps: number[] = [];
  const report = await importPaths(store, [folder], {
    onProgress: (p) => {
      stamps.push(performance.now());
      progress.onProgress(p);
    },
  });
  assert.equal(report.added, 40);
  assert.equal(report.duplicates.length, 1);
  const { events } = progress;
  for (let i = 1; i < events.length; i++) assert.ok(events[i]!.done >= events[i - 1]!.done);
  // Apart from the final report, events are at least 100 ms apart.
  for (let i = 1; i < stamps.length - 1; i++) assert.ok(stamps[i]! - stamps[i - 1]! >= 99, `gap ${stamps[i]! - stamps[i - 1]!}`);
  assert.deepEqual(events.at(-1), { done: 41, total: 41, etaSeconds: 0, added: 40, skipped: 0, duplicates: 1 });
  store.close();
});

test('files over 200 MB and non-regular files are skipped without being read', async () => {
  const folder = path.join(work, 'odd');
  fs.mkdirSync(folder);
  // Sparse: takes no disk space, but would take 201 MB of memory if read.
  const huge = path.join(folder, 'huge.jpg');
  fs.closeSync(fs.openSync(huge, 'w'));
  fs.truncateSync(huge, 201 * 1024 * 1024);
  const fifo = path.join(folder, 'pipe.jpg');
  const hasFifo = spawnSync('mkfifo', [fifo]).status === 0;
  fs.writeFileSync(path.join(folder, 'ok.jpg'), await jpeg(400));

  const store = newStore();
  const session = new ImportSession(store, collector());
  const before = process.memoryUsage().rss;
  await session.addPath(huge, 'odd/huge.jpg');
  if (hasFifo) await session.addPath(fifo, 'odd/pipe.jpg');
  await session.addPath(path.join(folder, 'ok.jpg'), 'odd/ok.jpg');
  await session.addPath(path.join(folder, 'gone.jpg'), 'odd/gone.jpg');
  const report: ImportReport = await session.finish();
  assert.ok(process.memoryUsage().rss - before < 150e6);
  assert.equal(report.added, 1);
  assert.deepEqual(byFile(report.skipped), [
    { file: 'odd/gone.jpg', reason: 'could not read the file (it does not exist)' },
    { file: 'odd/huge.jpg', reason: 'file too large (201 MB; the limit is 200 MB)' },
    ...(hasFifo ? [{ file: 'odd/pipe.jpg', reason: 'not a regular file' }] : []),
  ]);
  store.close();
});
