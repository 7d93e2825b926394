// The in-repository converter, from each backbone's published uint8 TFLite
// file: it is deterministic and gives exactly the files the manifest pins,
// it refuses what is not the expected model with its own error, and (where
// ../shared is present) its ONNX gives the staged ONNX's embeddings and
// ImageNet top-5 on real photos, and its TF.js model the same embedding. The
// label check's reading of the ONNX's own classifier is checked here too.
import '../../../main/ml/telemetry-off.js';
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { unzipSync } from 'fflate';
import { convertBackbone, ConvertError, type ConvertedOutput } from '../../../main/models/convert/convert-backbone.js';
import { MODEL_MANIFEST, type ManifestEntry } from '../../../main/models/manifest.js';
import { datasetDir } from '../../helpers/datasets.js';
import { manifestEntry, originalFile } from '../../helpers/originals.js';
import { preprocess } from '../../../main/ml/preprocess.js';
import { normalizedPng } from '../../helpers/normalized.js';
import { PLAIN_VIEW, viewSpec } from '../../../main/ml/views.js';
import { repoRoot, sharedDir } from '../../helpers/temp.js';
import { imagenetProbabilities, readImagenetHead } from '../../../main/ml/imagenet-head.js';
import { CONCEPT_NAMES, IMAGENET_CLASSES } from '../../../main/insights/imagenet-tree.js';

const V2 = 'mobilenet_v2_1.0_224';
const SIZE = 224;
const EMBEDDING_TOLERANCE = 1e-4;
const PER_CLASS = 20;
const SHARED_MODELS = path.join(sharedDir, 'models');

const sha256 = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

/** The verified original; \`npm test\` has \`test/prepare.ts\` make sure one is on this machine. */
const original = (entry: ManifestEntry): Uint8Array => fs.readFileSync(originalFile(entry.id));

describe('convertBackbone', () => {
  for (const entry of MODEL_MANIFEST) {
    test(`${entry.id}: converting twice gives the same bytes, the ones the manifest pins`, () => {
      const bytes = original(entry);
      const first = convertBackbone(entry.id, bytes);
      const second = convertBackbone(entry.id, bytes);
      assert.deepEqual(
        second.map((o) => [o.path, sha256(o.data)]),
        first.map((o) => [o.path, sha256(o.data)]),
      );
      assert.deepEqual(
        first.map((o) => ({ path: o.path, bytes: o.data.length, sha256: sha256(o.data) })),
        entry.converted.map((c) => ({ path: c.path, bytes: c.bytes, sha256: c.sha256 })),
      );
    });
  }

  test('a file that is not TFLite is refused with a ConvertError', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array<number>(64).fill(0)]);
    for (const bytes of [png, new Uint8Array(0), new TextEncoder().encode('{"format":"layers-model"}')]) {
      assert.throws(() => convertBackbone(V2, bytes), (err: unknown) => err instanceof ConvertError && /not a complete TFLite model/.test(err.message));
    }
  });

  test('a truncated original and a different model are refused with a ConvertError', () => {
    const [v2, v3] = MODEL_MANIFEST;
    const bytes = original(v2!);
    for (const cut of [bytes.length / 2, 100_000, 12]) {
      assert.throws(() => convertBackbone(V2, bytes.subarray(0, cut)), ConvertError, `cut at ${cut}`);
    }
    assert.throws(() => convertBackbone(v3!.id, bytes), (err: unknown) => err instanceof ConvertError && /is not mobilenet_v3_small/.test(err.message));
    assert.throws(() => convertBackbone('resnet50', bytes), ConvertError);
  });
});

interface Outputs {
  embedding: Float32Array[];
  probs: Float32Array[];
}

async function runOnnx(model: Uint8Array, inputs: Float32Array[]): Promise<Outputs> {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 2 });
  const out: Outputs = { embedding: [], probs: [] };
  try {
    for (const x of inputs) {
      const r = await session.run({ input: new ort.Tensor('float32', x, [1, SIZE, SIZE, 3]) });
      out.embedding.push(new Float32Array(r.embedding!.data as Float32Array));
      out.probs.push(new Float32Array(r.probs!.data as Float32Array));
    }
  } finally {
    await session.release();
  }
  return out;
}

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  let m = 0;
  a.forEach((row, i) => row.forEach((v, j) => (m = Math.max(m, Math.abs(v - b[i]![j]!)))));
  return m;
}

const top5 = (p: Float32Array) => [...p.keys()].sort((i, j) => p[j]! - p[i]! || i - j).slice(0, 5);

/**
 * The ImageNet class names embedded in the V2 file: TFLite metadata appends a
 * zip to the flatbuffer, its offsets counted from the start of the file.
 */
function embeddedLabels(tflite: Uint8Array): string[] {
  const files = unzipSync(tflite);
  const text = files['imagenet_labels.txt'];
  assert.ok(text, 'the labels zip has no imagenet_labels.txt');
  return new TextDecoder().decode(text).trimEnd().split('\n').map((l) => l.split(',')[0]!.trim());
}

function file(outputs: ConvertedOutput[], rel: string): Uint8Array {
  const f = outputs.find((o) => o.path === rel);
  assert.ok(f, `the converter wrote no ${rel}`);
  return f.data;
}

describe('converted backbones on real photos', () => {
  const inputs: Float32Array[] = [];
  const VAL_DIR = path.join(datasetDir('hymenoptera'), 'val');
  const v2Tflite = original(MODEL_MANIFEST[0]!);
  const converted = new Map<string, Outputs>();
  /** The converted ONNX's outputs on the photos, computed once per backbone. */
  async function convertedOutputs(id: string): Promise<Outputs> {
    const known = converted.get(id);
    if (known) return known;
    const outputs = await runOnnx(file(convertBackbone(id, original(manifestEntry(id))), `${id}/onnx/${id}.onnx`), inputs);
    converted.set(id, outputs);
    return outputs;
  }

  before(async () => {
    for (const cls of ['ants', 'bees']) {
      const files = fs.readdirSync(path.join(VAL_DIR, cls)).filter((f) => /\.jpe?g$/i.test(f)).sort();
      // An even spread over the class, not its first files.
      for (let k = 0; k < PER_CLASS; k++) {
        const file = files[Math.floor((k * files.length) / PER_CLASS)]!;
        const normalized = await normalizedPng(path.join(VAL_DIR, cls, file));
        const pixels = await preprocess(normalized, viewSpec(PLAIN_VIEW), SIZE);
        inputs.push(Float32Array.from(pixels, (v) => v / 127.5 - 1));
      }
    }
  });

  for (const entry of MODEL_MANIFEST) {
    const stagedFile = path.join(SHARED_MODELS, entry.id, 'onnx', `${entry.id}.onnx`);
    test(`${entry.id}: embeddings within ${EMBEDDING_TOLERANCE} of the staged ONNX, same top-5`, { skip: !fs.existsSync(stagedFile) && `no staged copy at ${stagedFile}` }, async () => {
      const mine = await convertedOutputs(entry.id);
      const staged = await runOnnx(fs.readFileSync(stagedFile), inputs);
      const diff = maxAbsDiff(mine.embedding, staged.embedding);
      console.log(`${entry.id}: max |embedding - staged| = ${diff.toExponential(2)} over ${inputs.length} photos`);
      assert.ok(diff < EMBEDDING_TOLERANCE, `embedding differs by ${diff}`);
      mine.probs.forEach((p, i) => assert.deepEqual(top5(p), top5(staged.probs[i]!), `top-5 of photo ${i}`));
    });

    test(`${entry.id}: the ImageNet top-5 of ant and bee photos mostly holds an ant or a bee`, async () => {
      const mine = await convertedOutputs(entry.id);
      const labels = embeddedLabels(v2Tflite);
      assert.equal(labels.length, 1001);
      const insect = mine.probs.filter((p) => top5(p).some((c) => labels[c] === 'ant' || labels[c] === 'bee')).length;
      console.log(`${entry.id}: ${insect}/${inputs.length} photos have ant or bee in the top-5`);
      assert.ok(insect >= 0.8 * inputs.length, `only ${insect} of ${inputs.length} photos have ant or bee in the top-5`);
    });
  }

  for (const entry of MODEL_MANIFEST) {
    test(`${entry.id}: the ImageNet classifier read out of the ONNX gives its probs from its embedding alone`, async () => {
      const onnx = file(convertBackbone(entry.id, original(manifestEntry(entry.id))), `${entry.id}/onnx/${entry.id}.onnx`);
      const head = readImagenetHead(onnx);
      assert.ok(head, 'the converted ONNX has a logits layer behind probs that reads the embedding');
      assert.equal(head.classes, 1001);
      const mine = await convertedOutputs(entry.id);
      assert.equal(head.dim, mine.embedding[0]!.length);
      // probs has the background class first; imagenetProbabilities leaves it out.
      const fromEmbedding = mine.embedding.map((e) => imagenetProbabilities(head, e));
      const diff = maxAbsDiff(fromEmbedding, mine.probs.map((p) => p.subarray(1)));
      console.log(`${entry.id}: max |classifier(embedding) - probs| = ${diff.toExponential(2)} over ${inputs.length} photos`);
      assert.ok(diff < 1e-5, `the probabilities differ by ${diff}`);
      const stagedFile = path.join(SHARED_MODELS, entry.id, 'onnx', `${entry.id}.onnx`);
      if (fs.existsSync(stagedFile)) assert.ok(readImagenetHead(fs.readFileSync(stagedFile)), 'the staged ONNX has one too');
    });
  }

  test('the concept tree names the backbones\' 1,000 classes in their order', () => {
    const labels = embeddedLabels(v2Tflite).slice(1);
    assert.equal(IMAGENET_CLASSES.length, labels.length);
    labels.forEach((label, k) => assert.ok(CONCEPT_NAMES[IMAGENET_CLASSES[k]!]!.includes(label), `class ${k}: "${label}"`));
  });

  test(`${V2}: the TF.js layer "embedding" matches the converted ONNX`, async () => {
    const outputs = convertBackbone(V2, v2Tflite);
    const json = JSON.parse(new TextDecoder().decode(file(outputs, `${V2}/tfjs/model.json`))) as {
      modelTopology: object;
      weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
    };
    const weightData = tf.io.CompositeArrayBuffer.join(
      json.weightsManifest.flatMap((g) => g.paths).map((p) => {
        const d = file(outputs, `${V2}/tfjs/${p}`);
        return d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength) as ArrayBuffer;
      }),
    );
    tf.env().set('PROD', true);
    setWasmPaths(path.join(repoRoot, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + path.sep);
    assert.ok(await tf.setBackend('wasm'), 'the TF.js wasm backend did not start');
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData }),
    );
    const embedder = tf.model({ inputs: model.inputs, outputs: model.getLayer('embedding').output });
    const onnx = await convertedOutputs(V2);
    const tfjs = inputs.map((x) => tf.tidy(() => (embedder.predict(tf.tensor4d(x, [1, SIZE, SIZE, 3])) as tf.Tensor).dataSync() as Float32Array));
    model.dispose();
    const diff = maxAbsDiff(tfjs, onnx.embedding);
    console.log(`${V2}: max |TF.js embedding - ONNX| = ${diff.toExponential(2)} over ${inputs.length} photos`);
    assert.ok(diff < EMBEDDING_TOLERANCE, `TF.js embedding differs by ${diff}`);
  });
});
