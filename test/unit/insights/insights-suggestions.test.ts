// Suggested labels, accepted and taken back as groups; trying images and
// adding one; the out-of-fold label check. One small real project: 40 ants
// and 40 bees, a dozen of them unlabelled, a model trained on the rest.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { PancakeCore } from '../../../main/core/core.js';
import type { ImageRow, LabelNoiseItem } from '../../../contract/types.js';
import { LIKELY_BELOW } from '../../../main/insights/label-noise.js';
import { classFolder, photos, projectWith } from './insights-fixtures.js';

let core: PancakeCore;
let truth: Map<number, string>;
let classId: Record<'ants' | 'bees', number>;
let unlabelled: number[];

const images = async (): Promise<Map<number, ImageRow>> => new Map((await core.api.listImages({})).images.map((i) => [i.id, i]));

before(async () => {
  core = await projectWith(classFolder({ ants: photos('train', 'ants', 40), bees: photos('train', 'bees', 40) }));
  const info = (await core.api.projectInfo({}))!;
  classId = { ants: info.classes.find((c) => c.name === 'ants')!.id, bees: info.classes.find((c) => c.name === 'bees')!.id };
  // By file name: the same photos whatever ids the import gave them.
  const all = [...(await images()).values()].sort((a, b) => a.fileName.localeCompare(b.fileName));
  truth = new Map(all.map((i) => [i.id, i.classId === classId.ants ? 'ants' : 'bees']));
  unlabelled = [...all.filter((i) => i.classId === classId.ants).slice(0, 6), ...all.filter((i) => i.classId === classId.bees).slice(0, 6)].map((i) => i.id);
  await core.api.labelSet({ imageIds: unlabelled, classId: null });
  await core.api.train({ jobId: 'train', settings: { augment: false } });
});

after(() => core.shutdown());

test('the label check flags labels the out-of-fold models contradict', async () => {
  // Named by file, so the same three photos are flipped whatever order the import gave them ids in.
  const labelled = [...(await images()).values()].filter((i) => i.classId !== null).sort((a, b) => a.fileName.localeCompare(b.fileName));
  const flipped = [labelled.find((i) => i.classId === classId.ants)!, ...labelled.filter((i) => i.classId === classId.bees).slice(-2)];
  const flip = (img: ImageRow) => (img.classId === classId.ants ? classId.bees : classId.ants);
  for (const img of flipped) await core.api.labelSet({ imageIds: [img.id], classId: flip(img) });
  const started = performance.now();
  const report = await core.api.labelNoiseFind({ jobId: 'noise' });
  console.log(`label check, ${report.folds} folds over ${report.checked} images: ${((performance.now() - started) / 1000).toFixed(1)} s, ${report.items.length} flagged`);
  for (const img of flipped) {
    const item = report.items.find((i) => i.imageId === img.id);
    assert.ok(item, `flipped image ${img.id} is flagged`);
    assert.equal(item.predictedClass, truth.get(img.id));
    assert.ok(item.confidence > 0.8, `flipped image ${img.id} flagged at ${item.confidence}`);
  }
  // The surest mistakes by the held-out model (or unlike their class) first,
  // then the rest; within each, by how likely the label is wrong by either
  // witness (a photo of a kind no class is also has the backbone's word).
  const surest = (i: LabelNoiseItem) => i.unlike || i.givenProbability <= LIKELY_BELOW;
  const doubt = (i: LabelNoiseItem) => 1 - i.givenProbability * (1 - (i.seen?.probability ?? 0));
  for (let i = 1; i < report.items.length; i++) {
    const [a, b] = [report.items[i - 1]!, report.items[i]!];
    assert.ok(Number(surest(a)) > Number(surest(b)) || (surest(a) === surest(b) && doubt(a) >= doubt(b)), `items ${i - 1} and ${i} are in order`);
  }
  assert.ok(report.items.filter((i) => i.likely).length <= 10);
  // Few flags beyond the planted ones on a clean, easy subset.
  // The planted flips rank near the top; hymenoptera itself adds a real one
  // (train/ants/1473187633_63ccaacea6.jpg shows wasps) and a few hard cases.
  const top = report.items.slice(0, flipped.length + 2).map((i) => i.imageId);
  for (const img of flipped) assert.ok(top.includes(img.id), `flipped image ${img.id} is among the first ${top.length}`);
  assert.ok(report.items.length < report.checked * 0.3, `${report.items.length} of ${report.checked} flagged`);
  for (const img of flipped) await core.api.labelSet({ imageIds: [img.id], classId: img.classId });
});

test('suggestions are accepted as one group each and any group can be taken back later', async () => {
  const report = await core.api.suggestionsCompute({ jobId: 'suggest' });
  assert.equal(report.unlabelled, 12);
  assert.equal(report.items.length, 12);
  assert.deepEqual(new Set(report.items.map((s) => s.imageId)), new Set(unlabelled));
  for (const s of report.items) {
    assert.ok(s.confidence >= 0.5 && s.confidence <= 1);
    assert.ok(s.margin >= 0 && s.margin <= s.confidence);
    assert.equal(s.classId, classId[s.className as 'ants' | 'bees']);
  }
  const right = report.items.filter((s) => truth.get(s.imageId) === s.className).length;
  assert.ok(right >= 10, `${right} of 12 suggestions right`);

  const ranked = [...report.items].sort((a, b) => b.confidence - a.confidence);
  const first = ranked.slice(0, 6);
  const accepted = await core.api.suggestionsAccept({ items: first.map((s) => ({ imageId: s.imageId, classId: s.classId! })) });
  assert.equal(accepted.changed, 6);
  let now = await images();
  for (const s of first) {
    assert.equal(now.get(s.imageId)!.classId, s.classId);
    assert.equal(now.get(s.imageId)!.labelSource, 'suggestion');
  }

  // Later steps: a person corrects one of them, and a second group is accepted.
  const corrected = first[0]!;
  const otherClass = corrected.classId === classId.ants ? classId.bees : classId.ants;
  await core.api.labelSet({ imageIds: [corrected.imageId], classId: otherClass });
  const second = ranked.slice(6, 9);
  const secondBatch = await core.api.suggestionsAccept({ items: second.map((s) => ({ imageId: s.imageId, classId: s.classId! })) });
  assert.equal(secondBatch.changed, 3);

  let { batches } = await core.api.suggestionBatches({});
  assert.deepEqual(
    batches.map((b) => [b.id, b.images, b.stillApplied, b.undone]),
    [
      [secondBatch.batchId, 3, 3, false],
      [accepted.batchId, 6, 5, false],
    ],
  );
  assert.match(batches[1]!.description, /accept 6 suggested labels/);

  // Taking back the first group reverts only the five that still carry its label.
  const undone = await core.api.suggestionBatchUndo({ batchId: accepted.batchId! });
  assert.deepEqual(undone, { reverted: 5, kept: 1 });
  now = await images();
  for (const s of first.slice(1)) assert.equal(now.get(s.imageId)!.classId, null);
  assert.equal(now.get(corrected.imageId)!.classId, otherClass);
  assert.equal(now.get(corrected.imageId)!.labelSource, 'user');
  for (const s of second) assert.equal(now.get(s.imageId)!.labelSource, 'suggestion');
  ({ batches } = await core.api.suggestionBatches({}));
  assert.equal(batches.find((b) => b.id === accepted.batchId)!.stillApplied, 0);
  assert.deepEqual(await core.api.suggestionBatchUndo({ batchId: accepted.batchId! }), { reverted: 0, kept: 6 });

  // The take-back is itself one step of the ordinary undo history.
  const info = (await core.api.projectInfo({}))!;
  assert.match(info.undoDescription ?? '', /take back 5 suggested labels/);
  await core.api.undo({});
  now = await images();
  for (const s of first.slice(1)) assert.equal(now.get(s.imageId)!.labelSource, 'suggestion');
  ({ batches } = await core.api.suggestionBatches({}));
  assert.equal(batches.find((b) => b.id === accepted.batchId)!.stillApplied, 5);

  // A label given meanwhile wins over a stale suggestion.
  const stale = await core.api.suggestionsAccept({ items: [{ imageId: corrected.imageId, classId: corrected.classId! }] });
  assert.equal(stale.changed, 0);
  // Only suggestion groups can be taken back this way.
  await assert.rejects(core.api.suggestionBatchUndo({ batchId: 1 }), /no longer in the history/);
});

test('trying an image: a warm model answers at once, and one click adds it', async () => {
  const warm = await core.api.tryWarm({});
  assert.equal(warm.backbone, 'mobilenet_v2_1.0_224');
  const file = photos('val', 'bees', 1)[0]!;
  const bytes = new Uint8Array(fs.readFileSync(file));
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const { results } = await core.api.predictFiles({ files: [{ name: path.basename(file), bytes }] });
    times.push(performance.now() - started);
    assert.equal(results[0]!.predictions[0]!.class, 'bees');
  }
  console.log(`try it, one image after warm-up (${Math.round(warm.ms)} ms): ${times.map((t) => Math.round(t)).join(', ')} ms`);

  const before = (await core.api.projectInfo({}))!.images;
  const { imageId } = await core.api.addTriedImage({ name: path.basename(file), bytes, classId: classId.bees });
  const added = (await images()).get(imageId)!;
  assert.equal((await core.api.projectInfo({}))!.images, before + 1);
  assert.deepEqual([added.classId, added.labelSource, added.split, added.fileName], [classId.bees, 'user', 'none', path.basename(file)]);
  await assert.rejects(core.api.addTriedImage({ name: 'again.jpg', bytes, classId: classId.bees }), /already in the project/);
  await assert.rejects(core.api.addTriedImage({ name: 'broken.jpg', bytes: bytes.slice(0, 200), classId: classId.bees }), /broken\.jpg cannot be added/);
  assert.match((await core.api.projectInfo({}))!.undoDescription ?? '', /add .* to bees/);
});
