// The rule of main/insights/foreign-concepts.ts on made-up ImageNet
// probabilities, and the label check on hymenoptera's training photos, where
// a monarch butterfly and a hoverfly sit in bees.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { PancakeCore } from '../../../main/core/core.js';
import type { LabelNoiseReport } from '../../../contract/types.js';
import { foreignConcepts } from '../../../main/insights/foreign-concepts.js';
import { CONCEPT_NAMES, IMAGENET_CLASSES } from '../../../main/insights/imagenet-tree.js';
import { HYMENOPTERA, projectWith } from './insights-fixtures.js';

/** 1,000 ImageNet probabilities: the named classes get theirs, the rest share what is left. */
function probs(named: Record<string, number>): Float32Array {
  const p = new Float32Array(1000);
  let left = 1;
  for (const [name, v] of Object.entries(named)) {
    const k = IMAGENET_CLASSES.findIndex((c) => CONCEPT_NAMES[c] === name);
    assert.ok(k >= 0, `no ImageNet class "${name}"`);
    p[k] = v;
    left -= v;
  }
  const rest = left / (1000 - Object.keys(named).length);
  for (let k = 0; k < 1000; k++) if (p[k] === 0) p[k] = rest;
  return p;
}

const rows = (y: number, n: number, named: Record<string, number>) => Array.from({ length: n }, () => ({ y, probs: probs(named) }));

test('a photo of another kind of insect among ants and bees is foreign; a flower or a mixed-up bee is not', () => {
  const found = foreignConcepts([
    ...rows(0, 5, { ant: 0.9 }),
    ...rows(1, 5, { bee: 0.85, daisy: 0.05 }),
    { y: 1, probs: probs({ 'monarch butterfly': 0.9 }) },
    { y: 1, probs: probs({ daisy: 0.95 }) },
    { y: 1, probs: probs({ ant: 0.5, bee: 0.45 }) },
    { y: 0, probs: probs({ fly: 0.6, bee: 0.3 }) },
  ]);
  assert.deepEqual(found.slice(0, 10), new Array(10).fill(null));
  assert.equal(found[10]?.concept, 'monarch butterfly');
  assert.equal(found[10]?.alike, 'insect');
  assert.ok(Math.abs(found[10]!.probability - 0.9) < 0.01);
  assert.equal(found[11], null, 'a flower is what a bee sits on: another domain');
  assert.equal(found[12], null, 'an ant or a bee is of the classes\' kind');
  assert.equal(found[13], null, 'a fly at 60% is not sure enough');
});

test('a dog of a breed no other dog photo shows is still a dog; a cart is another domain', () => {
  const found = foreignConcepts([
    ...rows(0, 4, { 'tabby cat': 0.8, 'Egyptian cat': 0.1 }),
    ...rows(1, 4, { beagle: 0.9 }),
    { y: 1, probs: probs({ 'Bernese mountain dog': 0.99 }) },
    { y: 1, probs: probs({ 'shopping cart': 0.95 }) },
    { y: 0, probs: probs({ 'Siamese cat': 0.97 }) },
  ]);
  assert.deepEqual(found, new Array(11).fill(null));
});

test('classes of unrelated kinds leave nothing foreign, and a class of two photos says nothing', () => {
  const unrelated = foreignConcepts([...rows(0, 4, { daisy: 0.9 }), ...rows(1, 4, { 'shopping cart': 0.9 }), { y: 0, probs: probs({ 'monarch butterfly': 0.95 }) }]);
  assert.deepEqual(unrelated, new Array(9).fill(null));
  const tiny = foreignConcepts([...rows(0, 5, { ant: 0.9 }), ...rows(1, 2, { bee: 0.9 }), { y: 0, probs: probs({ 'monarch butterfly': 0.95 }) }]);
  assert.deepEqual(tiny, new Array(8).fill(null), 'one class with enough photos has no kind to compare with');
});

let core: PancakeCore;
let report: LabelNoiseReport;
let fileOf: Map<number, string>;

before(async () => {
  core = await projectWith(path.join(HYMENOPTERA, 'train'));
  fileOf = new Map((await core.api.listImages({})).images.map((i) => [i.id, i.fileName]));
  report = await core.api.labelNoiseFind({ jobId: 'noise' });
});

after(() => core.shutdown());

test('the label check on hymenoptera lists the butterfly and the hoverfly in bees for what the backbone sees', () => {
  const seen = report.items.filter((i) => i.seen);
  console.log(
    `${report.checked} checked, ${report.items.length} flagged, ${seen.length} for what the backbone sees: ` +
      seen.map((i) => `${fileOf.get(i.imageId)} ${i.seen!.concept} ${(100 * i.seen!.probability).toFixed(0)}%`).join(', '),
  );
  const item = (file: string) => report.items.find((i) => fileOf.get(i.imageId) === file);
  const butterfly = item('969455125_58c797ef17.jpg');
  assert.equal(butterfly?.seen?.concept, 'monarch butterfly');
  assert.equal(butterfly?.seen?.alike, 'insect');
  assert.equal(butterfly?.givenClass, 'bees');
  assert.equal(item('586041248_3032e277a9.jpg')?.seen?.concept, 'fly');
  // Each is flagged for what it shows, not by a held-out model that calls it a bee.
  for (const i of [butterfly!, item('586041248_3032e277a9.jpg')!]) assert.equal(i.predictedClass, 'bees');
  assert.ok(seen.length <= report.checked * 0.05, `${seen.length} of ${report.checked} flagged for what the backbone sees`);
  // The backbone's word makes them likely mistakes: after the held-out heads' surest ones, on the short list while it has room.
  const surest = report.items.filter((i) => i.unlike || i.givenProbability <= 0.05).length;
  for (const i of seen) assert.ok(report.items.indexOf(i) >= surest);
  assert.ok(report.items.slice(0, 10).every((i) => i.likely === (i.unlike || i.givenProbability <= 0.05 || i.seen !== null)));
});
