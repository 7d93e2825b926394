// The live model on the real hymenoptera photos, imported into a real
// project by the real core with the real backbone: it embeds what is
// missing by itself, guesses unlabelled images without a Train, measures
// itself on the validation split, refits after label changes (a burst of
// changes gives one run; a change during a run stops that run) and its
// guesses can be accepted as one undoable step.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { PancakeCore } from '../../../main/core/core.js';
import { ProjectStore } from '../../../db/project-store.js';
import { importPaths } from '../../../main/import/import-session.js';
import { getEmbeddings, labelledImages } from '../../../db/ml-queries.js';
import { fitLiveHead, foldOf, liveVisits, measureLiveHead, WARM_VISITS, type LiveLabelled, type WarmHead } from '../../../main/ml/live-fit.js';
import { toViews, zeroWeights } from '../../../main/ml/softmax-regression.js';
import { FLIP_VIEW, PLAIN_VIEW } from '../../../main/ml/views.js';
import { DEFAULT_BACKBONE } from '../../../main/ml/backbones.js';
import type { ApiEvent, LiveModelStatus } from '../../../contract/types.js';
import { datasetDir } from '../../helpers/datasets.js';
import { tempDir } from '../../helpers/temp.js';

const home = tempDir();
// Long enough that two calls in a row always fall within one quiet period, even on a busy machine.
const core = new PancakeCore({ stateDir: home, host: 'browser', liveDebounceMs: 1500 });
const events: ApiEvent[] = [];
core.events.subscribe((e) => events.push(e));
let antsId = 0;
let beesId = 0;

/**
 * A project whose images have no vectors yet, as one made before imports
 * embedded or one imported while the weights were missing: the import
 * session alone, without the core's embedder.
 */
async function unembeddedProject(file: string, folder: string): Promise<void> {
  const store = ProjectStore.create(file);
  try {
    await importPaths(store, [folder], { onProgress: () => undefined });
  } finally {
    store.close();
  }
}

before(async () => {
  const file = path.join(home, 'live.pancake');
  await unembeddedProject(file, datasetDir('hymenoptera'));
  await core.api.projectOpen({ path: file });
  const classes = (await core.api.projectInfo({}))!.classes;
  antsId = classes.find((c) => c.name === 'ants')!.id;
  beesId = classes.find((c) => c.name === 'bees')!.id;
  await core.live.settled();
});

after(() => core.shutdown());

const status = (): LiveModelStatus => core.live.status();

test('without a Train, the live model embeds what is missing and measures itself on the validation split', () => {
  const images = core.store.info().images;
  const ids = core.store.listImages().map((r) => r.id);
  // The plain view only: the idle embedder makes (and may have made) the others.
  assert.equal(getEmbeddings(core.store, DEFAULT_BACKBONE, ids, [PLAIN_VIEW]).length, images, 'the plain vector of every image');
  assert.ok(events.some((e) => e.type === 'progress' && e.jobId === 'live-embed'), 'the background embedding reports progress');
  const s = status();
  assert.equal(s.state, 'ready');
  assert.equal(s.unembedded, 0);
  assert.equal(s.classes, 2);
  assert.equal(s.accuracy?.measuredOn, 'validation');
  assert.equal(s.accuracy?.n, 153);
  assert.ok(s.accuracy!.accuracy >= 0.9, `validation accuracy ${s.accuracy!.accuracy}`);
  assert.equal(s.history.at(-1)?.accuracy, s.accuracy!.accuracy);
});

test('unlabelled images get guesses; a burst of changes gives one run, and accepting the guesses is one undoable step', async () => {
  const train = labelledImages(core.store).filter((img) => img.split === 'train');
  const picked = [...train.filter((i) => i.classId === antsId).slice(0, 10), ...train.filter((i) => i.classId === beesId).slice(0, 10)];
  const truth = new Map(picked.map((img) => [img.id, img.classId]));
  const finished = core.live.runs.finished;
  await core.api.labelSet({ imageIds: picked.slice(0, 10).map((i) => i.id), classId: null });
  await core.api.labelSet({ imageIds: picked.slice(10).map((i) => i.id), classId: null });
  await core.live.settled();
  assert.equal(core.live.runs.finished, finished + 1, 'two changes within the quiet time make one run');

  const guesses = core.live.guessesNow();
  assert.deepEqual([...guesses.imageIds].sort((a, b) => a - b), [...truth.keys()].sort((a, b) => a - b));
  const right = guesses.imageIds.filter((id, i) => guesses.classIds[i] === truth.get(id)).length;
  assert.ok(right >= 16, `${right} of 20 guesses right`);
  assert.ok(guesses.confidences.every((p) => p >= 0.5 && p <= 1));

  const { changed, delta } = await core.api.liveAccept({ imageIds: [...truth.keys()] });
  assert.equal(changed, 20);
  for (const row of delta.rows) {
    assert.equal(row.classId, guesses.classIds[guesses.imageIds.indexOf(row.id)]);
    assert.equal(row.labelSource, 'suggestion');
  }
  const undone = await core.api.undo({});
  assert.equal(undone.changed, 20);
  assert.ok(undone.delta.rows.every((r) => r.classId === null));
  await core.live.settled();
  assert.equal(core.live.guessesNow().imageIds.length, 20, 'undone, they are unlabelled and guessed again');
});

test('a change heard while a run is going stops that run, and the next run sees it', async () => {
  const guessed = core.live.guessesNow().imageIds;
  const target = guessed[0]!;
  const cancelled = core.live.runs.cancelled;
  let relabelled = false;
  const unsubscribe = core.events.subscribe((e) => {
    if (e.type === 'live-model' && e.status.state === 'training' && !relabelled) {
      relabelled = true;
      // Synchronous: the core emits the change before this returns, while the run is in the worker.
      void core.api.labelSet({ imageIds: [target], classId: beesId });
    }
  });
  await core.api.labelSet({ imageIds: [guessed[1]!], classId: antsId });
  await core.live.settled();
  unsubscribe();
  assert.ok(relabelled);
  assert.equal(core.live.runs.cancelled, cancelled + 1);
  const now = core.live.guessesNow().imageIds;
  assert.ok(!now.includes(target) && !now.includes(guessed[1]!), 'both changes reached the guesses');
  assert.equal(now.length, guessed.length - 2);
});

test('a warm refit visits a fixed budget weighted to the changed image, and keeps what the classes learnt', () => {
  const store = core.store;
  const labelled = labelledImages(store).filter((i) => i.split !== 'test');
  const classIds = [antsId, beesId];
  const ids = labelled.map((i) => i.id);
  const vectors = new Map<number, Map<string, Float32Array>>();
  for (const e of getEmbeddings(store, DEFAULT_BACKBONE, ids, [PLAIN_VIEW, FLIP_VIEW])) {
    if (!vectors.has(e.imageId)) vectors.set(e.imageId, new Map());
    vectors.get(e.imageId)!.set(e.view, e.vector);
  }
  const samples: LiveLabelled[] = labelled.map((img) => ({
    id: img.id,
    // The plain vector stands in for a mirror the idle embedder has not made yet, as in the live model.
    ...toViews(vectors.get(img.id)!.get(PLAIN_VIEW)!, vectors.get(img.id)!.get(FLIP_VIEW) ?? vectors.get(img.id)!.get(PLAIN_VIEW)!),
    label: classIds.indexOf(img.classId),
    validation: img.split === 'validation',
    fold: foldOf(img.sha256),
  }));
  const warm = new Map<string, WarmHead>();
  const input = { classIds, dim: samples[0]!.plain.length, labelled: samples, unlabelled: [], warm };
  const cold = fitLiveHead(input)!;
  const coldAccuracy = measureLiveHead(input, cold.head)!.accuracy;
  assert.ok(coldAccuracy >= 0.9, `cold ${coldAccuracy}`);

  // Relabelling one image: the refit starts from the earlier weights.
  const changedIndex = samples.findIndex((s) => !s.validation);
  samples[changedIndex]!.label = 1 - samples[changedIndex]!.label;
  const refit = fitLiveHead(input)!;
  const warmAccuracy = measureLiveHead(input, refit.head)!.accuracy;
  assert.ok(warmAccuracy >= coldAccuracy - 0.03, `warm ${warmAccuracy} against cold ${coldAccuracy}`);
  assert.equal(warm.get('main')!.fits, 2);

  // On a big project the refit's cost does not grow with it.
  const big = Array.from({ length: 20_000 }, (_, i) => ({ id: i + 1, label: i % 2 }));
  const head: WarmHead = { classIds, head: zeroWeights(2, 4), labels: new Map(big.map((s) => [s.id, classIds[s.label]!])), fits: 1 };
  big[123]!.label = 1 - big[123]!.label;
  const visits = liveVisits(big, classIds, head);
  assert.equal(visits.length, WARM_VISITS);
  assert.ok(visits.filter((i) => i === 123).length >= 4);
});

test('cancelling the background embedding keeps every vector made so far whole, and it does not start again by itself', async () => {
  const dir = tempDir();
  const other = new PancakeCore({ stateDir: dir, host: 'browser', liveDebounceMs: 200 });
  try {
    const file = path.join(dir, 'cancel.pancake');
    await unembeddedProject(file, path.join(datasetDir('hymenoptera'), 'val', 'bees'));
    let answer: { cancelled: boolean } | null = null;
    const unsubscribe = other.events.subscribe((e) => {
      if (e.type === 'progress' && e.jobId === 'live-embed' && e.done > 0 && !answer) {
        answer = { cancelled: false };
        void other.api.cancelJob({ jobId: 'live-embed' }).then((a) => (answer = a));
      }
    });
    await other.api.projectOpen({ path: file });
    await other.live.settled();
    unsubscribe();
    assert.deepEqual(answer, { cancelled: true });
    const images = other.store.listImages().map((r) => r.id);
    // Plain vectors only: the idle embedder may add mirrors of those meanwhile, never plain ones.
    const stored = getEmbeddings(other.store, DEFAULT_BACKBONE, images, [PLAIN_VIEW]);
    assert.ok(stored.length > 0 && stored.length < images.length, `${stored.length} of ${images.length} vectors`);
    assert.ok(stored.every((e) => e.vector.length === 1280 && e.vector.every(Number.isFinite)));
    assert.equal(other.live.status().embedding, null);
    assert.ok(other.live.status().unembedded > 0);

    // A label change later refits on what there is, without embedding again.
    await other.api.labelSet({ imageIds: [images[0]!], classId: null });
    await other.live.settled();
    assert.equal(getEmbeddings(other.store, DEFAULT_BACKBONE, images, [PLAIN_VIEW]).length, stored.length);
  } finally {
    other.shutdown();
  }
});

test('a training job holds the draft back: a label change waits for the training to end, then refits', async () => {
  await core.live.settled();
  const picked = labelledImages(core.store).filter((img) => img.split === 'train' && img.classId === antsId).slice(0, 3);
  const finished = core.live.runs.finished;
  core.jobs.start('held-training', 'train');
  try {
    await core.api.labelSet({ imageIds: picked.map((i) => i.id), classId: beesId });
    await core.live.settled();
    assert.equal(core.live.runs.finished, finished, 'no run while the training runs');
  } finally {
    core.jobs.end('held-training');
  }
  await core.live.settled();
  assert.ok(core.live.runs.finished > finished, 'the change is learned once the training ends');
  await core.api.labelSet({ imageIds: picked.map((i) => i.id), classId: antsId });
  await core.live.settled();
});
