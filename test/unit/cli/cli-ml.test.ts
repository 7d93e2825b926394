// The whole loop through the real `pancake` command, as a user would run it:
// import, train, evaluate, predict and export; then proof that the exported
// models give the app's own answers on every validation image.
import '../../../main/ml/telemetry-off.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { pancake } from '../../helpers/cli.js';
import { normalizedPng } from '../../helpers/normalized.js';
import { datasetDir } from '../../helpers/datasets.js';
import { repoRoot, tempDir } from '../../helpers/temp.js';

const hymenoptera = datasetDir('hymenoptera');
const valDir = path.join(hymenoptera, 'val');
const TOLERANCE = 1e-3;
const TFJS_SUBSET = 24;

interface Prediction {
  file: string;
  predictions: { class: string; confidence: number }[];
}

/**
 * The preprocessing the export README documents (EXIF orientation, RGB, shorter side to 224, centre crop, px/127.5-1),
 * applied to the normalized raster the app embeds instead of the original.
 */
async function documented(file: string): Promise<Float32Array> {
  const { data } = await sharp(await normalizedPng(file))
    .rotate()
    .resize(224, 224, { fit: 'cover', position: 'centre', kernel: 'lanczos3' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return Float32Array.from(data, (v) => v / 127.5 - 1);
}

const home = tempDir();
const project = path.join(home, 'bugs.pancake');
const out = (name: string) => path.join(home, name);

function json<T>(r: { code: number; stdout: string; stderr: string }): T {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

test('train, evaluate, predict and export through the CLI, with exports that agree with the app', async (t) => {
  assert.equal((await pancake(['import', project, hymenoptera], { home })).code, 0);

  // Guard rail on an empty project first: no training, a clear message.
  const empty = path.join(home, 'empty.pancake');
  await pancake(['import', empty, path.join(valDir, 'ants')], { home });
  const refused = await pancake(['train', empty], { home });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /at least two classes/);

  const trained = await pancake(['train', project, '--json'], { home });
  assert.match(trained.stderr, /^epoch +1 +loss [\d.]+ +acc [\d.]+% +val_loss/m);
  const result = json<{
    versionId: number;
    validation: { accuracy: number; n: number; perClass: Record<string, { precision: number; recall: number; f1: number; n: number }>; confusion: { labels: string[]; matrix: number[][] } };
  }>(trained);
  assert.equal(result.versionId, 1);
  assert.equal(result.validation.n, 153);
  assert.ok(result.validation.accuracy >= 0.95, `hymenoptera validation accuracy ${result.validation.accuracy}`);
  assert.deepEqual(Object.keys(result.validation.perClass).sort(), ['ants', 'bees']);
  assert.equal(result.validation.perClass.ants!.n, 70);

  await t.test('evaluate scores a folder tree by class name and reports unknown folders', async () => {
    const folder = out('eval');
    fs.cpSync(valDir, folder, { recursive: true });
    fs.mkdirSync(path.join(folder, 'wasps'));
    fs.copyFileSync(path.join(valDir, 'ants', fs.readdirSync(path.join(valDir, 'ants'))[0]!), path.join(folder, 'wasps', 'x.jpg'));
    const r = json<{ accuracy: number; n: number; perClass: Record<string, { n: number }>; confusion: { labels: string[]; matrix: number[][] }; unknownClasses: string[] }>(
      await pancake(['evaluate', project, folder, '--json'], { home }),
    );
    assert.equal(r.n, 153);
    // The same images and model as the validation during training: the same score.
    assert.equal(r.accuracy, result.validation.accuracy);
    assert.deepEqual(r.unknownClasses, ['wasps']);
    assert.deepEqual(r.perClass.bees!.n, 83);
    assert.equal(r.confusion.matrix.flat().reduce((a, b) => a + b, 0), 153);
  });

  const predicted = json<Prediction[]>(await pancake(['predict', project, valDir, '--json', '--top', '2'], { home }));
  await t.test('predict prints the top classes of every image in a folder tree', () => {
    assert.equal(predicted.length, 153);
    for (const p of predicted) {
      assert.ok(path.isAbsolute(p.file));
      assert.equal(p.predictions.length, 2);
      assert.ok(Math.abs(p.predictions[0]!.confidence + p.predictions[1]!.confidence - 1) < 1e-4);
      assert.ok(p.predictions[0]!.confidence >= p.predictions[1]!.confidence);
    }
  });
  const appProbability = new Map(
    predicted.map((p) => [p.file, Object.fromEntries(p.predictions.map((x) => [x.class, x.confidence])) as Record<string, number>]),
  );

  await t.test('the exported ONNX model gives the app\'s answers on every validation image', async () => {
    const dir = out('onnx');
    const exported = await pancake(['export', project, '--format', 'onnx', '--out', dir], { home });
    assert.equal(exported.code, 0, exported.stderr);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['README.md', 'labels.txt', 'metrics.json', 'model.onnx']);
    const labels = fs.readFileSync(path.join(dir, 'labels.txt'), 'utf8').trim().split('\n');
    const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'));
    assert.deepEqual(session.outputNames, ['probabilities']);
    let worst = 0;
    // In batches of 16, as a user with many photos would run it: onnxruntime takes a batch faster than its images one by one.
    const all = [...appProbability];
    for (let at = 0; at < all.length; at += 16) {
      const batch = all.slice(at, at + 16);
      const flat = new Float32Array(batch.length * 224 * 224 * 3);
      for (const [k, [file]] of batch.entries()) flat.set(await documented(file), k * 224 * 224 * 3);
      const out = (await session.run({ input: new ort.Tensor('float32', flat, [batch.length, 224, 224, 3]) })).probabilities!.data as Float32Array;
      batch.forEach(([file, app], k) => {
        const probs = out.subarray(k * labels.length, (k + 1) * labels.length);
        const top = labels[probs.indexOf(Math.max(...probs))]!;
        const appTop = Object.entries(app).sort((a, b) => b[1] - a[1])[0]![0];
        assert.equal(top, appTop, file);
        labels.forEach((label, i) => (worst = Math.max(worst, Math.abs(probs[i]! - app[label]!))));
      });
    }
    t.diagnostic(`ONNX: largest probability difference from the app ${worst.toExponential(2)} over ${appProbability.size} images`);
    assert.ok(worst < TOLERANCE, `largest difference ${worst}`);
    // Existing files are never overwritten silently.
    const again = await pancake(['export', project, '--format', 'onnx', '--out', dir], { home });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);
  });

  await t.test('the exported TF.js model gives the app\'s answers', async () => {
    const dir = out('tfjs');
    const exported = await pancake(['export', project, '--format', 'tfjs', '--out', dir], { home });
    assert.equal(exported.code, 0, exported.stderr);
    const metadata = JSON.parse(fs.readFileSync(path.join(dir, 'metadata.json'), 'utf8')) as { labels: string[]; imageSize: number };
    assert.equal(metadata.imageSize, 224);
    setWasmPaths(path.join(repoRoot, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + path.sep);
    assert.ok(await tf.setBackend('wasm'));
    const modelJson = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as {
      modelTopology: object;
      weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
    };
    const weightSpecs = modelJson.weightsManifest.flatMap((g) => g.weights);
    const weightData = Buffer.concat(modelJson.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(dir, p)))));
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength) }),
    );
    const files = [...appProbability.keys()];
    const subset = files.filter((_, i) => i % Math.ceil(files.length / TFJS_SUBSET) === 0);
    let worst = 0;
    for (const file of subset) {
      const x = await documented(file);
      const p = tf.tidy(() => (model.predict(tf.tensor4d(x, [1, 224, 224, 3])) as tf.Tensor).dataSync());
      const app = appProbability.get(file)!;
      metadata.labels.forEach((label, i) => (worst = Math.max(worst, Math.abs(p[i]! - app[label]!))));
    }
    t.diagnostic(`TF.js: largest probability difference from the app ${worst.toExponential(2)} over ${subset.length} images`);
    assert.ok(worst < TOLERANCE, `largest difference ${worst}`);
    model.dispose();
  });

  await t.test('a dataset export imports back into the same classes and counts', async () => {
    const dir = out('dataset');
    const exported = await pancake(['export', project, '--format', 'dataset', '--out', dir], { home });
    assert.equal(exported.code, 0, exported.stderr);
    assert.ok(fs.existsSync(path.join(dir, 'labels.csv')));
    const copy = out('roundtrip.pancake');
    // Classes and counts are the claim, not vectors: with the weights out of
    // sight the import skips embedding (it says so), which is most of its time.
    const noWeights = { PANCAKE_NO_CHECKOUT_MODELS: '1', PANCAKE_MODELS_DIR: undefined, XDG_DATA_HOME: tempDir() };
    const roundtrip = await pancake(['import', copy, dir], { home, env: noWeights });
    assert.equal(roundtrip.code, 0, roundtrip.stderr);
    assert.match(roundtrip.stdout, /embedded when a model needs them/);
    const a = json<object>(await pancake(['info', project, '--json'], { home }));
    const b = json<object>(await pancake(['info', copy, '--json'], { home }));
    assert.deepEqual(b, a);
  });

  await t.test('the whole project can be copied while open and opened elsewhere', async () => {
    const copy = out('backup.pancake');
    const r = await pancake(['export', project, '--format', 'project', '--out', copy], { home });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      json<object>(await pancake(['info', copy, '--json'], { home })),
      json<object>(await pancake(['info', project, '--json'], { home })),
    );
    // The copy carries the trained model too: it predicts without training.
    const p = json<Prediction[]>(await pancake(['predict', copy, path.join(valDir, 'bees'), '--json'], { home }));
    assert.equal(p.length, 83);
  });
});
