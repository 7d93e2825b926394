// Classes as a project with many of them needs: distinct colours, one order
// of classes from an import whatever the transport, and folder names that
// keep reaching a class after it is renamed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrations } from '../../../db/migrations.js';
import { APPLICATION_ID } from '../../../db/open.js';
import { CLASS_COLORS, ProjectStore } from '../../../db/project-store.js';
import { ImportSession, importPaths } from '../../../main/import/import-session.js';
import { formatImportReport } from '../../../main/cli/commands.js';
import { pancake } from '../../helpers/cli.js';
import { makeImageTree } from '../../helpers/images.js';
import { tempDir } from '../../helpers/temp.js';

const work = tempDir('pancake-class-order-');
let projects = 0;
const newStore = (): ProjectStore => ProjectStore.create(path.join(work, `p${++projects}.pancake`));
const quiet = { onProgress: () => undefined };

/** CIE 1976 L*a*b* of an sRGB colour, D65. */
function lab(hex: string): [number, number, number] {
  const lin = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const [r, g, b] = [lin(1), lin(3), lin(5)];
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  const x = f((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047);
  const y = f(0.2126 * r + 0.7152 * g + 0.0722 * b);
  const z = f((0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883);
  return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
}

test('the palette holds at least 20 colours, each clearly apart from every other', () => {
  assert.ok(CLASS_COLORS.length >= 20);
  for (let i = 0; i < CLASS_COLORS.length; i++) {
    for (let j = i + 1; j < CLASS_COLORS.length; j++) {
      const [a, b] = [lab(CLASS_COLORS[i]!), lab(CLASS_COLORS[j]!)];
      const distance = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
      assert.ok(distance >= 20, `${CLASS_COLORS[i]} and ${CLASS_COLORS[j]} are only ${distance.toFixed(1)} apart`);
    }
  }
});

test('a new class takes the first colour no class uses', () => {
  const store = newStore();
  const ids = Array.from({ length: 20 }, (_, i) => store.createClass(`class${i + 1}`));
  const colours = store.classes().map((c) => c.color);
  assert.equal(new Set(colours).size, 20, 'twenty classes, twenty colours');
  assert.deepEqual(colours, CLASS_COLORS.slice(0, 20));

  // A colour freed by a deletion is the next one given out, not a repeat of the first.
  store.deleteClass(ids[2]!);
  store.createClass('class21');
  assert.equal(store.classes().at(-1)!.color, CLASS_COLORS[2]);
  // A colour the user picked counts as used.
  store.updateClass(ids[0]!, { color: CLASS_COLORS[20]! });
  store.createClass('class22');
  assert.equal(store.classes().at(-1)!.color, CLASS_COLORS[0]);
  assert.equal(new Set(store.classes().map((c) => c.color)).size, store.classes().length);
  store.close();
});

test('the same folder gives the same natural order of classes dropped in the app and imported by the CLI', async () => {
  const names = Array.from({ length: 12 }, (_, i) => `class${i + 1}`);
  const folder = path.join(work, 'twelve');
  const files = await makeImageTree(folder, Object.fromEntries(names.map((n) => [n, 2])));
  const natural = ['class1', 'class2', 'class3', 'class4', 'class5', 'class6', 'class7', 'class8', 'class9', 'class10', 'class11', 'class12'];

  // The app sends a dropped folder's files in whatever order the browser walks them: here, last folder first.
  const app = newStore();
  const session = new ImportSession(app, quiet);
  for (const file of [...files].reverse()) {
    await session.addFile(path.posix.join('twelve', path.relative(folder, file).split(path.sep).join('/')), fs.readFileSync(file));
  }
  const report = await session.finish();
  assert.deepEqual(app.classes().map((c) => c.name), natural);
  assert.deepEqual(report.classesCreated, natural);
  app.close();

  const home = tempDir('pancake-class-order-home-');
  const cliProject = path.join(work, 'cli.pancake');
  const res = await pancake(['import', cliProject, folder], { home });
  assert.equal(res.code, 0, res.stderr);
  const cli = ProjectStore.open(cliProject);
  assert.deepEqual(cli.classes().map((c) => c.name), natural);
  cli.close();
});

test('classes an import makes go after the ones the user ordered, in natural order', async () => {
  const store = newStore();
  const mine = [store.createClass('zebra'), store.createClass('Apple')];
  const folder = path.join(work, 'later');
  await makeImageTree(folder, { 'b10': 1, 'B9': 1, 'apple': 1, 'a1': 1 });
  await importPaths(store, [folder], quiet);
  assert.deepEqual(store.classes().map((c) => c.name), ['zebra', 'Apple', 'a1', 'B9', 'b10']);
  assert.equal(store.classes()[1]!.id, mine[1]);
  store.close();
});

test('a renamed class still receives the images of the folder it came from', async () => {
  const store = newStore();
  const root = path.join(work, 'clothes');
  await makeImageTree(root, { 'train/t-shirt': 3, 'train/hat': 2, 'val/t-shirt': 2, 'val/hat': 1 });
  await importPaths(store, [path.join(root, 'train')], quiet);
  const tshirt = store.classByName('t-shirt')!;
  store.updateClass(tshirt.id, { name: 'tee' });

  const report = await importPaths(store, [path.join(root, 'val')], quiet);
  assert.deepEqual(report.classesCreated, [], 'no new "t-shirt" class');
  assert.deepEqual(store.classes().map((c) => [c.name, c.count]), [['hat', 3], ['tee', 5]]);
  assert.equal(store.classByName('t-shirt'), null);
  assert.deepEqual(store.classFolders(tshirt.id), ['t-shirt']);

  // Merged away, its folders follow it into the class it joined.
  store.mergeClasses(tshirt.id, store.classByName('hat')!.id);
  assert.deepEqual(store.classFolders(store.classByName('hat')!.id), ['hat', 't-shirt']);
  store.close();
});

test('a class of the folder name wins over a folder a renamed class remembers', async () => {
  const store = newStore();
  const root = path.join(work, 'renamed-then-made');
  await makeImageTree(root, { 'first/cats': 1, 'second/cats': 1 });
  await importPaths(store, [path.join(root, 'first')], quiet);
  const old = store.classByName('cats')!;
  store.updateClass(old.id, { name: 'felines' });
  const made = store.createClass('cats');
  await importPaths(store, [path.join(root, 'second')], quiet);
  assert.deepEqual(store.classes().map((c) => [c.name, c.count]), [['felines', 1], ['cats', 1]]);
  assert.deepEqual(store.classFolders(made), ['cats']);
  store.close();
});

test('a duplicate already in the project unlabelled takes the label of the class folder it is found in, and the report says so', async () => {
  const store = newStore();
  const root = path.join(work, 'dups');
  const files = await makeImageTree(root, { 'loose': 3 });
  // First the photos arrive on their own, unlabelled; one is labelled by hand.
  await importPaths(store, files, quiet);
  assert.equal(store.info().unlabelled, 3);
  const hand = store.createClass('hand');
  const first = store.listImages().find((img) => img.fileName === path.basename(files[0]!))!;
  store.applyLabels('label', 'label 1 image', [{ imageId: first.id, classId: hand, source: 'user' }]);

  // Then the same photos come again in class folders (hat twice, a flat folder once).
  for (const [i, file] of files.entries()) {
    const dest = i < 2 ? path.join(root, 'again', 'hat', path.basename(file)) : path.join(root, 'cap', path.basename(file));
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(file, dest);
  }
  const report = await importPaths(store, [path.join(root, 'again'), path.join(root, 'cap')], quiet);
  assert.equal(report.added, 0);
  assert.equal(report.duplicates.length, 3);
  // The hand-labelled one keeps its label; the two unlabelled ones take their folder's class.
  assert.deepEqual(report.duplicatesLabelled, [
    { className: 'hat', count: 1 },
    { className: 'cap', count: 1 },
  ]);
  const byId = new Map(store.classes().map((c) => [c.id, c.name]));
  const classOf = (file: string) => {
    const img = store.listImages().find((i) => i.fileName === path.basename(file))!;
    return img.classId === null ? null : byId.get(img.classId);
  };
  assert.deepEqual(files.map(classOf), ['hand', 'hat', 'cap']);
  assert.equal(store.info().unlabelled, 0);
  assert.match(formatImportReport(report), /^1 duplicate was already in the project unlabelled and got the label hat\.$/m);
  assert.match(formatImportReport(report), /^1 duplicate was already in the project unlabelled and got the label cap\.$/m);
  store.close();
});

test('a project from before folder names were kept remembers the folders of its folder-labelled classes', () => {
  // A project file as the first schema wrote it: two classes an import made
  // from folders, one the user made.
  const file = path.join(work, 'old.pancake');
  const old = new Database(file);
  old.pragma(`application_id = ${APPLICATION_ID}`);
  migrations.find((m) => m.version === 1)!.up(old);
  old.pragma('user_version = 1');
  const addClass = old.prepare('INSERT INTO classes (name, color, position, created_at) VALUES (?, ?, ?, 0)');
  const addImage = old.prepare(
    `INSERT INTO images (sha256, file_name, source_path, width, height, format, byte_size, class_id, label_source, imported_at)
     VALUES (?, ?, ?, 40, 30, 'jpeg', 100, ?, ?, 0)`,
  );
  for (const [i, [name, source]] of ([['dogs', 'folder'], ['birds', 'folder'], ['manual', 'user']] as const).entries()) {
    const classId = Number(addClass.run(name, CLASS_COLORS[i], i).lastInsertRowid);
    addImage.run(`sha-${name}`, `${name}.jpg`, `/photos/${name}/${name}.jpg`, classId, source);
  }
  old.close();

  const reopened = ProjectStore.open(file);
  const names = (id: number) => reopened.classFolders(id);
  assert.deepEqual(names(reopened.classByName('dogs')!.id), ['dogs']);
  assert.deepEqual(names(reopened.classByName('birds')!.id), ['birds']);
  assert.deepEqual(names(reopened.classByName('manual')!.id), []);
  reopened.close();
});
