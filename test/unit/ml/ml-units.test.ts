// The ML engine's parts that need no training: weights lookup and its
// messages, the head's byte format and arithmetic, metrics, the training
// plan's guard rails, and version bookkeeping, on real SQLite files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { ProjectStore } from '../../../db/project-store.js';
import { countEmbeddings, labelledImages } from '../../../db/ml-queries.js';
import { BackboneError, getBackbone, modelsDirCandidates, resolveBackbone } from '../../../main/ml/backbones.js';
import { Embedder } from '../../../main/ml/embedder.js';
import { decodeHead, encodeHead } from '../../../main/ml/head-codec.js';
import type { HeadModel } from '../../../main/ml/head-format.js';
import { computeMetrics } from '../../../main/ml/metrics.js';
import { applyHead } from '../../../main/ml/predict.js';
import { trainProject } from '../../../main/ml/train.js';
import { planTraining, TrainingGuardError } from '../../../main/ml/training-data.js';
import {
  activeVersion,
  activeVersionOutOfDate,
  currentFingerprint,
  deleteVersion,
  getVersion,
  listVersions,
  loadHead,
  renameVersion,
  saveVersion,
  setActiveVersion,
  setVersionNote,
  VersionError,
} from '../../../main/ml/versions.js';
import { sharedDir, tempDir } from '../../helpers/temp.js';
import { userModelsDir } from '../../../main/models/user-models-dir.js';

const SHARED_MODELS = path.join(sharedDir, 'models');

function withoutEnv<T>(fn: () => T): T {
  const saved = process.env.PANCAKE_MODELS_DIR;
  delete process.env.PANCAKE_MODELS_DIR;
  try {
    return fn();
  } finally {
    if (saved !== undefined) process.env.PANCAKE_MODELS_DIR = saved;
  }
}

test('weights are looked up in the setting, the environment, the resources, the checkout and the user folder, in that order', () => {
  const setting = tempDir();
  const env = tempDir();
  const saved = process.env.PANCAKE_MODELS_DIR;
  process.env.PANCAKE_MODELS_DIR = env;
  try {
    assert.deepEqual(modelsDirCandidates({ modelsDir: setting, resourcesPath: '/opt/app/resources' }), [
      setting,
      env,
      path.resolve('/opt/app/resources/models'),
      SHARED_MODELS,
      userModelsDir(),
    ]);
    // The setting holds no weights, the environment's folder does: it wins over every later folder,
    // whichever of them (the checkout's shared folder, the user folder) has weights on this machine.
    const found = resolveBackbone('mobilenet_v2_1.0_224', { modelsDir: setting });
    fs.mkdirSync(path.dirname(path.join(env, found.spec.onnxFile)), { recursive: true });
    fs.symlinkSync(found.file, path.join(env, found.spec.onnxFile));
    assert.equal(resolveBackbone('mobilenet_v2_1.0_224', { modelsDir: setting }).modelsDir, env);
  } finally {
    if (saved === undefined) delete process.env.PANCAKE_MODELS_DIR;
    else process.env.PANCAKE_MODELS_DIR = saved;
  }
});

test('missing weights name the file and every folder searched', () => {
  const empty = tempDir();
  const resources = tempDir();
  // An empty home, so weights fetched into this machine's user models folder do not count.
  const saved = { HOME: process.env.HOME, XDG_DATA_HOME: process.env.XDG_DATA_HOME };
  process.env.HOME = tempDir();
  delete process.env.XDG_DATA_HOME;
  const err = withoutEnv(() => {
    try {
      resolveBackbone('mobilenet_v2_1.0_224', { modelsDir: empty, resourcesPath: resources, checkoutFallback: false });
    } catch (e) {
      return e;
    }
    return null;
  });
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  assert.ok(err instanceof BackboneError);
  assert.match(err.message, /pancake models fetch/);
  assert.match(err.message, /mobilenet_v2_1\.0_224\/onnx\/mobilenet_v2_1\.0_224\.onnx/);
  assert.ok(err.message.includes(empty), err.message);
  assert.ok(err.message.includes(path.join(resources, 'models')), err.message);
  assert.throws(() => getBackbone('resnet_9000'), /Unknown backbone "resnet_9000"/);
});

test('damaged weights are refused with the file named', async () => {
  const dir = tempDir();
  const spec = getBackbone('mobilenet_v3_small_1.0_224');
  const file = path.join(dir, spec.onnxFile);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const good = fs.readFileSync(resolveBackbone(spec.id).file);
  fs.writeFileSync(file, good.subarray(0, good.length >> 1));
  await assert.rejects(
    withoutEnv(() => Embedder.open(spec.id, { modelsDir: dir, checkoutFallback: false })),
    (e: Error) => e instanceof BackboneError && e.message.includes(file) && /damaged/.test(e.message),
  );
});

function randomHead(hidden: boolean): HeadModel {
  let s = 1;
  const r = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const dense = (i: number, o: number) => ({
    inputSize: i,
    outputSize: o,
    weights: Float32Array.from({ length: i * o }, r),
    bias: Float32Array.from({ length: o }, r),
  });
  return {
    format: 1,
    backbone: 'mobilenet_v2_1.0_224',
    inputDim: 6,
    l2normalize: true,
    hidden: hidden ? dense(6, 4) : null,
    output: dense(hidden ? 4 : 6, 3),
    classes: ['ants', 'bees', 'wäsps'],
  };
}

test('a head survives its byte encoding exactly, with or without a hidden layer', () => {
  for (const hidden of [false, true]) {
    const head = randomHead(hidden);
    assert.deepEqual(decodeHead(encodeHead(head)), head);
  }
  const bytes = encodeHead(randomHead(false));
  assert.throws(() => decodeHead(bytes.subarray(0, bytes.length - 4)));
});

test('applyHead computes the documented arithmetic', () => {
  const head = randomHead(true);
  const x = Float32Array.from([3, -1, 0, 2, 5, 1]);
  const norm = Math.hypot(...x);
  const h = Array.from({ length: 4 }, (_, j) =>
    Math.max(0, head.hidden!.bias[j]! + x.reduce((s, v, i) => s + (v / norm) * head.hidden!.weights[i * 4 + j]!, 0)),
  );
  const logits = Array.from({ length: 3 }, (_, c) => head.output.bias[c]! + h.reduce((s, v, j) => s + v * head.output.weights[j * 3 + c]!, 0));
  const z = logits.reduce((s, l) => s + Math.exp(l), 0);
  const p = applyHead(head, x);
  logits.forEach((l, c) => assert.ok(Math.abs(p[c]! - Math.exp(l) / z) < 1e-6));
  assert.throws(() => applyHead(head, new Float32Array(5)), /6-long/);
});

test('metrics: accuracy, per-class precision/recall/F1/support and a true-by-predicted confusion matrix', () => {
  const m = computeMetrics(['a', 'b', 'c'], [0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 0, 0]);
  assert.equal(m.accuracy, 3 / 6);
  assert.deepEqual(m.confusion.matrix, [
    [2, 1, 0],
    [1, 1, 0],
    [1, 0, 0],
  ]);
  assert.deepEqual(m.perClass.a, { precision: 2 / 4, recall: 2 / 3, f1: (2 * 0.5 * (2 / 3)) / (0.5 + 2 / 3), support: 3 });
  assert.deepEqual(m.perClass.c, { precision: 0, recall: 0, f1: 0, support: 1 });
});

async function jpeg(seed: number): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 48, channels: 3, background: { r: seed % 256, g: (seed * 7) % 256, b: 90 } } })
    .jpeg()
    .toBuffer();
}

/** A project of synthetic images: the classes given, with that many images each, plus unlabelled ones. */
async function smallProject(classes: Record<string, number>, unlabelled = 0): Promise<ProjectStore> {
  const store = ProjectStore.create(path.join(tempDir(), 'p.pancake'));
  let seed = 0;
  const images = [];
  for (const [name, n] of [...Object.entries(classes), ['', unlabelled] as const]) {
    const classId = name ? store.createClass(name) : null;
    for (let i = 0; i < n; i++, seed++) {
      const bytes = await jpeg(seed);
      images.push({
        sha256: `sha-${seed}`,
        fileName: `${seed}.jpg`,
        sourcePath: `/x/${seed}.jpg`,
        width: 64,
        height: 48,
        format: 'jpeg',
        byteSize: bytes.length,
        split: 'none' as const,
        classId,
        importId: null,
        normalized: bytes,
        normalizedWidth: 64,
        normalizedHeight: 48,
        thumbnail: bytes,
        original: bytes,
      });
    }
  }
  store.insertImages(images);
  return store;
}

test('guard rails stop a training that cannot work before anything is computed', async () => {
  const cases: [Record<string, number>, number, RegExp][] = [
    [{}, 3, /nothing to train on/],
    [{ cats: 4 }, 10, /Only the class "cats" has labelled images/],
    [{ cats: 4, dogs: 3, birds: 0 }, 0, /"birds" has no labelled images/],
  ];
  for (const [classes, unlabelled, message] of cases) {
    const store = await smallProject(classes, unlabelled);
    try {
      await assert.rejects(trainProject(store), (e: Error) => e instanceof TrainingGuardError && message.test(e.message));
      assert.equal(countEmbeddings(store, 'mobilenet_v2_1.0_224'), 0);
      assert.equal(listVersions(store).length, 0);
    } finally {
      store.close();
    }
  }
});

test('the training plan: validation split first, else a holdout from every class, else none with a warning; test never trains', async () => {
  const store = await smallProject({ ants: 10, bees: 6, wasps: 3 }, 4);
  try {
    const ids = labelledImages(store).map((i) => i.id);
    // Tiny class: nothing held out.
    let plan = planTraining(store.classes(), labelledImages(store), { validationShare: 0.2 });
    assert.equal(plan.validationSource, 'none');
    assert.equal(plan.train.length, 19);
    assert.match(plan.warnings.join(' '), /"wasps" has fewer than 5 images/);

    const wasps = store.classByName('wasps')!.id;
    store.deleteClass(wasps);
    plan = planTraining(store.classes(), labelledImages(store), { validationShare: 0.2 });
    assert.equal(plan.validationSource, 'holdout');
    const count = (list: typeof plan.train, name: string) => list.filter((i) => i.className === name).length;
    assert.ok(count(plan.validation, 'ants') >= 1 && count(plan.train, 'ants') >= 1);
    assert.ok(count(plan.validation, 'bees') >= 1 && count(plan.train, 'bees') >= 1);
    assert.equal(plan.train.length + plan.validation.length, 16);
    assert.deepEqual(planTraining(store.classes(), labelledImages(store), { validationShare: 0.2 }).validation, plan.validation);

    store.setSplit(ids.slice(0, 2), 'test');
    store.setSplit(ids.slice(2, 4), 'validation');
    plan = planTraining(store.classes(), labelledImages(store), { validationShare: 0.2 });
    assert.equal(plan.validationSource, 'split');
    assert.deepEqual(plan.validation.map((i) => i.id), ids.slice(2, 4));
    assert.deepEqual(plan.test.map((i) => i.id), ids.slice(0, 2));
    assert.ok(plan.train.every((i) => i.split !== 'test' && i.split !== 'validation'));
    assert.match(plan.warnings.join(' '), /"bees" has no validation images/);
  } finally {
    store.close();
  }
});

test('versions: save makes active, rename, note, switch, out-of-date after a label change, delete', async () => {
  const store = await smallProject({ ants: 3, bees: 3 });
  try {
    const head = randomHead(false);
    const base = {
      head,
      settings: {} as never,
      metrics: { validation: null } as never,
      durationMs: 1234,
    };
    const first = saveVersion(store, { ...base, dataFingerprint: currentFingerprint(store) });
    const second = saveVersion(store, { ...base, dataFingerprint: currentFingerprint(store), name: 'Second' });
    assert.equal(activeVersion(store)?.id, second);
    assert.deepEqual(listVersions(store).map((v) => [v.id, v.name, v.active]), [
      [second, 'Second', true],
      [first, 'Model 1', false],
    ]);
    assert.deepEqual(loadHead(store, first), head);
    renameVersion(store, first, '  Ants   first ');
    setVersionNote(store, first, 'before the bees were cleaned');
    setActiveVersion(store, first);
    assert.deepEqual([getVersion(store, first).name, getVersion(store, first).note, getVersion(store, first).active], [
      'Ants first',
      'before the bees were cleaned',
      true,
    ]);
    assert.equal(activeVersionOutOfDate(store), false);
    const image = labelledImages(store)[0]!;
    store.applyLabels('label', 'move one', [{ imageId: image.id, classId: store.classByName('bees')!.id, source: 'user' }]);
    assert.equal(activeVersionOutOfDate(store), true);
    store.undo();
    assert.equal(activeVersionOutOfDate(store), false);
    deleteVersion(store, first);
    assert.equal(activeVersion(store), null);
    assert.equal(activeVersionOutOfDate(store), null);
    assert.throws(() => getVersion(store, first), VersionError);
    assert.throws(() => renameVersion(store, second, '   '), /needs a name/);
  } finally {
    store.close();
  }
});
