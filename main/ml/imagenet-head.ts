// The backbone's own ImageNet classifier, read out of its ONNX file: the 1x1
// logits convolution on the pooled features that Pancake stores as the
// embedding. Applied to a stored plain-view vector it gives the same 1,000
// class probabilities as the file's `probs` output would have for that
// photo, without decoding or running the photo again, so the label check can
// ask the backbone what it sees in every labelled photo in a moment.
import fs from 'node:fs';
import { readFields } from '../export/protobuf.js';
import { GRAPH, MODEL, readFloatTensor, readNodeIO, readOpType, readTensorName } from '../export/onnx-proto.js';
import { EMBEDDING, PROBS } from '../models/convert/graph.js';

export interface ImagenetHead {
  /** Length of the embedding the weights read. */
  dim: number;
  /** Output classes: 1000, or 1001 with a leading "background" as Google's TFLite classifiers have. */
  classes: number;
  /** [classes][dim], row-major. */
  weights: Float32Array;
  bias: Float32Array;
}

/** The logits layer behind `probs`, when it reads exactly what `embedding` holds; null for any other graph. */
export function readImagenetHead(onnx: Uint8Array): ImagenetHead | null {
  const graphField = readFields(onnx).find((f) => f.no === MODEL.graph);
  if (!graphField) return null;
  const graph = readFields(graphField.data);
  const nodes = graph.filter((f) => f.no === GRAPH.node).map((f) => ({ op: readOpType(f.data), ...readNodeIO(f.data) }));
  const producer = (name: string) => nodes.find((n) => n.outputs.includes(name));
  const softmax = producer(PROBS);
  const flatten = softmax?.op === 'Softmax' ? producer(softmax.inputs[0]!) : undefined;
  const logits = flatten && (flatten.op === 'Flatten' || flatten.op === 'Reshape') ? producer(flatten.inputs[0]!) : undefined;
  const embedding = producer(EMBEDDING);
  if (logits?.op !== 'Conv' || logits.inputs.length !== 3 || embedding?.op !== 'Flatten' || embedding.inputs[0] !== logits.inputs[0]) return null;
  const tensor = (name: string) => {
    const found = graph.find((f) => f.no === GRAPH.initializer && readTensorName(f.data) === name);
    return found ? readFloatTensor(found.data) : null;
  };
  const w = tensor(logits.inputs[1]!);
  const b = tensor(logits.inputs[2]!);
  // A 1x1 kernel, [classes, dim, 1, 1], so its values are already [classes][dim].
  if (!w || !b || w.dims.length !== 4 || w.dims[2] !== 1 || w.dims[3] !== 1 || b.data.length !== w.dims[0]) return null;
  const [classes, dim] = w.dims as [number, number];
  if (classes !== 1000 && classes !== 1001) return null;
  return { dim, classes, weights: w.data, bias: b.data };
}

const cache = new Map<string, { key: string; head: ImagenetHead | null }>();

/** readImagenetHead of a file, read again only when the file changes. */
export function loadImagenetHead(file: string): ImagenetHead | null {
  const st = fs.statSync(file);
  const key = `${st.size}:${st.mtimeMs}`;
  const hit = cache.get(file);
  if (hit?.key === key) return hit.head;
  const head = readImagenetHead(new Uint8Array(fs.readFileSync(file)));
  cache.set(file, { key, head });
  return head;
}

/** The probabilities of ImageNet's 1,000 classes for one raw (not unit-length) embedding, without any background class. */
export function imagenetProbabilities(head: ImagenetHead, embedding: Float32Array): Float32Array {
  const { dim, classes, weights, bias } = head;
  const logits = new Float64Array(classes);
  let max = -Infinity;
  for (let k = 0; k < classes; k++) {
    let z = bias[k]!;
    for (let j = 0, o = k * dim; j < dim; j++) z += weights[o + j]! * embedding[j]!;
    logits[k] = z;
    if (z > max) max = z;
  }
  let sum = 0;
  for (let k = 0; k < classes; k++) sum += logits[k] = Math.exp(logits[k]! - max);
  const skip = classes - 1000;
  const out = new Float32Array(1000);
  for (let k = 0; k < 1000; k++) out[k] = logits[k + skip]! / sum;
  return out;
}
