// Evaluation arithmetic on cases worked out by hand, and the Evaluate
// view's report built from a saved version's validation predictions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ProjectStore, type NewImage } from '../../../db/project-store.js';
import { computeMetrics } from '../../../main/ml/metrics.js';
import type { ModelVersion, VersionSettings } from '../../../main/ml/versions.js';
import { evaluationReport } from '../../../main/insights/evaluation.js';
import { tempDir } from '../../helpers/temp.js';

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} is not ${expected}`);

test('three classes by hand, one never predicted: precision 0, not NaN', () => {
  //            cat cat cat cat dog dog dog fox fox fox
  const truth = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
  const pred = [0, 0, 1, 0, 1, 1, 0, 1, 1, 0];
  const m = computeMetrics(['cat', 'dog', 'fox', 'owl'], truth, pred);
  // Rows true, columns predicted: cat [3 1 0], dog [1 2 0], fox [1 2 0]; owl has nothing.
  assert.deepEqual(m.confusion.matrix, [
    [3, 1, 0, 0],
    [1, 2, 0, 0],
    [1, 2, 0, 0],
    [0, 0, 0, 0],
  ]);
  close(m.accuracy, 5 / 10);
  assert.equal(m.n, 10);
  // cat: 3 of 5 predicted cats are cats, 3 of 4 cats found; F1 = 2·0.6·0.75 / 1.35.
  close(m.perClass.cat!.precision, 3 / 5);
  close(m.perClass.cat!.recall, 3 / 4);
  close(m.perClass.cat!.f1, 2 / 3);
  assert.equal(m.perClass.cat!.support, 4);
  // dog: 2 of 5, 2 of 3; F1 = 2·0.4·(2/3) / (0.4 + 2/3) = 0.5.
  close(m.perClass.dog!.precision, 2 / 5);
  close(m.perClass.dog!.recall, 2 / 3);
  close(m.perClass.dog!.f1, 1 / 2);
  // fox is never predicted: every figure is 0, none is NaN.
  assert.deepEqual(m.perClass.fox, { precision: 0, recall: 0, f1: 0, support: 3 });
  assert.deepEqual(m.perClass.owl, { precision: 0, recall: 0, f1: 0, support: 0 });
  // Macro F1 averages the classes with images or predictions: owl is left out.
  close(m.macroF1, (2 / 3 + 1 / 2 + 0) / 3);
});

test('a perfect and an empty evaluation', () => {
  const perfect = computeMetrics(['a', 'b'], [0, 1, 1], [0, 1, 1]);
  assert.equal(perfect.accuracy, 1);
  assert.deepEqual(perfect.perClass.b, { precision: 1, recall: 1, f1: 1, support: 2 });
  const empty = computeMetrics(['a', 'b'], [], []);
  assert.equal(empty.accuracy, 0);
  assert.equal(empty.macroF1, 0);
});

function fakeImage(i: number, classId: number | null): NewImage {
  const bytes = new Uint8Array([i]);
  return {
    sha256: `sha-${i}`,
    fileName: `img-${i}.jpg`,
    sourcePath: `/photos/img-${i}.jpg`,
    width: 10,
    height: 10,
    format: 'jpeg',
    byteSize: 1,
    split: 'validation',
    classId,
    importId: null,
    normalized: bytes,
    normalizedWidth: 10,
    normalizedHeight: 10,
    thumbnail: bytes,
    original: bytes,
  };
}

test('the evaluation report: cells hold their images, mistakes rank by loss, deleted images drop out', () => {
  const store = ProjectStore.create(path.join(tempDir(), 'eval.pancake'));
  const ids = store.insertImages([1, 2, 3, 4, 5, 6].map((i) => fakeImage(i, null)));
  const [a, b, c, d, e, f] = ids as [number, number, number, number, number, number];
  const classes = ['ants', 'bees', 'wasps'];
  // a, b right; c is a bee called an ant (p(bee) 0.3); d a wasp called a bee (p(wasp) 0.05);
  // e an ant called a bee (p(ant) 0.45); f a wasp called an ant, deleted below.
  const predictions = [
    { imageId: a, trueClass: 'ants', predictedClass: 'ants', probabilities: [0.9, 0.05, 0.05] },
    { imageId: b, trueClass: 'bees', predictedClass: 'bees', probabilities: [0.2, 0.7, 0.1] },
    { imageId: c, trueClass: 'bees', predictedClass: 'ants', probabilities: [0.6, 0.3, 0.1] },
    { imageId: d, trueClass: 'wasps', predictedClass: 'bees', probabilities: [0.15, 0.8, 0.05] },
    { imageId: e, trueClass: 'ants', predictedClass: 'bees', probabilities: [0.45, 0.5, 0.05] },
    { imageId: f, trueClass: 'wasps', predictedClass: 'ants', probabilities: [0.98, 0.01, 0.01] },
  ];
  const index = new Map(classes.map((x, i) => [x, i]));
  const metrics = computeMetrics(
    classes,
    predictions.map((p) => index.get(p.trueClass)!),
    predictions.map((p) => index.get(p.predictedClass)!),
  );
  store.deleteImages([f]);
  const version: ModelVersion = {
    id: 7,
    name: 'Model 7',
    note: '',
    createdAt: 1,
    backbone: 'mobilenet_v2_1.0_224',
    classes,
    settings: { validation: 'split' } as VersionSettings,
    dataFingerprint: '',
    metrics: {
      validation: metrics,
      test: null,
      predictions,
      history: [],
      bestEpoch: 1,
      stoppedEarly: false,
      counts: { trainImages: 10, trainSamples: 10, validation: 6, test: 0 },
    },
    durationMs: 1,
    active: true,
  };
  const r = evaluationReport(store, version);
  assert.equal(r.validationCount, 6);
  close(r.accuracy!, 2 / 6);
  // The figures stay those of the version; the cells only list images still in the project.
  assert.deepEqual(r.confusion.matrix, [
    [1, 1, 0],
    [1, 1, 0],
    [1, 1, 0],
  ]);
  assert.deepEqual(r.confusion.cells, [
    [[a], [e], []],
    [[c], [b], []],
    [[], [d], []],
  ]);
  assert.equal(r.deletedSince, 1);
  // Loss = -ln p(true): d 3.00, c 1.20, e 0.80.
  assert.deepEqual(
    r.mistakes.map((m) => m.imageId),
    [d, c, e],
  );
  close(r.mistakes[0]!.loss, -Math.log(0.05));
  close(r.mistakes[0]!.confidence, 0.8);
  close(r.mistakes[0]!.trueProbability, 0.05);
  assert.deepEqual(
    r.perClass.map((p) => [p.name, p.support, p.predicted]),
    [
      ['ants', 2, 3],
      ['bees', 2, 3],
      ['wasps', 2, 0],
    ],
  );
  assert.equal(r.perClass[2]!.precision, 0);

  const none = evaluationReport(store, { ...version, metrics: { ...version.metrics, validation: null, predictions: [] } });
  assert.equal(none.validationCount, 0);
  assert.equal(none.accuracy, null);
  assert.deepEqual(none.mistakes, []);
  store.close();
});
