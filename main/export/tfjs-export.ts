// A TF.js layers model of backbone + head that plain `tf.loadLayersModel`
// reads with no custom classes registered: the backbone's layers up to its
// `embedding` layer, then the head built from stock layers, saved to memory.
// For a version that predicts with test-time augmentation the model also
// mirrors its input and averages the two views' softmax, as the app does.
import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { DenseWeights, HeadModel } from '../ml/head-format.js';
import { L2_EPSILON } from '../ml/l2.js';
import { checkHead } from './head-check.js';
import { exportMetadata, INPUT_NAME, OUTPUT_NAME, type ExportMeta } from './export-meta.js';

const EMBEDDING_LAYER = 'embedding';
/** The shard size tfjs-converter uses, so loaders that fetch shards in parallel behave as usual. */
const SHARD_BYTES = 4 * 1024 * 1024;
/** head-format.ts divides by max(||x||, 1e-12); see l2Normalize for how this maps onto LayerNormalization. */
const L2_EPSILON_SQUARED = L2_EPSILON * L2_EPSILON;

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

/** Tensors and layers a build creates, so they are freed exactly once whether it succeeds or not. */
class Owned {
  readonly tensors: tf.Tensor[] = [];
  readonly layers: tf.layers.Layer[] = [];

  tensor<T extends tf.Tensor>(t: T): T {
    this.tensors.push(t);
    return t;
  }

  layer<L extends tf.layers.Layer>(l: L): L {
    this.layers.push(l);
    return l;
  }
}

type Apply = (x: tf.SymbolicTensor) => tf.SymbolicTensor;

/** Layers applied one after another; applying the result again reuses the same layers, and so the same weights. */
function chain(...layers: tf.layers.Layer[]): Apply {
  return (x) => layers.reduce((y, layer) => layer.apply(y) as tf.SymbolicTensor, x);
}

/**
 * x / sqrt(||x||^2 + 1e-24), which equals head-format's x / max(||x||, 1e-12)
 * to float32 precision, from layers tfjs-layers 4.x ships (it has no
 * UnitNormalization). LayerNormalization of z = [x, -x] sees mean 0 and
 * variance ||x||^2 / D, so it yields z / sqrt(||x||^2 / D + eps) * gamma. With
 * gamma = +-1/sqrt(D) on the two halves and eps = 1e-24 / D each half becomes
 * the normalised x, and averaging the two halves returns it.
 */
function l2Normalize(dim: number, own: Owned): Apply {
  const gamma = own.tensor(tf.tensor1d(Float32Array.from({ length: 2 * dim }, (_, i) => (i < dim ? 1 : -1) / Math.sqrt(dim))));
  const negate = own.layer(tf.layers.rescaling({ scale: -1, name: 'head_l2_negate' }));
  const both = own.layer(tf.layers.concatenate({ axis: -1, name: 'head_l2_both_signs' }));
  const rest = chain(
    own.layer(tf.layers.layerNormalization({ axis: -1, center: false, epsilon: L2_EPSILON_SQUARED / dim, weights: [gamma], name: 'head_l2_scale' })),
    own.layer(tf.layers.reshape({ targetShape: [2, dim], name: 'head_l2_halves' })),
    own.layer(tf.layers.globalAveragePooling1d({ name: 'head_l2_normalized' })),
  );
  return (x) => rest(both.apply([x, negate.apply(x) as tf.SymbolicTensor]) as tf.SymbolicTensor);
}

function dense(d: DenseWeights, name: string, own: Owned): tf.layers.Layer {
  const kernel = own.tensor(tf.tensor2d(d.weights, [d.inputSize, d.outputSize]));
  const bias = own.tensor(tf.tensor1d(d.bias));
  return own.layer(tf.layers.dense({ units: d.outputSize, weights: [kernel, bias], name }));
}

/** Embedding -> class probabilities, the layers named so `softmaxName` can be the model's output. */
function headLayers(head: HeadModel, softmaxName: string, own: Owned): Apply {
  const steps: Apply[] = [];
  if (head.l2normalize) steps.push(l2Normalize(head.inputDim, own));
  if (head.hidden) steps.push(chain(dense(head.hidden, 'head_hidden', own), own.layer(tf.layers.reLU({ name: 'head_hidden_relu' }))));
  steps.push(chain(dense(head.output, 'head_logits', own), own.layer(tf.layers.softmax({ axis: -1, name: softmaxName }))));
  return (x) => steps.reduce((y, step) => step(y), x);
}

/**
 * [N,H,W,C] -> the same images mirrored left-right, from stock layers: move W
 * last, multiply by the W x W reversal matrix, move W back. Every output is
 * one input times 1 plus zeros, so the mirror is exact in float32.
 */
function mirror(width: number, own: Owned): Apply {
  const reversal = new Float32Array(width * width);
  for (let i = 0; i < width; i++) reversal[i * width + (width - 1 - i)] = 1;
  const kernel = own.tensor(tf.tensor2d(reversal, [width, width]));
  return chain(
    own.layer(tf.layers.permute({ dims: [1, 3, 2], name: 'tta_width_last' })),
    own.layer(tf.layers.dense({ units: width, useBias: false, trainable: false, weights: [kernel], name: 'tta_reverse_width' })),
    own.layer(tf.layers.permute({ dims: [1, 3, 2], name: 'tta_mirrored' })),
  );
}

/**
 * The app's test-time augmentation: the backbone (as one nested model, so its
 * weights are stored once) and the head run on the image and on its mirror,
 * and the two softmax outputs are averaged.
 */
function mirrorAveraged(backbone: tf.LayersModel, embedding: tf.SymbolicTensor, head: HeadModel, meta: ExportMeta, own: Owned): tf.LayersModel {
  const shape = backbone.inputs[0]!.shape;
  const width = shape[2];
  if (backbone.inputs.length !== 1 || shape.length !== 4 || typeof width !== 'number' || shape[3] !== 3) {
    throw new Error(`the backbone's input [${shape.join(',')}] is not NHWC RGB, so the export cannot mirror it as the app does`);
  }
  const embed = own.layer(tf.model({ inputs: backbone.inputs, outputs: embedding, name: 'backbone_embedding' }));
  const applyHead = headLayers(head, 'head_softmax', own);
  const input = tf.input({ shape: shape.slice(1) as number[], name: INPUT_NAME });
  const views = [input, mirror(width, own)(input)].map((x) => applyHead(embed.apply(x) as tf.SymbolicTensor));
  const probabilities = own.layer(tf.layers.average({ name: OUTPUT_NAME })).apply(views) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: probabilities, name: `pancake_${meta.backbone}_classifier` });
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
  const own = new Owned();
  try {
    const embedding = backbone.getLayer(EMBEDDING_LAYER).output as tf.SymbolicTensor;
    if (embedding.shape.length !== 2 || embedding.shape[1] !== head.inputDim) {
      throw new Error(`the backbone's "${EMBEDDING_LAYER}" layer gives [${embedding.shape.join(',')}], not [N,${head.inputDim}]`);
    }
    const model = meta.tta
      ? mirrorAveraged(backbone, embedding, head, meta, own)
      : tf.model({ inputs: backbone.inputs, outputs: headLayers(head, OUTPUT_NAME, own)(embedding), name: `pancake_${meta.backbone}_classifier` });

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
    for (const t of own.tensors) t.dispose();
    // Layers shared between models, or applied to both views, count one
    // reference per use, so Layer.dispose() would need a call per use: free
    // each weight variable once instead, which is all those calls come to.
    const variables = new Map<number, tf.LayerVariable>();
    for (const layer of [...backbone.layers, ...own.layers]) for (const v of layer.weights) variables.set(v.id, v);
    for (const v of variables.values()) v.dispose();
  }
}
