import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import Database from 'better-sqlite3';
import { ProjectStore, UNDO_HISTORY_LIMIT, type NewImage, type UndoStep } from '../../../db/project-store.js';
import { labelledImages } from '../../../db/ml-queries.js';
import { APPLICATION_ID } from '../../../db/open.js';
import { LATEST_VERSION } from '../../../db/migrations.js';
import { tempDir } from '../../helpers/temp.js';
import { projectSql } from '../../helpers/project-sql.js';

function fakeImage(n: number, classId: number | null = null, split: NewImage['split'] = 'none'): NewImage {
  return {
    sha256: crypto.createHash('sha256').update(`image ${n}`).digest('hex'),
    fileName: `img${n}.jpg`,
    sourcePath: `/photos/img${n}.jpg`,
    width: 640,
    height: 480,
    format: 'jpeg',
    byteSize: 1000 + n,
    split,
    classId,
    importId: null,
    normalized: new Uint8Array([1, 2, 3]),
    normalizedWidth: 512,
    normalizedHeight: 384,
    thumbnail: new Uint8Array([4, 5, 6]),
    original: new Uint8Array(1000 + n),
  };
}

const newProject = () => ProjectStore.create(path.join(tempDir(), 'p.pancake'));

test('a new project is stamped with our application id and the latest schema version, in WAL mode', () => {
  const store = newProject();
  assert.equal((projectSql(store).pragma('application_id', { simple: true }) as number) >>> 0, APPLICATION_ID);
  assert.equal(projectSql(store).pragma('user_version', { simple: true }), LATEST_VERSION);
  assert.equal(projectSql(store).pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(projectSql(store).pragma('foreign_keys', { simple: true }), 1);
  store.close();
});

test('a project survives close and reopen with everything in it', () => {
  const store = newProject();
  const ants = store.createClass('ants');
  store.insertImages([fakeImage(1, ants, 'train'), fakeImage(2)]);
  store.close();
  const again = ProjectStore.open(store.file);
  const info = again.info();
  assert.equal(info.images, 2);
  assert.equal(info.unlabelled, 1);
  assert.deepEqual(
    info.classes.map((c) => [c.name, c.count, c.splits.train]),
    [['ants', 1, 1]],
  );
  again.close();
});

test('creating over an existing file is refused and leaves it alone', () => {
  const dir = tempDir();
  const file = path.join(dir, 'exists.pancake');
  fs.writeFileSync(file, 'precious');
  assert.throws(() => ProjectStore.create(file), /already exists/);
  assert.equal(fs.readFileSync(file, 'utf8'), 'precious');
});

test('opening a file that is not a project gives a clear error and changes nothing', () => {
  const dir = tempDir();
  const text = path.join(dir, 'notes.pancake');
  fs.writeFileSync(text, 'just some text, not a database at all '.repeat(10));
  const before = fs.readFileSync(text);
  assert.throws(() => ProjectStore.open(text), /not a Pancake project \(it is not a SQLite database\)/);
  assert.deepEqual(fs.readFileSync(text), before);

  const empty = path.join(dir, 'empty.pancake');
  fs.writeFileSync(empty, '');
  assert.throws(() => ProjectStore.open(empty), /is empty \(its creation was interrupted/);

  const other = path.join(dir, 'other.sqlite');
  const db = new Database(other);
  db.exec('CREATE TABLE t (x)');
  db.close();
  const otherBefore = fs.readFileSync(other);
  assert.throws(() => ProjectStore.open(other), /SQLite database, but not a Pancake project/);
  assert.deepEqual(fs.readFileSync(other), otherBefore);
  assert.equal(fs.existsSync(`${other}-wal`), false);

  assert.throws(() => ProjectStore.open(path.join(dir, 'missing.pancake')), /There is no project/);
  assert.throws(() => ProjectStore.open(dir), /is a folder/);
});

test('a project from a newer Pancake is refused untouched', () => {
  const store = newProject();
  projectSql(store).pragma(`user_version = ${LATEST_VERSION + 1}`);
  store.close();
  const before = fs.readFileSync(store.file);
  assert.throws(() => ProjectStore.open(store.file), /newer version of Pancake/);
  assert.deepEqual(fs.readFileSync(store.file), before);
});

test('an older project is migrated up to the latest version on open', () => {
  const dir = tempDir();
  const file = path.join(dir, 'old.pancake');
  const db = new Database(file);
  db.pragma(`application_id = ${APPLICATION_ID}`);
  db.close();
  const store = ProjectStore.open(file);
  assert.equal(projectSql(store).pragma('user_version', { simple: true }), LATEST_VERSION);
  assert.equal(store.info().images, 0);
  store.close();
});

test('a multi-row insert is one transaction: a failure keeps none of it', () => {
  const store = newProject();
  store.insertImages([fakeImage(1)]);
  assert.throws(() => store.insertImages([fakeImage(2), fakeImage(1)]), /UNIQUE/);
  assert.equal(store.imageCount(), 1);
  assert.equal(store.findBySha(fakeImage(2).sha256), null);
  store.close();
});

test('class names are unique ignoring case, trimmed, and never empty', () => {
  const store = newProject();
  store.createClass('  Ants  ');
  assert.throws(() => store.createClass('ants'), /already a class called "Ants"/);
  assert.throws(() => store.createClass('   '), /needs a name/);
  const bees = store.createClass('bees');
  assert.throws(() => store.updateClass(bees, { name: 'ANTS' }), /already/);
  store.updateClass(bees, { name: 'Bees', color: '#123456' });
  assert.deepEqual(
    store.classes().map((c) => [c.name, c.color === '#123456']),
    [['Ants', false], ['Bees', true]],
  );
  assert.throws(() => store.updateClass(bees, { color: 'red' }), /colour/);
  store.close();
});

test('labels are undone and redone as whole steps, and a new step clears redo', () => {
  const store = newProject();
  const a = store.createClass('a');
  const b = store.createClass('b');
  const ids = store.insertImages([fakeImage(1), fakeImage(2), fakeImage(3)]);
  store.applyLabels('user', 'first', ids.map((imageId) => ({ imageId, classId: a, source: 'user' })));
  store.applyLabels('user', 'second', [{ imageId: ids[0]!, classId: b, source: 'user' }]);
  const count = (id: number) => store.classes().find((c) => c.id === id)!.count;
  assert.deepEqual([count(a), count(b)], [2, 1]);
  assert.equal(store.info().undoDescription, 'second');

  assert.deepEqual(store.undo(), { changed: 1, description: 'second', kind: 'labels', imageIds: [ids[0]] });
  assert.deepEqual([count(a), count(b)], [3, 0]);
  assert.deepEqual(store.undo(), { changed: 3, description: 'first', kind: 'labels', imageIds: ids });
  assert.equal(store.info().unlabelled, 3);
  assert.equal(store.info().canUndo, false);
  assert.deepEqual(store.redo(), { changed: 3, description: 'first', kind: 'labels', imageIds: ids });
  assert.equal(count(a), 3);
  assert.equal(store.listImages()[0]!.labelSource, 'user');

  store.applyLabels('user', 'third', [{ imageId: ids[1]!, classId: null, source: 'user' }]);
  assert.equal(store.info().canRedo, false);
  assert.equal(store.listImages()[1]!.labelSource, null);
  store.close();
});

test('a label step naming a missing class changes nothing', () => {
  const store = newProject();
  const a = store.createClass('a');
  const ids = store.insertImages([fakeImage(1), fakeImage(2)]);
  assert.throws(
    () =>
      store.applyLabels('user', 'bad', [
        { imageId: ids[0]!, classId: a, source: 'user' },
        { imageId: ids[1]!, classId: 999, source: 'user' },
      ]),
    /no class with id 999/,
  );
  assert.equal(store.info().unlabelled, 2);
  assert.equal(store.info().canUndo, false);
  store.close();
});

test('deleting a class returns its images to Unlabelled; merging moves them', () => {
  const store = newProject();
  const a = store.createClass('a');
  const b = store.createClass('b');
  const c = store.createClass('c');
  store.insertImages([fakeImage(1, a), fakeImage(2, a), fakeImage(3, b), fakeImage(4, c)]);
  assert.equal(store.deleteClass(a), 2);
  assert.equal(store.info().unlabelled, 2);
  assert.equal(store.mergeClasses(b, c), 1);
  assert.deepEqual(
    store.classes().map((x) => [x.name, x.count]),
    [['c', 2]],
  );
  assert.throws(() => store.mergeClasses(c, c), /two different/);
  store.close();
});

const embeddingCount = (store: ProjectStore) => (projectSql(store).prepare('SELECT COUNT(*) AS n FROM embeddings').get() as { n: number }).n;
const stepOf = (s: UndoStep) => [s.kind, s.description, s.changed];

test('a delete is one undo step: the images leave every list and count, and come back with undo', () => {
  const store = newProject();
  const a = store.createClass('a');
  const b = store.createClass('b');
  const ids = store.insertImages([fakeImage(1, a, 'train'), fakeImage(2, a), fakeImage(3, b), fakeImage(4), fakeImage(5)]);
  store.applyLabels('user', 'move 1 image to b', [{ imageId: ids[1]!, classId: b, source: 'user' }]);
  const counts = () => {
    const info = store.info();
    return { images: info.images, unlabelled: info.unlabelled, classes: info.classes.map((c) => c.count), listed: store.listImages().length };
  };
  const before = counts();

  assert.deepEqual(store.deleteImages([ids[0]!, ids[1]!, ids[3]!, 999]), { deleted: 3, batchId: 2 });
  assert.deepEqual(counts(), { images: 2, unlabelled: 1, classes: [0, 1], listed: 2 });
  assert.equal(store.info().undoDescription, 'delete 3 images');
  assert.deepEqual(labelledImages(store).map((i) => i.id), [ids[2]]);
  assert.deepEqual(store.imageRows(ids).map((r) => r.id), [ids[2], ids[4]]);
  // A deleted image takes no label and no split while it is gone.
  assert.equal(store.applyLabels('user', 'x', [{ imageId: ids[3]!, classId: a, source: 'user' }]).changed, 0);
  assert.equal(store.setSplit([ids[3]!], 'test'), 0);

  // Undo takes back the delete, not the label change before it.
  const undone = store.undo();
  assert.deepEqual(stepOf(undone), ['delete', 'delete 3 images', 3]);
  assert.deepEqual(undone.imageIds, [ids[0], ids[1], ids[3]]);
  assert.deepEqual(counts(), before);
  assert.equal(store.listImages().find((i) => i.id === ids[1])!.classId, b);
  assert.equal(store.info().redoDescription, 'delete 3 images');

  assert.deepEqual(stepOf(store.redo()), ['delete', 'delete 3 images', 3]);
  assert.deepEqual(counts(), { images: 2, unlabelled: 1, classes: [0, 1], listed: 2 });
  assert.deepEqual(stepOf(store.undo()), ['delete', 'delete 3 images', 3]);
  assert.deepEqual(stepOf(store.undo()), ['labels', 'move 1 image to b', 1]);
  assert.deepEqual(counts(), { images: 5, unlabelled: 2, classes: [2, 1], listed: 5 });
  store.close();
});

test('deleted images survive a reopen, and undo still brings them back', () => {
  const store = newProject();
  const ids = store.insertImages([fakeImage(1), fakeImage(2)]);
  store.deleteImages([ids[0]!]);
  store.close();
  const again = ProjectStore.open(store.file);
  assert.equal(again.info().images, 1);
  assert.deepEqual(stepOf(again.undo()), ['delete', 'delete 1 image', 1]);
  assert.equal(again.info().images, 2);
  again.close();
});

test('a deleted image keeps its pixels and vectors until the undo history lets its step go', () => {
  const store = newProject();
  const a = store.createClass('a');
  const [gone, kept] = store.insertImages([fakeImage(1), fakeImage(2)]);
  projectSql(store).prepare('INSERT INTO embeddings (image_id, backbone, view, vector) VALUES (?, ?, 0, ?)').run(gone, 'x', Buffer.alloc(8));
  store.deleteImages([gone!]);
  assert.notEqual(store.thumbnail(gone!), null);
  assert.equal(embeddingCount(store), 1);
  for (let i = 0; i < UNDO_HISTORY_LIMIT; i++) {
    store.applyLabels('user', `step ${i}`, [{ imageId: kept!, classId: i % 2 === 0 ? a : null, source: 'user' }]);
  }
  assert.equal(store.thumbnail(gone!), null);
  assert.equal(embeddingCount(store), 0);
  assert.equal((projectSql(store).prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n, 1);
  store.close();
});

test('importing a deleted file again brings it in afresh', () => {
  const store = newProject();
  const [first] = store.insertImages([fakeImage(1)]);
  store.deleteImages([first!]);
  assert.equal(store.findBySha(fakeImage(1).sha256), null);
  const [second] = store.insertImages([fakeImage(1)]);
  assert.notEqual(second, first);
  assert.deepEqual(store.listImages().map((i) => i.id), [second]);
  // The delete step has nothing left to bring back.
  assert.deepEqual(stepOf(store.undo()), ['delete', 'delete 1 image', 0]);
  assert.deepEqual(store.listImages().map((i) => i.id), [second]);
  store.close();
});

test('splits can be changed for a selection', () => {
  const store = newProject();
  const ids = store.insertImages([fakeImage(1), fakeImage(2)]);
  assert.equal(store.setSplit(ids, 'validation'), 2);
  assert.equal(store.setSplit(ids, 'validation'), 0);
  assert.deepEqual(store.info().unlabelledSplits, { train: 0, validation: 2, test: 0, none: 0 });
  store.close();
});
