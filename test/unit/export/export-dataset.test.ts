import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ProjectStore } from '../../../db/project-store.js';
import type { ClassInfo } from '../../../contract/types.js';
import { CSV_NAME, exportDataset, type DatasetExportResult } from '../../../main/export/dataset-export.js';
import { prepareOutputDir, writeFilesAtomically } from '../../../main/export/write-files.js';
import { importPaths } from '../../../main/import/import-session.js';
import { makeImage, makeImageTree } from '../../helpers/images.js';
import { tempDir } from '../../helpers/temp.js';
import { parseCsv as parseRows } from '../../helpers/csv.js';
import { projectSql } from '../../helpers/project-sql.js';

const quiet = { onProgress: () => undefined };
const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Every row of what the export wrote ends with CRLF, the last one too. */
function parseCsv(text: string): string[][] {
  assert.ok(text.endsWith('\r\n'), 'every row ends with CRLF');
  return parseRows(text);
}

function filesBelow(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
}

// ---- one project, shared by the tests below ------------------------------

const work = tempDir();
// A dataset laid out in splits, as a person's photos would be, one of them a GIF.
const bugs = path.join(work, 'bugs');
await makeImageTree(bugs, { 'train/ants': 14, 'train/bees': 12, 'val/ants': 8, 'val/bees': 8 });
await makeImage(path.join(bugs, 'train/bees/placeholder.gif'), 'gif');
const extra = path.join(work, 'extra');
// A name that also exists in bugs/train/ants, with other bytes: both must be exported.
const clashing = fs.readdirSync(path.join(bugs, 'train/ants')).sort()[0]!;
await makeImage(path.join(extra, 'train/ants', clashing));
await makeImage(path.join(extra, 'train/ants/gone.png'), 'png');
await makeImage(path.join(extra, 'val/bees/changed.jpg'));
await makeImage(path.join(extra, 'val/bees/kept.jpg'));
await makeImage(path.join(extra, 'wasps/w1.jpg'));
await makeImage(path.join(extra, 'wasps/w2.jpg'));
await makeImage(path.join(extra, 'test/flies/f1.jpg'));
await makeImage(path.join(extra, 'moths/m1.jpg'));
await makeImage(path.join(extra, 'train/beetles/b1.jpg'));
await makeImage(path.join(extra, 'unsorted.jpg'));

const store = ProjectStore.create(path.join(work, 'source.pancake'));
const imported = await importPaths(store, [bugs, extra], quiet);
assert.deepEqual(imported.skipped, []);

// Two images stand for ones imported by a Pancake that did not keep originals (schema 1): the original
// of one disappears and the other changes on disk, so both are exported from the project's JPEG copy.
// A third changes on disk too, but its original is kept in the project, so the export hands that back.
const forgetOriginal = (relPath: string): void => {
  const id = store.listImages().find((r) => r.sourcePath === path.join(extra, relPath))!.id;
  projectSql(store).prepare('DELETE FROM image_originals WHERE image_id = ?').run(id);
};
forgetOriginal('train/ants/gone.png');
forgetOriginal('val/bees/changed.jpg');
fs.rmSync(path.join(extra, 'train/ants/gone.png'));
await makeImage(path.join(extra, 'val/bees/changed.jpg'));
const keptSha = sha256(path.join(extra, 'val/bees/kept.jpg'));
await makeImage(path.join(extra, 'val/bees/kept.jpg'));

// Every split is used, including none, and every label provenance (on the bugs images, leaving the ones above alone).
const rows = store.listImages().filter((r) => r.sourcePath.startsWith(bugs + path.sep) && r.fileName !== clashing);
const classId = (name: string): number => store.classByName(name)!.id;
const ofClass = (name: string, split: string) => rows.filter((r) => r.classId === classId(name) && r.split === split);
store.setSplit(ofClass('ants', 'train').slice(0, 10).map((r) => r.id), 'none');
store.setSplit(ofClass('bees', 'validation').slice(0, 5).map((r) => r.id), 'test');
store.applyLabels('move', 'user relabel', [{ imageId: ofClass('ants', 'train').at(-1)!.id, classId: classId('bees'), source: 'user' }]);
store.applyLabels('accept', 'suggestion', [{ imageId: ofClass('bees', 'train').at(-1)!.id, classId: classId('ants'), source: 'suggestion' }]);

// Class names that are unsafe, reserved, taken for a split folder, or need CSV quoting.
const renamed: Record<string, string> = { wasps: '../evil', flies: 'CON', moths: 'Val', beetles: 'say "hi", ok' };
for (const [from, to] of Object.entries(renamed)) store.updateClass(classId(from), { name: to });
/** The class names the export's folders carry, as a re-import reads them. */
const folderNameOf: Record<string, string> = { '../evil': '_evil', CON: '_CON', Val: '_Val', 'say "hi", ok': 'say _hi_, ok' };

const parent = path.join(work, 'parent');
const out = path.join(parent, 'export');
const progress: [number, number][] = [];
const started = performance.now();
const result: DatasetExportResult = await exportDataset(store, out, { onProgress: (done, total) => progress.push([done, total]) });
const exportSeconds = (performance.now() - started) / 1000;
const csvText = fs.readFileSync(path.join(out, CSV_NAME), 'utf8');
const [header, ...csvRows] = parseCsv(csvText);
const column = (name: string): number => header!.indexOf(name);
const rowFor = (originalEnd: string): string[] => csvRows.find((r) => r[column('original_path')]!.endsWith(originalEnd))!;

test('exports every labelled image once, with a labels.csv row each', (t) => {
  t.diagnostic(`exported ${result.files} images (${(result.bytes / 1e6).toFixed(1)} MB) in ${exportSeconds.toFixed(2)} s`);
  const info = store.info();
  assert.equal(result.files, info.images - info.unlabelled);
  assert.equal(result.skippedUnlabelled, 1);
  assert.equal(result.csv, path.join(out, CSV_NAME));

  const written = filesBelow(out).filter((f) => f !== CSV_NAME);
  assert.equal(written.length, result.files);
  assert.equal(written.reduce((n, f) => n + fs.statSync(path.join(out, f)).size, 0), result.bytes);
  assert.deepEqual(header, ['file', 'class', 'split', 'provenance', 'original_path', 'sha256', 'content']);
  assert.deepEqual(csvRows.map((r) => r[0]).sort(), [...written].sort());
  assert.deepEqual(progress.at(-1), [result.files, result.files], 'progress ends at the total');
  // Each row says what the project says about its image.
  const labelled = projectSql(store)
    .prepare(
      `SELECT c.name, i.split, i.label_source, i.source_path, i.sha256 FROM images i JOIN classes c ON c.id = i.class_id`,
    )
    .raw()
    .all() as string[][];
  const described = (r: string[]) => JSON.stringify(r);
  assert.deepEqual(csvRows.map((r) => described(r.slice(1, 6))).sort(), labelled.map(described).sort());
});

test('writes the kept original bytes; the JPEG copy only for an older image whose file is gone or changed', () => {
  for (const row of csvRows) {
    const file = path.join(out, row[column('file')]!);
    if (row[column('content')] === 'original') {
      assert.equal(sha256(file), row[column('sha256')], row[0]);
    } else {
      assert.equal(row[column('content')], 'jpeg_copy');
      assert.match(file, /\.jpg$/);
      assert.deepEqual([...fs.readFileSync(file).subarray(0, 3)], [0xff, 0xd8, 0xff]);
    }
  }
  assert.equal(result.copies, 2);
  assert.equal(rowFor('gone.png')[column('file')], 'train/ants/gone.jpg');
  assert.equal(rowFor('gone.png')[column('content')], 'jpeg_copy');
  assert.equal(rowFor('changed.jpg')[column('file')], 'val/bees/changed.jpg');
  assert.equal(rowFor('changed.jpg')[column('content')], 'jpeg_copy');
  assert.notEqual(sha256(path.join(out, 'val/bees/changed.jpg')), sha256(path.join(extra, 'val/bees/changed.jpg')));
  assert.equal(rowFor('kept.jpg')[column('content')], 'original');
  assert.equal(sha256(path.join(out, 'val/bees/kept.jpg')), keptSha, 'the bytes imported, not the file as it is now');
});

test('two images with the same name in one folder are both written', () => {
  const stem = clashing.replace(/\.[^.]+$/, '');
  const ext = clashing.slice(stem.length);
  const clashingRows = csvRows.filter((r) => path.basename(r[column('original_path')]!) === clashing);
  assert.equal(clashingRows.length, 2);
  assert.deepEqual(clashingRows.map((r) => r[column('file')]).sort(), [`train/ants/${clashing}`, `train/ants/${stem}_2${ext}`].sort());
  assert.notEqual(sha256(path.join(out, 'train/ants', clashing)), sha256(path.join(out, `train/ants/${stem}_2${ext}`)));
});

test('labels.csv records split, provenance and exact class names, quoted where needed', () => {
  const splitOf = (r: string[]) => r[column('split')];
  assert.deepEqual(new Set(csvRows.map(splitOf)), new Set(['train', 'validation', 'test', 'none']));
  assert.deepEqual(new Set(csvRows.map((r) => r[column('provenance')])), new Set(['folder', 'user', 'suggestion']));
  // Split folders: train, val, test; no split: top level.
  for (const r of csvRows) {
    const top = r[0]!.split('/')[0];
    const expected = { train: 'train', validation: 'val', test: 'test' }[splitOf(r) as 'train' | 'validation' | 'test'];
    if (expected) assert.equal(top, expected, r[0]);
    else assert.equal(r[0]!.split('/').length, 2, r[0]);
  }
  assert.equal(rowFor('beetles/b1.jpg')[column('class')], 'say "hi", ok');
  assert.ok(csvText.includes('"say ""hi"", ok"'));
});

test('unsafe, reserved and split-like class names land safely inside the export folder', () => {
  assert.deepEqual(fs.readdirSync(parent), ['export'], 'nothing was written beside the export folder');
  assert.deepEqual(fs.readdirSync(out).filter((f) => f.startsWith('.')), [], 'no staging folder is left behind');
  assert.equal(rowFor('wasps/w1.jpg')[column('file')], '_evil/w1.jpg');
  assert.equal(rowFor('wasps/w1.jpg')[column('class')], '../evil');
  assert.equal(rowFor('flies/f1.jpg')[column('file')], 'test/_CON/f1.jpg');
  assert.equal(rowFor('flies/f1.jpg')[column('class')], 'CON');
  assert.equal(rowFor('moths/m1.jpg')[column('file')], '_Val/m1.jpg');
  for (const r of csvRows) {
    const rel = path.relative(out, path.resolve(out, r[0]!));
    assert.ok(!rel.startsWith('..') && !path.isAbsolute(rel), r[0]);
  }
});

test('importing the export into a new project gives the same classes and split counts', async (t) => {
  const copy = ProjectStore.create(path.join(work, 'round-trip.pancake'));
  const started = performance.now();
  const report = await importPaths(copy, [out], quiet);
  t.diagnostic(`re-import took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  assert.deepEqual(report.skipped.map((s) => s.file), [`export/${CSV_NAME}`], 'only labels.csv is not an image');
  assert.deepEqual(report.duplicates, []);

  const summary = (classes: ClassInfo[], rename: (name: string) => string) =>
    classes
      .filter((c) => c.count > 0)
      .map((c) => ({ name: rename(c.name), splits: c.splits }))
      .sort((a, b) => a.name.localeCompare(b.name));
  const before = store.info();
  const after = copy.info();
  assert.deepEqual(summary(after.classes, (n) => n), summary(before.classes, (n) => folderNameOf[n] ?? n));
  assert.equal(after.images, result.files);
  assert.equal(after.unlabelled, 0);
  copy.close();
});

test('refuses to write over an existing export unless allowed', async () => {
  const csvBefore = fs.readFileSync(path.join(out, CSV_NAME));
  await assert.rejects(exportDataset(store, out), {
    name: 'ExportError',
    message: `${path.join(out, CSV_NAME)} already exists; choose another folder or allow replacing files`,
  });
  assert.deepEqual(fs.readFileSync(path.join(out, CSV_NAME)), csvBefore);
  assert.deepEqual(fs.readdirSync(out).filter((f) => f.startsWith('.')), []);

  const again = await exportDataset(store, out, { overwrite: true });
  assert.equal(again.files, result.files);
  assert.equal(filesBelow(out).length, result.files + 1, 'the same names were replaced, none added');
});

test('a cancelled export leaves the folder as it was', async () => {
  const target = path.join(work, 'cancelled');
  const controller = new AbortController();
  await assert.rejects(
    exportDataset(store, target, {
      signal: controller.signal,
      onProgress: (done) => {
        if (done === 20) controller.abort();
      },
    }),
    { name: 'AbortError' },
  );
  assert.deepEqual(fs.readdirSync(target), []);
});

test('a project with no labelled image has nothing to export', async () => {
  const empty = ProjectStore.create(path.join(work, 'empty.pancake'));
  await assert.rejects(exportDataset(empty, path.join(work, 'empty-export')), {
    name: 'ExportError',
    message: 'No image has a class yet, so there is nothing to export.',
  });
  empty.close();
});

// ---- the output-folder checks every export shares -------------------------

test('prepareOutputDir refuses an existing file, a file given as the folder and a path through a file', async () => {
  const dir = path.join(tempDir(), 'model');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'model.onnx'), 'old');
  await assert.rejects(prepareOutputDir(dir, ['model.onnx'], { overwrite: false }), {
    name: 'ExportError',
    message: `${path.join(dir, 'model.onnx')} already exists; choose another folder or allow replacing files`,
  });
  await prepareOutputDir(dir, ['model.onnx'], { overwrite: true });

  const file = path.join(dir, 'model.onnx');
  await assert.rejects(prepareOutputDir(file, [], { overwrite: true }), {
    name: 'ExportError',
    message: `${file} is a file, not a folder; choose a folder for the export`,
  });
  await assert.rejects(prepareOutputDir(path.join(file, 'sub'), [], { overwrite: true }), {
    name: 'ExportError',
    message: `Pancake cannot write to ${path.join(file, 'sub')}: part of that path is a file, not a folder`,
  });
  const fresh = path.join(dir, 'a/b/c');
  await prepareOutputDir(fresh, ['x'], { overwrite: false });
  assert.ok(fs.statSync(fresh).isDirectory(), 'missing folders are created');
  assert.deepEqual(fs.readdirSync(fresh), [], 'the write test leaves nothing behind');
});

test('writeFilesAtomically writes all files or none, and only inside the folder', async () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'model.onnx'), 'old');
  const files = new Map([
    ['labels.txt', Buffer.from('ants\nbees\n')],
    ['model.onnx', Buffer.from('new model')],
  ]);
  await assert.rejects(writeFilesAtomically(dir, files, { overwrite: false }), { name: 'ExportError' });
  assert.deepEqual(fs.readdirSync(dir), ['model.onnx'], 'labels.txt was not written either');

  await writeFilesAtomically(dir, files, { overwrite: true });
  assert.deepEqual(fs.readdirSync(dir).sort(), ['labels.txt', 'model.onnx']);
  assert.equal(fs.readFileSync(path.join(dir, 'model.onnx'), 'utf8'), 'new model');

  for (const overwrite of [false, true]) {
    await assert.rejects(writeFilesAtomically(dir, new Map([['../escape.txt', Buffer.from('x')]]), { overwrite }), {
      name: 'ExportError',
      message: /not a name inside/,
    });
  }
  assert.ok(!fs.existsSync(path.join(dir, '../escape.txt')));
  assert.deepEqual(fs.readdirSync(dir).sort(), ['labels.txt', 'model.onnx']);
});

test('a folder Pancake may not write to gets a clear message', async (t) => {
  // tempDir() is private to this user; the locked folder must be reachable by the unprivileged user below.
  const base = tempDir();
  fs.chmodSync(base, 0o755);
  const locked = path.join(base, 'locked');
  fs.mkdirSync(locked, { mode: 0o555 });
  fs.chmodSync(locked, 0o555);
  const expected = `Pancake cannot write to ${locked}: permission denied`;

  if (process.getuid?.() !== 0) {
    await assert.rejects(prepareOutputDir(locked, [], { overwrite: false }), { name: 'ExportError', message: expected });
    return;
  }
  // Root writes through permission bits, so the check runs in a child process as "nobody".
  t.diagnostic('running as root: checking the permission message as uid 65534');
  const module = pathToFileURL(path.resolve(import.meta.dirname, '../../../main/export/write-files.js')).href;
  const script = `import { prepareOutputDir } from ${JSON.stringify(module)};
    prepareOutputDir(${JSON.stringify(locked)}, [], { overwrite: false }).then(
      () => console.log(JSON.stringify({ ok: true })),
      (err) => console.log(JSON.stringify({ name: err.name, message: err.message })));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout), { name: 'ExportError', message: expected });
});
