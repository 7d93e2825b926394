// Proof that exported models give the app's answers: every hymenoptera
// validation image is normalized as the app normalizes every image (the
// 512-px raster an import embeds), goes through the preprocessing the export
// README documents, then through (a) the app's arithmetic: the backbone in
// onnxruntime + the head in plain JS, averaged with the same for the app's own
// mirrored view when the version predicts with test-time augmentation (the
// reference), (b) the exported .onnx and (c) the exported TF.js model: all of
// them through one head in each format, an even spread through the others.
import '../../../main/ml/telemetry-off.js';
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { DenseWeights, HeadModel } from '../../../main/ml/head-format.js';
import { referenceProbabilities } from '../../helpers/reference-head.js';
import { preprocess } from '../../../main/ml/preprocess.js';
import { normalizedPng } from '../../helpers/normalized.js';
import { FLIP_VIEW, PLAIN_VIEW, viewSpec } from '../../../main/ml/views.js';
import { buildWholeOnnx } from '../../../main/export/onnx-export.js';
import { buildWholeTfjs } from '../../../main/export/tfjs-export.js';
import type { ExportMeta } from '../../../main/export/export-meta.js';
import { MODEL, readMetadataEntry } from '../../../main/export/onnx-proto.js';
import { decodeVarint, MessageWriter, readFields } from '../../../main/export/protobuf.js';
import { resolveBackbone } from '../../../main/ml/backbones.js';
import { datasetDir } from '../../helpers/datasets.js';
import { repoRoot } from '../../helpers/temp.js';
import { seededRandom } from '../../../main/ml/random.js';

const BACKBONE = 'mobilenet_v2_1.0_224';
const MODEL_DIR = path.join(resolveBackbone(BACKBONE).modelsDir, BACKBONE);
const ONNX_FILE = path.join(MODEL_DIR, 'onnx', `${BACKBONE}.onnx`);
const TFJS_DIR = path.join(MODEL_DIR, 'tfjs');
const VAL_DIR = path.join(datasetDir('hymenoptera'), 'val');
const SIZE = 224;
const DIM = 1280;
const TOLERANCE = 1e-3;
/**
 * Every image goes through one head in each format, an even spread of this
 * many through the others: the backbone is the same in every variant, so the
 * images that could disagree are found by one head, and what differs between
 * heads (layers, L2, classes, mirror) shows on any image. TF.js on wasm takes
 * ~0.1 s per image and view, the whole-model ONNX about a fifth of that.
 */
const SUBSET = 24;

const META: ExportMeta = {
  versionId: 7,
  versionName: 'Proof run',
  backbone: BACKBONE,
  createdAt: Date.UTC(2025, 0, 2, 3, 4, 5),
  appVersion: '0.0.0-test',
  preprocessing: { imageSize: SIZE, divisor: 127.5, offset: -1 },
  tta: true,
};

/** The export README's recipe: EXIF orientation, RGB, shorter side to 224 (lanczos3), centre crop, px/127.5-1. */
async function documentedPreprocessing(image: Buffer): Promise<Float32Array> {
  const { data, info } = await sharp(image)
    .rotate()
    .resize(SIZE, SIZE, { fit: 'cover', position: 'centre', kernel: 'lanczos3' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  assert.equal(info.channels, 3);
  return Float32Array.from(data, (v) => v / 127.5 - 1);
}


function denseLayer(next: () => number, inputSize: number, outputSize: number, scale: number): DenseWeights {
  const uniform = (): number => (next() * 2 - 1) * scale;
  return {
    inputSize,
    outputSize,
    weights: Float32Array.from({ length: inputSize * outputSize }, uniform),
    bias: Float32Array.from({ length: outputSize }, uniform),
  };
}

interface Variant {
  label: string;
  head: HeadModel;
  /** Whether the version predicts with test-time augmentation (the app's default). */
  tta: boolean;
}

// Scales keep logits spread over a few units, so softmax is neither flat nor
// saturated; without L2 normalisation embeddings have a norm of about 30.
function makeHead(seed: number, classes: string[], hidden: number | null, l2normalize: boolean): HeadModel {
  const next = seededRandom(seed);
  const inputScale = l2normalize ? 1 : 1 / 30;
  const hiddenLayer = hidden === null ? null : denseLayer(next, DIM, hidden, 3 * inputScale);
  const output = hiddenLayer
    ? denseLayer(next, hidden!, classes.length, 0.75)
    : denseLayer(next, DIM, classes.length, 5 * inputScale);
  return { format: 1, backbone: BACKBONE, inputDim: DIM, l2normalize, hidden: hiddenLayer, output, classes };
}

const VARIANTS: Variant[] = [
  { label: '2 classes, L2, no hidden layer, tta', head: makeHead(1, ['ants', 'bees'], null, true), tta: true },
  { label: '2 classes, L2, hidden 48, no tta', head: makeHead(2, ['ants', 'bees'], 48, true), tta: false },
  { label: '3 classes, L2, no hidden layer, tta', head: makeHead(3, ['ants', 'bees', 'wasps & "hornets" / ü'], null, true), tta: true },
  { label: '3 classes, L2, hidden 64, tta', head: makeHead(4, ['ants', 'bees', 'other'], 64, true), tta: true },
  { label: '3 classes, no L2, hidden 32, tta', head: makeHead(5, ['ants', 'bees', 'other'], 32, false), tta: true },
];
/** The head every image goes through: the one without the mirror, which costs one backbone pass per image instead of two. */
const FULL_VARIANT = 1;

function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

/** Checks flat [N, C] probabilities against the reference; returns the largest absolute difference. */
function compare(what: string, names: string[], reference: Float64Array[], actual: Float32Array): number {
  const c = reference[0]!.length;
  assert.equal(actual.length, reference.length * c, `${what}: output size`);
  let largest = 0;
  reference.forEach((ref, i) => {
    const got = actual.subarray(i * c, (i + 1) * c);
    assert.equal(argmax(got), argmax(ref), `${what}: top class differs for ${names[i]}`);
    for (let j = 0; j < c; j++) largest = Math.max(largest, Math.abs(got[j]! - ref[j]!));
  });
  assert.ok(largest <= TOLERANCE, `${what}: probabilities differ by ${largest}`);
  return largest;
}

async function runOnnx(bytes: Uint8Array, images: Float32Array[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 2 });
  try {
    assert.deepEqual(session.inputNames, ['input']);
    assert.deepEqual(session.outputNames, ['probabilities']);
    const parts: Float32Array[] = [];
    for (let i = 0; i < images.length; i += 16) {
      const batch = images.slice(i, i + 16);
      const input = new ort.Tensor('float32', concat(batch), [batch.length, SIZE, SIZE, 3]);
      const out = await session.run({ input });
      parts.push(out.probabilities!.data as Float32Array);
    }
    return concat(parts);
  } finally {
    await session.release();
  }
}

async function runTfjs(files: Map<string, Uint8Array>, images: Float32Array[]): Promise<Float32Array> {
  const file = (name: string): Uint8Array => {
    const f = files.get(name);
    assert.ok(f, `the TF.js export lacks ${name}`);
    return f;
  };
  const json = JSON.parse(new TextDecoder().decode(file('model.json'))) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const weightData = tf.io.CompositeArrayBuffer.join(
    json.weightsManifest.flatMap((g) => g.paths).map((p) => file(p).slice().buffer as ArrayBuffer),
  );
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData }),
  );
  try {
    assert.deepEqual(model.outputNames, ['probabilities']);
    const parts: Float32Array[] = [];
    for (let i = 0; i < images.length; i += 10) {
      const batch = images.slice(i, i + 10);
      const out = tf.tidy(() => model.predict(tf.tensor4d(concat(batch), [batch.length, SIZE, SIZE, 3])) as tf.Tensor);
      parts.push((await out.data()) as Float32Array);
      out.dispose();
    }
    return concat(parts);
  } finally {
    model.dispose();
  }
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

function onnxMetadata(bytes: Uint8Array): Map<string, string> {
  const entries = readFields(bytes).filter((f) => f.no === MODEL.metadataProps).map((f) => readMetadataEntry(f.data));
  return new Map(entries.map((e) => [e.key, e.value]));
}

/** The backbone with its default-domain opset import rewritten, to exercise the opset-18 forms of ReduceL2 and ReduceMean. */
function withOpset(model: Uint8Array, version: number): Uint8Array {
  const w = new MessageWriter();
  for (const f of readFields(model)) {
    if (f.no === MODEL.irVersion) w.varint(MODEL.irVersion, 8);
    else if (f.no === MODEL.opsetImport) w.bytes(MODEL.opsetImport, new MessageWriter().string(1, '').varint(2, version).finish());
    else w.field(f);
  }
  return w.finish();
}

function opsetOf(model: Uint8Array): number {
  const opset = readFields(model).find((f) => f.no === MODEL.opsetImport)!;
  return Number(decodeVarint(readFields(opset.data).find((f) => f.no === 2)!.data));
}

/** What the app predicts for one image: the head on the plain view, averaged with the mirrored view under tta. */
function appReference(head: HeadModel, tta: boolean, plain: Float32Array, mirrored: Float32Array): Float64Array {
  const p = referenceProbabilities(head, plain);
  if (!tta) return p;
  const q = referenceProbabilities(head, mirrored);
  return p.map((v, i) => (v + q[i]!) / 2);
}

describe('whole-model export gives the reference answers', () => {
  const names: string[] = [];
  const images: Float32Array[] = [];
  /** The app's embeddings of the plain view (from the documented preprocessing) and of its mirrored view. */
  const embeddings: Float32Array[] = [];
  const mirroredEmbeddings: Float32Array[] = [];
  let plainViewMatches = 0;
  const backboneBytes = new Uint8Array(fs.readFileSync(ONNX_FILE));
  const largest = { onnx: 0, tfjs: 0 };

  async function embed(backbone: ort.InferenceSession, inputs: Float32Array[], into: Float32Array[]): Promise<void> {
    for (let i = 0; i < inputs.length; i += 16) {
      const batch = inputs.slice(i, i + 16);
      const out = await backbone.run({ input: new ort.Tensor('float32', concat(batch), [batch.length, SIZE, SIZE, 3]) }, ['embedding']);
      const flat = out.embedding!.data as Float32Array;
      for (let j = 0; j < batch.length; j++) into.push(flat.slice(j * DIM, (j + 1) * DIM));
    }
  }

  before(async () => {
    const mirrored: Float32Array[] = [];
    for (const cls of fs.readdirSync(VAL_DIR).sort()) {
      for (const f of fs.readdirSync(path.join(VAL_DIR, cls)).sort()) {
        const file = path.join(VAL_DIR, cls, f);
        names.push(`${cls}/${f}`);
        const normalized = await normalizedPng(file);
        const documented = await documentedPreprocessing(normalized);
        images.push(documented);
        const plain = await preprocess(normalized, viewSpec(PLAIN_VIEW), SIZE);
        if (plain.every((v, i) => Math.fround(v / 127.5 - 1) === documented[i])) plainViewMatches++;
        // The app's own mirrored view, so the reference is what the app predicts, whatever way it mirrors.
        mirrored.push(Float32Array.from(await preprocess(normalized, viewSpec(FLIP_VIEW), SIZE), (v) => v / 127.5 - 1));
      }
    }
    const backbone = await ort.InferenceSession.create(backboneBytes, { intraOpNumThreads: 2 });
    await embed(backbone, images, embeddings);
    await embed(backbone, mirrored, mirroredEmbeddings);
    await backbone.release();
    setWasmPaths(path.join(repoRoot, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + path.sep);
    assert.ok(await tf.setBackend('wasm'), 'the TF.js wasm backend did not start');
  });

  after(() => {
    console.log(`largest probability difference: ONNX ${largest.onnx.toExponential(2)}, TF.js ${largest.tfjs.toExponential(2)}`);
  });

  test('uses every validation image, preprocessed as the app does', () => {
    assert.equal(images.length, 153);
    assert.equal(plainViewMatches, images.length, 'the documented preprocessing differs from the app\'s plain view');
  });

  for (const [index, { label, head, tta }] of VARIANTS.entries()) {
    const meta: ExportMeta = { ...META, tta };
    const reference = (): Float64Array[] => embeddings.map((e, i) => appReference(head, tta, e, mirroredEmbeddings[i]!));
    const picked = (): number[] =>
      index === FULL_VARIANT ? images.map((_, i) => i) : Array.from({ length: SUBSET }, (_, k) => Math.floor((k * images.length) / SUBSET));

    test(`ONNX, ${label}`, async (t: TestContext) => {
      const ref = reference();
      // A head whose top class never changes would prove little.
      assert.ok(new Set(ref.map(argmax)).size > 1, 'the reference head always picks the same class');
      const bytes = buildWholeOnnx(backboneBytes, head, meta);
      const some = picked();
      assert.ok(new Set(some.map((i) => argmax(ref[i]!))).size > 1, 'the reference head picks the same class on every image checked');
      const diff = compare(
        'ONNX',
        some.map((i) => names[i]!),
        some.map((i) => ref[i]!),
        await runOnnx(bytes, some.map((i) => images[i]!)),
      );
      largest.onnx = Math.max(largest.onnx, diff);
      t.diagnostic(`ONNX ${bytes.length} bytes, largest difference ${diff.toExponential(2)} over ${some.length} images`);

      const info = onnxMetadata(bytes);
      assert.deepEqual(JSON.parse(info.get('labels')!), head.classes);
      assert.equal(info.get('backbone'), BACKBONE);
      assert.equal(info.get('name'), 'Proof run');
      assert.equal(info.get('versionId'), '7');
      assert.match(info.get('preprocessing')!, /shorter side is 224 px.*pixel \/ 127\.5 - 1/);
      assert.match(info.get('testTimeAugmentation')!, tta ? /^mirror: / : /^none$/);
      assert.equal(/mirror/.test(info.get('output')!), tta);
      assert.ok(info.has('backbone.source'), 'the backbone provenance is kept');
      // The ImageNet classifier (1280x1001 floats) is pruned, so the file is smaller than the backbone.
      assert.ok(bytes.length < backboneBytes.length - DIM * 1001 * 4 + (DIM + 1) * 64 * 4 + 65536);
    });

    test(`TF.js, ${label}`, async (t: TestContext) => {
      const some = picked();
      const ref = reference();
      const tensorsBefore = tf.memory().numTensors;
      const { files } = await buildWholeTfjs(TFJS_DIR, head, meta);
      assert.equal(tf.memory().numTensors, tensorsBefore, 'building the export leaks tensors');
      const diff = compare(
        'TF.js',
        some.map((i) => names[i]!),
        some.map((i) => ref[i]!),
        await runTfjs(files, some.map((i) => images[i]!)),
      );
      largest.tfjs = Math.max(largest.tfjs, diff);
      const total = [...files.values()].reduce((n, f) => n + f.length, 0);
      t.diagnostic(`TF.js ${total} bytes in ${files.size} files, largest difference ${diff.toExponential(2)} over ${some.length} images`);

      const info = JSON.parse(new TextDecoder().decode(files.get('metadata.json'))) as Record<string, unknown>;
      assert.deepEqual(info.labels, head.classes);
      assert.equal(info.imageSize, SIZE);
      assert.match(String(info.testTimeAugmentation), tta ? /^mirror: / : /^none$/);
      const topology = new TextDecoder().decode(files.get('model.json'));
      assert.doesNotMatch(topology, /"logits"|"probs"/, 'the ImageNet classifier is left out');
      // Both views share one copy of the backbone: the ImageNet classifier is gone and nothing is stored twice.
      const backboneTotal = fs.readdirSync(TFJS_DIR).reduce((n, f) => n + fs.statSync(path.join(TFJS_DIR, f)).size, 0);
      assert.ok(total < backboneTotal - DIM * 1001 * 4 + (DIM + 1) * 64 * 4 + SIZE * SIZE * 4 + 65536, `${total} bytes`);
    });
  }

  test('ONNX export of an opset-18 backbone takes reduction axes as inputs', async () => {
    const head = VARIANTS[3]!.head;
    const patched = withOpset(backboneBytes, 18);
    const bytes = buildWholeOnnx(patched, head, META);
    assert.equal(opsetOf(bytes), 18);
    const some = [0, 40, 80, 120];
    compare(
      'ONNX opset 18',
      some.map((i) => names[i]!),
      some.map((i) => appReference(head, true, embeddings[i]!, mirroredEmbeddings[i]!)),
      await runOnnx(bytes, some.map((i) => images[i]!)),
    );
  });

  test('refuses heads that do not fit the backbone', () => {
    const head = VARIANTS[0]!.head;
    assert.throws(() => buildWholeOnnx(backboneBytes, { ...head, inputDim: 1024 }, META), /1024/);
    assert.throws(() => buildWholeOnnx(backboneBytes, { ...head, classes: ['one'] }, META), /2 outputs but 1 class names/);
    assert.throws(() => buildWholeOnnx(backboneBytes, head, { ...META, backbone: 'mobilenet_v3_small_1.0_224' }), /trained on backbone/);
    assert.throws(() => buildWholeOnnx(new Uint8Array([1, 2, 3]), head, META), /protobuf|ONNX/);
  });
});
