// From a backbone's published uint8 TFLite file to the files Pancake runs and
// exports: the float32 ONNX for every backbone, and for MobileNetV2 the TF.js
// layers model that TF.js export builds on. Pure and synchronous (bytes in,
// files out), so it can run in a worker thread; the same bytes in always give
// the same bytes out, which is why the manifest can pin their checksums.
import { FlatbufferError } from '../tflite/flatbuffer.js';
import { readTflite, type TfliteModel } from '../tflite/tflite-model.js';
import { getBackbone } from '../../ml/backbones.js';
import { MODEL_MANIFEST } from '../manifest.js';
import { ConvertError } from './convert-error.js';
import { buildGraph, type Graph } from './graph.js';
import { writeOnnx } from './onnx-writer.js';
import { writeTfjs } from './tfjs-writer.js';

export { ConvertError } from './convert-error.js';

export interface ConvertedOutput {
  /** Relative to the models folder, with forward slashes. */
  path: string;
  data: Uint8Array;
}

interface Target {
  /** The published model's own name, written into the converted files (whose bytes the manifest pins). */
  label: string;
  embeddingDim: number;
  classes: number;
  inputSize: number;
  tfjs: boolean;
}

/** What only the conversion needs; the embedding size and input side are the backbone's own (backbones.ts). */
const PUBLISHED: Record<string, Pick<Target, 'label' | 'classes' | 'tfjs'>> = {
  'mobilenet_v2_1.0_224': { label: 'MobileNetV2 1.0 224', classes: 1001, tfjs: true },
  'mobilenet_v3_small_1.0_224': { label: 'MobileNetV3-Small 1.0 224', classes: 1001, tfjs: false },
};

function knownTarget(id: string): Target | undefined {
  const published = PUBLISHED[id];
  if (!published) return undefined;
  const spec = getBackbone(id);
  return { ...published, embeddingDim: spec.dim, inputSize: spec.inputSize };
}

function parse(tflite: Uint8Array, label: string): TfliteModel {
  try {
    return readTflite(tflite);
  } catch (err) {
    if (err instanceof FlatbufferError) throw new ConvertError(`The file is not a complete TFLite model of ${label} (${err.message}).`);
    throw err;
  }
}

function checkShape(graph: Graph, id: string, t: Target): void {
  const [h, w] = graph.inputShape;
  if (h !== t.inputSize || w !== t.inputSize || graph.embeddingDim !== t.embeddingDim || graph.classes !== t.classes) {
    throw new ConvertError(
      `The file is not ${id}: it takes ${h}x${w} images and gives a ${graph.embeddingDim}-d embedding and ${graph.classes} classes, ` +
        `where ${t.inputSize}x${t.inputSize}, ${t.embeddingDim} and ${t.classes} were expected.`,
    );
  }
}

/** What the file is and where it came from, carried into every model exported from it (as backbone.*). */
function provenance(id: string, t: Target): [string, string][] {
  const entry = MODEL_MANIFEST.find((m) => m.id === id);
  const out: [string, string][] = [
    ['input_layout', `NHWC float32 [N,${t.inputSize},${t.inputSize},3]`],
    ['input_range', 'RGB, pixel/127.5 - 1 (i.e. [-1,1])'],
    ['outputs', `probs [N,${t.classes}] softmax (index 0 = background); embedding [N,${t.embeddingDim}] pooled features`],
    ['conversion', 'TFLite uint8 weights dequantized to float32 (w = scale*(q - zero_point)); activations in float32'],
    ['embedding_dim', String(t.embeddingDim)],
  ];
  if (entry) {
    const o = entry.original;
    out.push(['source', `${o.repository} @${o.commit} ${o.fileName} (sha256 ${o.sha256})`], ['licence', o.licence]);
  }
  return out;
}

export function convertBackbone(id: string, tflite: Uint8Array): ConvertedOutput[] {
  const target = knownTarget(id);
  if (!target) throw new ConvertError(`There is no converter for backbone "${id}"; known: ${Object.keys(PUBLISHED).join(', ')}.`);
  const graph = buildGraph(parse(tflite, target.label));
  checkShape(graph, id, target);
  const out: ConvertedOutput[] = [
    {
      path: `${id}/onnx/${id}.onnx`,
      data: writeOnnx(graph, id, `${target.label} ImageNet classifier, float32, converted from its uint8 TFLite file`, provenance(id, target)),
    },
  ];
  if (target.tfjs) {
    const tfjs = writeTfjs(graph, id);
    out.push({ path: `${id}/tfjs/model.json`, data: tfjs.modelJson });
    for (const s of tfjs.shards) out.push({ path: `${id}/tfjs/${s.name}`, data: s.data });
  }
  return out;
}
