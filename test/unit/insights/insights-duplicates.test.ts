// Near-duplicates and similar images on real photos with the real backbone:
// copies the test makes by resizing, recompressing and slightly cropping
// hymenoptera photos must group with their originals, different photos must
// not, and the threshold's margin is printed as calibration.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { PancakeCore } from '../../../main/core/core.js';
import type { ImageRow } from '../../../contract/types.js';
import { DEFAULT_DUPLICATE_THRESHOLD } from '../../../main/insights/similarity-service.js';
import { tempDir } from '../../helpers/temp.js';
import { classFolder, photos, projectWith } from './insights-fixtures.js';

const originals = [...photos('train', 'bees', 15), ...photos('train', 'ants', 15)];

type Edit = (bytes: Buffer, width: number, height: number) => Promise<Buffer>;
const crop = (bytes: Buffer, w: number, h: number, share: number) =>
  sharp(bytes).extract({ left: Math.round(w * share), top: Math.round(h * share), width: Math.round(w * (1 - 2 * share)), height: Math.round(h * (1 - 2 * share)) });
/** The copies a photo collection picks up: re-saved, resized, cropped a little, or all three. */
const EDITS: Record<string, Edit> = {
  recompressed: (b) => sharp(b).jpeg({ quality: 55 }).toBuffer(),
  resized: (b, w) => sharp(b).resize(Math.round(w * 0.75)).jpeg({ quality: 85 }).toBuffer(),
  enlarged: (b, w) => sharp(b).resize(Math.round(w * 1.6)).png().toBuffer(),
  cropped: (b, w, h) => crop(b, w, h, 0.03).jpeg({ quality: 92 }).toBuffer(),
  everything: (b, w, h) => crop(b, w, h, 0.02).resize(Math.round(w * 0.8)).jpeg({ quality: 70 }).toBuffer(),
};
/** Which original gets which copies: index 0 gets two, so one group has three images. */
const PLAN: [number, string][] = [
  [0, 'recompressed'],
  [0, 'enlarged'],
  [3, 'resized'],
  [16, 'cropped'],
  [20, 'everything'],
];

let core: PancakeCore;
let images: ImageRow[];
const byName = (name: string) => images.find((i) => i.fileName === name)!;

before(async () => {
  core = await projectWith(classFolder({ bees: originals.slice(0, 15), ants: originals.slice(15) }));
  // The copies come in as loose, unlabelled files, as a second import of the same photos would.
  const copies = tempDir('pancake-copies-');
  const files: string[] = [];
  for (const [i, edit] of PLAN) {
    const bytes = fs.readFileSync(originals[i]!);
    const meta = await sharp(bytes).metadata();
    const file = path.join(copies, `${edit}-${path.basename(originals[i]!, '.jpg')}.${edit === 'enlarged' ? 'png' : 'jpg'}`);
    fs.writeFileSync(file, await EDITS[edit]!(bytes, meta.width, meta.height));
    files.push(file);
  }
  await core.api.importPaths({ jobId: 'copies', paths: files });
  images = (await core.api.listImages({})).images;
  assert.equal(images.length, originals.length + PLAN.length);
});

after(() => core.shutdown());

test('resized, recompressed and cropped copies group with their original; different photos do not', async () => {
  const report = await core.api.duplicatesFind({ jobId: 'dups' });
  assert.equal(report.threshold, DEFAULT_DUPLICATE_THRESHOLD);
  assert.equal(report.images, images.length);
  const expected = new Map<number, Set<number>>();
  for (const [i, edit] of PLAN) {
    const original = byName(path.basename(originals[i]!));
    const copy = images.find((img) => img.fileName.startsWith(`${edit}-${path.basename(originals[i]!, '.jpg')}`))!;
    if (!expected.has(original.id)) expected.set(original.id, new Set([original.id]));
    expected.get(original.id)!.add(copy.id);
  }
  const found = report.groups.map((g) => new Set(g.members));
  assert.equal(found.length, expected.size, `groups: ${JSON.stringify(report.groups)}`);
  for (const [original, members] of expected) {
    const group = report.groups.find((g) => g.members.includes(original));
    assert.ok(group, `no group for image ${original}`);
    assert.deepEqual(new Set(group.members), members);
    // The labelled original is the one to keep over its unlabelled copies.
    assert.equal(group.keep, original);
    assert.equal(group.members[0], original);
  }

  // Calibration: how far both sides sit from the threshold.
  const copySimilarities = report.groups.flatMap((g) => g.similarity.slice(1));
  const loose = await core.api.duplicatesFind({ jobId: 'loose', threshold: 0.8 });
  const originalIds = new Set(originals.map((f) => byName(path.basename(f)).id));
  let closestDifferent = 0;
  for (const id of originalIds) {
    const { neighbours } = await core.api.similarImages({ jobId: `n${id}`, imageId: id, limit: images.length });
    const other = neighbours.find((n) => originalIds.has(n.imageId) && ![...expected.values()].some((s) => s.has(n.imageId) && s.has(id)));
    closestDifferent = Math.max(closestDifferent, other?.similarity ?? 0);
  }
  console.log(
    `duplicate threshold ${DEFAULT_DUPLICATE_THRESHOLD}: copies score ${Math.min(...copySimilarities).toFixed(3)}–${Math.max(...copySimilarities).toFixed(3)}, ` +
      `the most alike different photos ${closestDifferent.toFixed(3)}; ${loose.groups.length} groups at 0.80`,
  );
  assert.ok(Math.min(...copySimilarities) >= DEFAULT_DUPLICATE_THRESHOLD);
  assert.ok(closestDifferent < DEFAULT_DUPLICATE_THRESHOLD);
});

test('an image finds its copies first among its neighbours', async () => {
  const original = byName(path.basename(originals[0]!));
  const res = await core.api.similarImages({ jobId: 'similar', imageId: original.id, limit: 5 });
  assert.equal(res.neighbours.length, 5);
  assert.ok(!res.neighbours.some((n) => n.imageId === original.id), 'an image is not its own neighbour');
  const top2 = res.neighbours.slice(0, 2).map((n) => images.find((i) => i.id === n.imageId)!.fileName).sort();
  assert.deepEqual(top2.map((f) => f.split('-')[0]), ['enlarged', 'recompressed']);
  for (let i = 1; i < res.neighbours.length; i++) assert.ok(res.neighbours[i - 1]!.similarity >= res.neighbours[i]!.similarity);
});

test('removing the extras leaves no duplicates, without rescanning from scratch', async () => {
  const before = await core.api.duplicatesFind({ jobId: 'again' });
  const extras = before.groups.flatMap((g) => g.members.filter((id) => id !== g.keep));
  assert.equal(extras.length, PLAN.length);
  await core.api.imagesDelete({ imageIds: extras });
  const after = await core.api.duplicatesFind({ jobId: 'after' });
  assert.deepEqual(after.groups, []);
  assert.equal(after.images, originals.length);
  // Deleting only retires rows of the index: the pairs found before are reused.
  assert.equal(after.scanSeconds, before.scanSeconds);
  const gone = await core.api.similarImages({ jobId: 'gone', imageId: byName(path.basename(originals[1]!)).id, limit: 50 });
  assert.ok(!gone.neighbours.some((n) => extras.includes(n.imageId)));
});
