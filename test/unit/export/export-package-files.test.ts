// The README's Node.js examples are run exactly as written, against the
// exported files on disk, and must print the reference's top class.
import '../../../main/ml/telemetry-off.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import type { HeadModel } from '../../../main/ml/head-format.js';
import { referenceProbabilities } from '../../helpers/reference-head.js';
import { buildWholeOnnx } from '../../../main/export/onnx-export.js';
import { buildWholeTfjs } from '../../../main/export/tfjs-export.js';
import type { ExportMeta } from '../../../main/export/export-meta.js';
import { labelsText, ONNX_MODEL_FILE, packageFiles, type ModelFormat } from '../../../main/export/package-files.js';
import { resolveBackbone } from '../../../main/ml/backbones.js';
import { datasetDir } from '../../helpers/datasets.js';
import { repoRoot } from '../../helpers/temp.js';

const BACKBONE = 'mobilenet_v2_1.0_224';
const MODEL_DIR = path.join(resolveBackbone(BACKBONE).modelsDir, BACKBONE);
const VAL_DIR = path.join(datasetDir('hymenoptera'), 'val');
const IMAGES = [path.join(VAL_DIR, 'ants', fs.readdirSync(path.join(VAL_DIR, 'ants')).sort()[0]!), path.join(VAL_DIR, 'bees', fs.readdirSync(path.join(VAL_DIR, 'bees')).sort()[0]!)];

const META: ExportMeta = {
  versionId: 3,
  versionName: 'Bugs v3',
  backbone: BACKBONE,
  createdAt: Date.UTC(2025, 5, 1),
  appVersion: '0.0.0-test',
  preprocessing: { imageSize: 224, divisor: 127.5, offset: -1 },
  tta: false,
};

// A nearest-centroid-like head built from the two images' own embeddings, so
// each image's top class is known and distinct; the class names are awkward on purpose.
function headFor(embeddings: Float32Array[]): HeadModel {
  const dim = embeddings[0]!.length;
  const classes = ['ants: formicidae', 'bees\nand "wasps"'];
  const weights = new Float32Array(dim * classes.length);
  embeddings.forEach((e, c) => {
    const norm = Math.hypot(...e);
    for (let i = 0; i < dim; i++) weights[i * classes.length + c] = (10 * e[i]!) / norm;
  });
  return {
    format: 1,
    backbone: BACKBONE,
    inputDim: dim,
    l2normalize: true,
    hidden: null,
    output: { inputSize: dim, outputSize: classes.length, weights, bias: new Float32Array(classes.length) },
    classes,
  };
}

async function embed(file: string): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(path.join(MODEL_DIR, 'onnx', `${BACKBONE}.onnx`), { intraOpNumThreads: 2 });
  const data = await sharp(file).rotate().resize(224, 224, { fit: 'cover', kernel: 'lanczos3' }).removeAlpha().toColourspace('srgb').raw().toBuffer();
  const input = new ort.Tensor('float32', Float32Array.from(data, (v) => v / 127.5 - 1), [1, 224, 224, 3]);
  const out = (await session.run({ input }, ['embedding'])).embedding!.data as Float32Array;
  await session.release();
  return out;
}

/** A fresh folder inside the checkout, so the examples' bare imports resolve to its node_modules. */
function packageDir(): string {
  const parent = path.join(repoRoot, 'test-output');
  fs.mkdirSync(parent, { recursive: true });
  const dir = fs.mkdtempSync(path.join(parent, 'export-package-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function nodeExample(readme: string): string {
  const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const example = blocks.find((b) => b.includes('node classify.mjs'));
  assert.ok(example, 'the README has no Node.js example');
  return example;
}

function writePackage(format: ModelFormat, model: Map<string, Uint8Array>, head: HeadModel, metrics: unknown): string {
  const dir = packageDir();
  for (const [name, bytes] of [...model, ...packageFiles(format, head, META, metrics)]) fs.writeFileSync(path.join(dir, name), bytes);
  const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
  fs.writeFileSync(path.join(dir, 'classify.mjs'), nodeExample(readme));
  return dir;
}

/** The example's first printed line: "label: probability". */
function runExample(dir: string, image: string): { label: string; p: number } {
  const out = execFileSync(process.execPath, ['classify.mjs', image], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const first = out.split('\n')[0]!;
  const at = first.lastIndexOf(': ');
  return { label: first.slice(0, at), p: Number(first.slice(at + 2)) };
}

test('labels.txt has exactly one line per class, in output order', () => {
  const text = labelsText(['a', 'b\nc', 'd\r\ne', 'f\u2028g', 'h']);
  assert.deepEqual(text.split('\n').slice(0, -1), ['a', 'b c', 'd  e', 'f g', 'h']);
});

test('the README says whether the model averages over the mirrored image, with the same input and output', () => {
  const head = headFor([Float32Array.of(1, 0), Float32Array.of(0, 1)]);
  const readme = (tta: boolean): string => new TextDecoder().decode(packageFiles('onnx', head, { ...META, tta }, null).get('README.md'));
  const withTta = readme(true);
  const without = readme(false);
  assert.match(withTta, /mean of the softmax over the image and its left-right mirror image/);
  assert.match(withTta, /feed each image once, unmirrored/);
  assert.doesNotMatch(without, /mirror/);
  const io = (text: string): string[] => text.split('\n').filter((l) => /^- (Input|Output) /.test(l)).map((l) => l.replace(/, the mean .*as Pancake predicts;/, ', softmax;'));
  assert.deepEqual(io(withTta), io(without));
  assert.equal(nodeExample(withTta), nodeExample(without));
});

test('the README examples run as written and agree with the reference', async (t) => {
  const embeddings = [await embed(IMAGES[0]!), await embed(IMAGES[1]!)];
  const head = headFor(embeddings);
  const reference = embeddings.map((e) => referenceProbabilities(head, e));
  assert.deepEqual(
    reference.map((r) => (r[0]! > r[1]! ? 0 : 1)),
    [0, 1],
  );
  const metrics = { accuracy: 0.93, perClass: { ants: { precision: 0.9 } } };

  await t.test('ONNX package, Node.js example', async () => {
    const dir = writePackage('onnx', new Map([[ONNX_MODEL_FILE, buildWholeOnnx(new Uint8Array(fs.readFileSync(path.join(MODEL_DIR, 'onnx', `${BACKBONE}.onnx`))), head, META)]]), head, metrics);
    const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    assert.match(readme, /```python\n[\s\S]*onnxruntime[\s\S]*```/);
    assert.match(readme, /shorter side is 224 px/);
    const lines = labelsText(head.classes).split('\n');
    IMAGES.forEach((image, i) => {
      const got = runExample(dir, image);
      assert.equal(got.label, lines[i]);
      assert.ok(Math.abs(got.p - reference[i]![i]!) < 1e-3, `printed ${got.p}, reference ${reference[i]![i]}`);
    });
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'metrics.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(saved.metrics, metrics);
    assert.deepEqual(saved.labels, head.classes);
  });

  await t.test('TF.js package, Node.js example', async () => {
    const { files } = await buildWholeTfjs(path.join(MODEL_DIR, 'tfjs'), head, META);
    const dir = writePackage('tfjs', files, head, metrics);
    // Pure-JS TF.js takes seconds per image, so one image.
    const got = runExample(dir, IMAGES[1]!);
    assert.equal(got.label, labelsText(head.classes).split('\n')[1]);
    assert.ok(Math.abs(got.p - reference[1]![1]!) < 1e-3, `printed ${got.p}, reference ${reference[1]![1]}`);
  });
});
