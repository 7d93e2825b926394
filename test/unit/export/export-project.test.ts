import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { ProjectStore, type NewImage } from '../../../db/project-store.js';
import { backupProject } from '../../../main/export/project-backup.js';
import { tempDir } from '../../helpers/temp.js';
import { projectSql } from '../../helpers/project-sql.js';

const dir = tempDir();

/** Random pixels: the file must span many backup steps, and nothing compresses them. */
function fakeImage(i: number, classId: number | null): NewImage {
  return {
    sha256: randomBytes(32).toString('hex'),
    fileName: `img${i}.jpg`,
    sourcePath: `/photos/img${i}.jpg`,
    width: 640,
    height: 480,
    format: 'jpeg',
    byteSize: 100_000,
    split: (['train', 'validation', 'test', 'none'] as const)[i % 4]!,
    classId,
    importId: null,
    normalized: randomBytes(40_000),
    normalizedWidth: 512,
    normalizedHeight: 384,
    thumbnail: randomBytes(4_000),
    original: randomBytes(100_000),
  };
}

const store = ProjectStore.create(path.join(dir, 'source.pancake'));
const ants = store.createClass('ants');
const bees = store.createClass('bees');
for (let batch = 0; batch < 6; batch++) {
  store.insertImages(Array.from({ length: 50 }, (_, k) => fakeImage(batch * 50 + k, [ants, bees, null][k % 3]!)));
}
store.applyLabels('move', 'Move 1 image to bees', [{ imageId: 1, classId: bees, source: 'user' }]);
store.setMeta('note', 'kept in the backup');
after(() => store.close());

/** Everything a user would notice, minus where the file is. */
function content(s: ProjectStore): unknown {
  const { path: _path, name: _name, ...info } = s.info();
  const pixels = projectSql(s).prepare('SELECT image_id, normalized, thumbnail FROM image_pixels ORDER BY image_id').all();
  return { info, images: s.listImages(), pixels, note: s.getMeta('note') };
}

function quickCheck(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma('quick_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

test('a backup opens as the same project, in one file', async (t) => {
  const dest = path.join(dir, 'backups', 'copy.pancake');
  const progress: [number, number][] = [];
  const started = performance.now();
  const { bytes } = await backupProject(store, dest, { onProgress: (done, total) => progress.push([done, total]) });
  t.diagnostic(`${(bytes / 1e6).toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(2)} s, ${progress.length} progress reports`);

  assert.equal(bytes, fs.statSync(dest).size);
  assert.deepEqual(fs.readdirSync(path.dirname(dest)), ['copy.pancake'], 'no -wal, -shm or temporary file beside it');
  assert.ok(progress.length > 2, 'progress is reported while copying');
  const [done, total] = progress.at(-1)!;
  assert.equal(done, total);
  assert.equal(quickCheck(dest), 'ok');

  const copy = ProjectStore.open(dest);
  try {
    assert.deepEqual(content(copy), content(store));
  } finally {
    copy.close();
  }
});

// Another connection (a worker thread, so truly at the same time) commits
// rows in a loop. Each commit adds a row and records how many it has added,
// so a copy that tore a commit apart would disagree with itself.
const WRITER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const flags = new Int32Array(workerData.flags);
const add = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
const count = db.prepare("INSERT INTO meta (key, value) VALUES ('writer_count', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
const commit = db.transaction((i) => {
  add.run('row:' + i, 'x'.repeat(3000));
  count.run(String(i));
});
let i = 0;
while (Atomics.load(flags, 1) === 0) {
  commit(++i);
  Atomics.store(flags, 0, i);
}
db.close();
parentPort.postMessage(i);
`;

test('a backup taken while other connections write is consistent', async (t) => {
  const flags = new Int32Array(new SharedArrayBuffer(8));
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WRITER, { eval: true, workerData: { file: store.file, driver, flags: flags.buffer } });
  const finished = new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  // Wait until the writer is going, so the backup starts in the middle of its commits.
  while (Atomics.load(flags, 0) < 20) await new Promise((resolve) => setTimeout(resolve, 5));

  // The app's own connection writes too, between backup steps; SQLite mirrors those into the copy.
  let ownWrites = 0;
  let restarts = 0;
  let lastDone = 0;
  const dest = path.join(dir, 'busy.pancake');
  const startedAt = Atomics.load(flags, 0);
  await backupProject(store, dest, {
    onProgress: (done) => {
      if (done < lastDone || (done === lastDone && done > 0)) restarts++;
      lastDone = done;
      store.transaction(() => {
        ownWrites++;
        store.setMeta(`own:${ownWrites}`, 'y');
        store.setMeta('own_count', String(ownWrites));
      });
    },
  });
  Atomics.store(flags, 1, 1);
  const written = await finished;
  t.diagnostic(`writer committed ${startedAt} rows before and ${written} by the end; ${ownWrites} own writes; ${restarts} restarts seen`);

  assert.equal(quickCheck(dest), 'ok');
  const copy = ProjectStore.open(dest);
  try {
    const rows = (prefix: string) =>
      (projectSql(copy).prepare('SELECT COUNT(*) AS n FROM meta WHERE key LIKE ?').get(`${prefix}%`) as { n: number }).n;
    const writerRows = rows('row:');
    assert.equal(String(writerRows), copy.getMeta('writer_count'), 'no commit of the other connection is torn');
    assert.ok(writerRows >= startedAt && writerRows <= written);
    assert.equal(String(rows('own:')), copy.getMeta('own_count') ?? '0', 'no commit of the own connection is torn');
    assert.equal(copy.imageCount(), store.imageCount());
    assert.deepEqual(copy.classes(), store.classes());
  } finally {
    copy.close();
  }
  assert.ok(!fs.existsSync(`${dest}-wal`));
});

test('the open project itself and its side files are never overwritten', async () => {
  const before = content(store);
  for (const overwrite of [false, true]) {
    await assert.rejects(backupProject(store, store.file, { overwrite }), {
      name: 'ExportError',
      message: `${store.file} is the open project itself; choose another name for the backup`,
    });
  }
  const link = path.join(dir, 'link.pancake');
  fs.symlinkSync(store.file, link);
  await assert.rejects(backupProject(store, link, { overwrite: true }), {
    name: 'ExportError',
    message: `${link} is the open project itself; choose another name for the backup`,
  });
  await assert.rejects(backupProject(store, `${store.file}-wal`, { overwrite: true }), {
    name: 'ExportError',
    message: `${store.file}-wal belongs to the open project; choose another name for the backup`,
  });
  assert.deepEqual(content(store), before);
});

test('an existing file is replaced only when allowed, and never one with a live -wal beside it', async () => {
  const dest = path.join(dir, 'existing.pancake');
  fs.writeFileSync(dest, 'not a project');
  await assert.rejects(backupProject(store, dest), {
    name: 'ExportError',
    message: `${dest} already exists; choose another folder or allow replacing files`,
  });
  assert.equal(fs.readFileSync(dest, 'utf8'), 'not a project');

  await backupProject(store, dest, { overwrite: true });
  const copy = ProjectStore.open(dest);
  assert.equal(copy.imageCount(), store.imageCount());
  copy.close();

  // A -wal left by a crash (or an open project) would be replayed into the new file.
  fs.writeFileSync(`${dest}-wal`, 'pending changes');
  await assert.rejects(backupProject(store, dest, { overwrite: true }), {
    name: 'ExportError',
    message: new RegExp(`^${dest.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-wal exists`),
  });
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('.')), [], 'no temporary file is left');
});
