// Deletes are undo steps, and every change answers with what it changed:
// through the real core API on a real project of generated images, the
// label, delete, undo and redo answers carry the touched rows and the counts
// a view needs, their events carry the same change number, and training and
// export leave deleted images out until undo brings them back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PancakeCore } from '../../../main/core/core.js';
import type { ApiEvent, ImagesDelta, ProjectInfo } from '../../../contract/types.js';
import { exportDataset } from '../../../main/export/dataset-export.js';
import { makeImageTree } from '../../helpers/images.js';
import { tempDir } from '../../helpers/temp.js';

const CLASSES = ['apple', 'banana', 'cherry', 'date', 'elderberry', 'fig', 'grape', 'honeydew', 'kiwi', 'lemon', 'mango', 'nectarine'];

const home = tempDir('pancake-undo-delete-');
const photos = path.join(home, 'photos');
await makeImageTree(photos, Object.fromEntries(CLASSES.map((c) => [c, 3])));
const core = new PancakeCore({ stateDir: home, host: 'cli' });
await core.api.projectCreate({ path: path.join(home, 'fruit.pancake') });
await core.api.importPaths({ jobId: 'import', paths: [photos] });
const events: ApiEvent[] = [];
core.events.subscribe((e) => events.push(e));

const info = async (): Promise<ProjectInfo> => (await core.api.projectInfo({}))!;
const classId = async (name: string) => (await info()).classes.find((c) => c.name === name)!.id;
const idsOf = async (name: string) => {
  const id = await classId(name);
  return (await core.api.listImages({})).images.filter((i) => i.classId === id).map((i) => i.id);
};
const counts = (i: ProjectInfo) => ({ images: i.images, unlabelled: i.unlabelled, apple: i.classes.find((c) => c.name === 'apple')!.count });

/** The answer's counts are the project's counts, and its event carries its number. */
async function checkDelta(delta: ImagesDelta): Promise<void> {
  assert.deepEqual(delta.info, await info());
  const last = events.at(-1)!;
  assert.equal(last.type, 'project-changed');
  assert.equal(last.type === 'project-changed' && last.seq, delta.seq);
}

test('a label change answers with the changed rows and the new counts', async () => {
  const apples = await idsOf('apple');
  const res = await core.api.labelSet({ imageIds: [apples[0]!], classId: null });
  assert.equal(res.changed, 1);
  assert.deepEqual(res.delta.rows.map((r) => [r.id, r.classId, r.labelSource]), [[apples[0], null, null]]);
  assert.deepEqual(res.delta.removed, []);
  assert.deepEqual(counts(res.delta.info), { images: 36, unlabelled: 1, apple: 2 });
  assert.equal(res.delta.info.undoDescription, 'move 1 image to Unlabelled');
  await checkDelta(res.delta);
});

test('delete, undo and redo round trip with counts, training data and export', async (t) => {
  const bananas = await idsOf('banana');
  const before = counts(await info());
  const labelledBefore = (await core.api.trainingReadiness({})).labelled;

  const del = await core.api.imagesDelete({ imageIds: bananas });
  assert.equal(del.deleted, 3);
  assert.deepEqual(del.delta.rows, []);
  assert.deepEqual(del.delta.removed, bananas);
  assert.equal(del.delta.info.images, before.images - 3);
  assert.equal(del.delta.info.classes.find((c) => c.name === 'banana')!.count, 0);
  assert.equal(del.delta.info.undoDescription, 'delete 3 images');
  await checkDelta(del.delta);
  assert.equal((await core.api.listImages({})).images.some((i) => bananas.includes(i.id)), false);
  assert.equal((await core.api.trainingReadiness({})).labelled, labelledBefore - 3);

  const out = path.join(tempDir(), 'export');
  t.after(() => fs.rmSync(out, { recursive: true, force: true }));
  const exported = await exportDataset(core.store, out);
  assert.equal(exported.files, labelledBefore - 3);
  assert.equal(fs.existsSync(path.join(out, 'banana')), false);

  const undo = await core.api.undo({});
  assert.deepEqual([undo.kind, undo.description, undo.changed], ['delete', 'delete 3 images', 3]);
  assert.deepEqual(undo.imageIds, bananas);
  assert.deepEqual(undo.delta.rows.map((r) => r.id), bananas);
  assert.deepEqual(undo.delta.removed, []);
  assert.deepEqual(counts(undo.delta.info), before);
  assert.equal(undo.delta.info.redoDescription, 'delete 3 images');
  // Undo took back the delete only: the label change before it still stands.
  assert.equal(undo.delta.info.undoDescription, 'move 1 image to Unlabelled');
  await checkDelta(undo.delta);
  assert.equal((await core.api.trainingReadiness({})).labelled, labelledBefore);

  const redo = await core.api.redo({});
  assert.deepEqual([redo.kind, redo.description, redo.changed], ['delete', 'delete 3 images', 3]);
  assert.deepEqual(redo.delta.removed, bananas);
  assert.equal(redo.delta.info.images, before.images - 3);
  assert.ok(redo.delta.seq > undo.delta.seq);
  await checkDelta(redo.delta);
  core.shutdown();
});
