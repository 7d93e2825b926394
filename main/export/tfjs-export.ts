// A TF.js layers model of backbone + head that plain `tf.loadLayersModel`
// reads with no custom classes registered: the backbone's layers up to its
// `embedding` layer, then the head built from stock layers, saved to memory.
import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { DenseWeights, HeadModel } from '../ml/head-format.js';
import { checkHead } from './head-check.js';
import { exportMetadata, OUTPUT_NAME, type ExportMeta } from './export-meta.js';

const EMBEDDING_LAYER = 'embedding';
/** The shard size tfjs-converter uses, so loaders that fetch shards in parallel behave as usual. */
const SHARD_BYTES = 4 * 1024 * 1024;
/** head-format.ts divides by max(||x||, 1e-12); see l2Normalize for how this maps onto LayerNormalization. */
const L2_EPSILON_SQUARED = 1e-24;

interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

async function loadBackbone(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8')) as ModelJson;
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  const shards = await Promise.all(
    json.weightsManifest.flatMap((g) => g.paths).map((p) => fs.readFile(path.join(dir, p))),
  );
  const weightData = tf.io.CompositeArrayBuffer.join(
    shards.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer),
  );
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData }));
}

/**
 * x / sqrt(||x||^2 + 1e-24), which equals head-format's x / max(||x||, 1e-12)
 * to float32 precision, from layers tfjs-layers 4.x ships (it has no
 * UnitNormalization). LayerNormalization of z = [x, -x] sees mean 0 and
 * variance ||x||^2 / D, so it yields z / sqrt(||x||^2 / D + eps) * gamma. With
 * gamma = +-1/sqrt(D) on the two halves and eps = 1e-24 / D each half becomes
 * the normalised x, and averaging the two halves returns it.
 */
function l2Normalize(x: tf.SymbolicTensor, dim: number, temporaries: tf.Tensor[]): tf.SymbolicTensor {
  const gamma = tf.tensor1d(Float32Array.from({ length: 2 * dim }, (_, i) => (i < dim ? 1 : -1) / Math.sqrt(dim)));
  temporaries.push(gamma);
  const negated = tf.layers.rescaling({ scale: -1, name: 'head_l2_negate' }).apply(x);
  const both = tf.layers.concatenate({ axis: -1, name: 'head_l2_both_signs' }).apply([x, negated as tf.SymbolicTensor]);
  const scaled = tf.layers
    .layerNormalization({ axis: -1, center: false, epsilon: L2_EPSILON_SQUARED / dim, weights: [gamma], name: 'head_l2_scale' })
    .apply(both);
  const halves = tf.layers.reshape({ targetShape: [2, dim], name: 'head_l2_halves' }).apply(scaled);
  return tf.layers.globalAveragePooling1d({ name: 'head_l2_normalized' }).apply(halves) as tf.SymbolicTensor;
}

function dense(x: tf.SymbolicTensor, d: DenseWeights, name: string, temporaries: tf.Tensor[]): tf.SymbolicTensor {
  const kernel = tf.tensor2d(d.weights, [d.inputSize, d.outputSize]);
  const bias = tf.tensor1d(d.bias);
  temporaries.push(kernel, bias);
  return tf.layers.dense({ units: d.outputSize, weights: [kernel, bias], name }).apply(x) as tf.SymbolicTensor;
}

function splitShards(data: ArrayBuffer): Map<string, Uint8Array> {
  const count = Math.max(1, Math.ceil(data.byteLength / SHARD_BYTES));
  const shards = new Map<string, Uint8Array>();
  for (let i = 0; i < count; i++) {
    shards.set(`group1-shard${i + 1}of${count}.bin`, new Uint8Array(data, i * SHARD_BYTES, Math.min(SHARD_BYTES, data.byteLength - i * SHARD_BYTES)));
  }
  return shards;
}

async function saveToMemory(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved?.weightSpecs || saved.weightData === undefined) throw new Error('TF.js saved no weights');
  return saved;
}

export async function buildWholeTfjs(
  backboneTfjsDir: string,
  head: HeadModel,
  meta: ExportMeta,
): Promise<{ files: Map<string, Uint8Array> }> {
  checkHead(head, meta.backbone);
  const backbone = await loadBackbone(backboneTfjsDir);
  const temporaries: tf.Tensor[] = [];
  let model: tf.LayersModel | undefined;
  try {
    const embedding = backbone.getLayer(EMBEDDING_LAYER).output as tf.SymbolicTensor;
    if (embedding.shape.length !== 2 || embedding.shape[1] !== head.inputDim) {
      throw new Error(`the backbone's "${EMBEDDING_LAYER}" layer gives [${embedding.shape.join(',')}], not [N,${head.inputDim}]`);
    }
    let x = embedding;
    if (head.l2normalize) x = l2Normalize(x, head.inputDim, temporaries);
    if (head.hidden) {
      x = dense(x, head.hidden, 'head_hidden', temporaries);
      x = tf.layers.reLU({ name: 'head_hidden_relu' }).apply(x) as tf.SymbolicTensor;
    }
    x = dense(x, head.output, 'head_logits', temporaries);
    const probabilities = tf.layers.softmax({ axis: -1, name: OUTPUT_NAME }).apply(x) as tf.SymbolicTensor;
    model = tf.model({ inputs: backbone.inputs, outputs: probabilities, name: `pancake_${meta.backbone}_classifier` });

    const artifacts = await saveToMemory(model);
    const shards = splitShards(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
    const modelJson = {
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: `Pancake ${meta.appVersion}`,
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: [...shards.keys()], weights: artifacts.weightSpecs }],
    };
    const encoder = new TextEncoder();
    const files = new Map<string, Uint8Array>([['model.json', encoder.encode(JSON.stringify(modelJson))], ...shards]);
    files.set('metadata.json', encoder.encode(JSON.stringify(exportMetadata(head, meta), null, 2) + '\n'));
    return { files };
  } finally {
    for (const t of temporaries) t.dispose();
    // tf.model() does not count references to the layers it reuses, so disposing
    // both models would free the shared layers twice: free the backbone, then
    // only the layers the head added.
    const shared = new Set(backbone.layers);
    backbone.dispose();
    for (const layer of model?.layers ?? []) if (!shared.has(layer)) layer.dispose();
  }
}
