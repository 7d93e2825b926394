// One self-contained .onnx: the backbone graph cut at its `embedding` output,
// the trained head appended in plain ONNX ops, and a single `probabilities`
// output. The backbone's own classifier (logits, ImageNet softmax) is pruned,
// which also drops its 1280x1001 weight matrix from the file. For a version
// that predicts with test-time augmentation the graph also mirrors the batch,
// runs backbone and head on both halves at once, and averages the softmax, as
// the app does.
import type { DenseWeights, HeadModel } from '../ml/head-format.js';
import { L2_EPSILON } from '../ml/l2.js';
import { checkHead } from './head-check.js';
import { describeViews, exportMetadata, INPUT_NAME, OUTPUT_NAME, type ExportMeta } from './export-meta.js';
import {
  DATA_TYPE,
  defaultOpsetVersion,
  dimValue,
  encodeMetadataEntry,
  encodeNode,
  encodeTensor,
  encodeValueInfo,
  GRAPH,
  MODEL,
  readMetadataEntry,
  readNodeIO,
  readTensorName,
  readValueInfoDims,
  readValueInfoName,
  renameNodeInput,
  type NodeSpec,
} from './onnx-proto.js';
import { decodeString, MessageWriter, readFields, type Field } from './protobuf.js';

const EMBEDDING = 'embedding';
const PREFIX = 'pancake_head/';
const TTA_PREFIX = 'pancake_tta/';
/** The backbone input is NHWC, so a left-right mirror reverses axis 2. */
const WIDTH_AXIS = 2;
/** With a negative step Slice clamps ends to "before index 0"; the smallest int64 gets there for any width. */
const INT64_MIN = -(2n ** 63n);
/** Negative axes and 2-D Softmax semantics are settled from opset 11 on. */
const MIN_OPSET = 11;
/** ReduceL2 and ReduceMean take their axes as an input instead of an attribute from this opset on. */
const REDUCE_AXES_AS_INPUT = 18;

interface Part {
  nodes: Uint8Array[];
  initializers: Uint8Array[];
}

function reduce(op: 'ReduceL2' | 'ReduceMean', x: string, y: string, axis: number, keepdims: boolean, opset: number, initializers: Uint8Array[]): NodeSpec {
  const keep = { name: 'keepdims', int: keepdims ? 1 : 0 };
  if (opset >= REDUCE_AXES_AS_INPUT) {
    const axes = `${y}/axes`;
    initializers.push(encodeTensor(axes, [1], BigInt64Array.of(BigInt(axis))));
    return { name: y, opType: op, inputs: [x, axes], outputs: [y], attributes: [keep] };
  }
  return { name: y, opType: op, inputs: [x], outputs: [y], attributes: [{ name: 'axes', ints: [axis] }, keep] };
}

/** The head from `embedding` to softmax probabilities named `y`. */
function headGraph(head: HeadModel, y: string, opset: number): Part {
  const nodes: NodeSpec[] = [];
  const initializers: Uint8Array[] = [];
  let x = EMBEDDING;

  if (head.l2normalize) {
    const norm = `${PREFIX}l2/norm`;
    const eps = `${PREFIX}l2/epsilon`;
    const safeNorm = `${PREFIX}l2/norm_at_least_epsilon`;
    const normalized = `${PREFIX}l2/normalized`;
    initializers.push(encodeTensor(eps, [], Float32Array.of(L2_EPSILON)));
    nodes.push(reduce('ReduceL2', x, norm, -1, true, opset, initializers));
    nodes.push({ name: safeNorm, opType: 'Max', inputs: [norm, eps], outputs: [safeNorm] });
    nodes.push({ name: normalized, opType: 'Div', inputs: [x, safeNorm], outputs: [normalized] });
    x = normalized;
  }

  const dense = (layer: string, d: DenseWeights): string => {
    const w = `${PREFIX}${layer}/weights`;
    const b = `${PREFIX}${layer}/bias`;
    const y = `${PREFIX}${layer}/output`;
    // head-format weights are row-major [input, output]: exactly Gemm's B without transB.
    initializers.push(encodeTensor(w, [d.inputSize, d.outputSize], d.weights));
    initializers.push(encodeTensor(b, [d.outputSize], d.bias));
    nodes.push({ name: y, opType: 'Gemm', inputs: [x, w, b], outputs: [y] });
    return y;
  };

  if (head.hidden) {
    const h = dense('hidden', head.hidden);
    const relu = `${PREFIX}hidden/relu`;
    nodes.push({ name: relu, opType: 'Relu', inputs: [h], outputs: [relu] });
    x = relu;
  }
  x = dense('logits', head.output);
  nodes.push({ name: y, opType: 'Softmax', inputs: [x], outputs: [y], attributes: [{ name: 'axis', int: -1 }] });

  return { nodes: nodes.map(encodeNode), initializers };
}

const int64s = (name: string, values: bigint[]): Uint8Array => encodeTensor(name, [values.length], BigInt64Array.from(values));

/**
 * input [N,H,W,C] -> [2N,H,W,C]: the images, then the same images mirrored
 * left-right. One batch keeps a single copy of the backbone in the file and
 * lets the runtime batch both views.
 */
function mirrorGraph(views: string): Part {
  const mirrored = `${TTA_PREFIX}mirrored`;
  const [starts, ends, axes, steps] = ['starts', 'ends', 'axes', 'steps'].map((n) => `${TTA_PREFIX}mirror/${n}`) as [string, string, string, string];
  const nodes: NodeSpec[] = [
    { name: mirrored, opType: 'Slice', inputs: [INPUT_NAME, starts, ends, axes, steps], outputs: [mirrored] },
    { name: views, opType: 'Concat', inputs: [INPUT_NAME, mirrored], outputs: [views], attributes: [{ name: 'axis', int: 0 }] },
  ];
  return {
    nodes: nodes.map(encodeNode),
    initializers: [int64s(starts, [-1n]), int64s(ends, [INT64_MIN]), int64s(axes, [BigInt(WIDTH_AXIS)]), int64s(steps, [-1n])],
  };
}

/** [2N,K] softmax (plain rows, then mirrored rows) -> [N,K], the mean of each image's two rows. */
function averageGraph(perView: string, classes: number, opset: number): Part {
  const shape = `${TTA_PREFIX}by_view/shape`;
  const byView = `${TTA_PREFIX}by_view`;
  const initializers = [int64s(shape, [2n, -1n, BigInt(classes)])];
  const nodes: NodeSpec[] = [
    { name: byView, opType: 'Reshape', inputs: [perView, shape], outputs: [byView] },
    reduce('ReduceMean', byView, OUTPUT_NAME, 0, false, opset, initializers),
  ];
  return { nodes: nodes.map(encodeNode), initializers };
}

function fieldsOf(fields: Field[], no: number): Field[] {
  return fields.filter((f) => f.no === no);
}

/** Keeps only the nodes that `embedding` depends on, walking back from it. */
function pruneToEmbedding(nodes: Field[]): { nodes: Field[]; needed: Set<string> } {
  const needed = new Set([EMBEDDING]);
  const kept: Field[] = [];
  // ONNX nodes are stored in topological order, so one backward pass suffices.
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    const io = readNodeIO(node.data);
    if (!io.outputs.some((o) => needed.has(o))) continue;
    kept.push(node);
    for (const input of io.inputs) if (input !== '') needed.add(input);
  }
  return { nodes: kept.reverse(), needed };
}

export function buildWholeOnnx(backboneOnnxBytes: Uint8Array, head: HeadModel, meta: ExportMeta): Uint8Array {
  checkHead(head, meta.backbone);
  const model = readFields(backboneOnnxBytes);
  const graphField = fieldsOf(model, MODEL.graph);
  if (graphField.length !== 1) throw new Error('the backbone file is not an ONNX model (no single graph)');
  const opset = defaultOpsetVersion(model);
  if (opset === null || opset < MIN_OPSET) {
    throw new Error(`the backbone uses ONNX opset ${opset ?? 'none'}; export needs opset ${MIN_OPSET} or newer`);
  }
  const graph = readFields(graphField[0]!.data);
  if (fieldsOf(graph, GRAPH.sparseInitializer).length > 0) {
    throw new Error('backbones with sparse initializers are not supported for export');
  }

  const embeddingInfo = fieldsOf(graph, GRAPH.output).find((f) => readValueInfoName(f.data) === EMBEDDING);
  if (!embeddingInfo) throw new Error(`the backbone has no "${EMBEDDING}" output`);
  const embeddingDims = readValueInfoDims(embeddingInfo.data);
  const batchDim = embeddingDims[0];
  if (embeddingDims.length !== 2 || !batchDim || dimValue(embeddingDims[1]!) !== head.inputDim) {
    throw new Error(`the backbone's "${EMBEDDING}" output is not [N,${head.inputDim}] as the head expects`);
  }
  const inputInfo = fieldsOf(graph, GRAPH.input).find((f) => readValueInfoName(f.data) === INPUT_NAME);
  if (!inputInfo) throw new Error(`the backbone has no "${INPUT_NAME}" input`);
  const inputDims = readValueInfoDims(inputInfo.data);
  if (meta.tta && (inputDims.length !== 4 || dimValue(inputDims[3]!) !== 3)) {
    throw new Error(`the backbone's "${INPUT_NAME}" is not NHWC RGB, so the export cannot mirror it as the app does`);
  }

  const { nodes, needed } = pruneToEmbedding(fieldsOf(graph, GRAPH.node));
  const initializers = fieldsOf(graph, GRAPH.initializer).filter((f) => needed.has(readTensorName(f.data)));
  const inputs = fieldsOf(graph, GRAPH.input).filter((f) => needed.has(readValueInfoName(f.data)));
  // value_info is only a hint, and under tta its batch dims would claim N where the backbone now sees 2N.
  const valueInfo = meta.tta ? [] : fieldsOf(graph, GRAPH.valueInfo).filter((f) => needed.has(readValueInfoName(f.data)));

  // With tta the backbone reads the doubled batch instead of the graph input.
  const views = `${TTA_PREFIX}views`;
  const backboneNodes = nodes.map((n) => (meta.tta ? renameNodeInput(n.data, INPUT_NAME, views) : n.data));
  const before: Part[] = meta.tta ? [mirrorGraph(views)] : [];
  const after: Part[] = meta.tta
    ? [headGraph(head, `${TTA_PREFIX}view_probabilities`, opset), averageGraph(`${TTA_PREFIX}view_probabilities`, head.classes.length, opset)]
    : [headGraph(head, OUTPUT_NAME, opset)];
  const added = [...before, ...after];

  const taken = new Set(needed);
  for (const n of backboneNodes) for (const o of readNodeIO(n).outputs) taken.add(o);
  const addedNames = added.flatMap((p) => [...p.nodes.flatMap((n) => readNodeIO(n).outputs), ...p.initializers.map(readTensorName)]);
  const clash = addedNames.find((name) => taken.has(name));
  if (clash !== undefined) throw new Error(`the backbone already uses the tensor name "${clash}"`);

  const g = new MessageWriter();
  // Nodes stay in topological order: mirror, backbone, head, average.
  for (const n of before.flatMap((p) => p.nodes)) g.bytes(GRAPH.node, n);
  for (const n of backboneNodes) g.bytes(GRAPH.node, n);
  for (const n of after.flatMap((p) => p.nodes)) g.bytes(GRAPH.node, n);
  g.string(GRAPH.name, `pancake_${meta.backbone}_classifier`);
  for (const t of initializers) g.field(t);
  for (const t of added.flatMap((p) => p.initializers)) g.bytes(GRAPH.initializer, t);
  for (const i of inputs) g.field(i);
  g.bytes(GRAPH.output, encodeValueInfo(OUTPUT_NAME, DATA_TYPE.FLOAT, [batchDim, head.classes.length]));
  for (const v of valueInfo) g.field(v);
  const rewritten = new Set<number>([GRAPH.node, GRAPH.name, GRAPH.initializer, GRAPH.input, GRAPH.output, GRAPH.valueInfo]);
  for (const f of graph) if (!rewritten.has(f.no)) g.field(f);

  const info = exportMetadata(head, meta);
  const backboneDoc = fieldsOf(model, MODEL.docString).map((f) => decodeString(f.data)).join(' ');
  const m = new MessageWriter();
  for (const f of model) {
    switch (f.no) {
      case MODEL.graph:
        m.bytes(MODEL.graph, g.finish());
        break;
      case MODEL.producerName:
      case MODEL.producerVersion:
      case MODEL.modelVersion:
      case MODEL.docString:
      case MODEL.metadataProps:
        break;
      default:
        m.field(f);
    }
  }
  m.string(MODEL.producerName, 'Pancake').string(MODEL.producerVersion, meta.appVersion);
  m.varint(MODEL.modelVersion, meta.versionId);
  m.string(MODEL.docString, `Pancake image classifier "${meta.versionName}": ${info.head}. Output: ${describeViews(meta)}. Backbone: ${backboneDoc}`);
  for (const [key, value] of Object.entries(info)) {
    m.bytes(MODEL.metadataProps, encodeMetadataEntry(key, typeof value === 'string' ? value : JSON.stringify(value)));
  }
  // The backbone's own notes (provenance, licence, conversion) stay, namespaced so they cannot shadow ours.
  for (const f of fieldsOf(model, MODEL.metadataProps)) {
    const { key, value } = readMetadataEntry(f.data);
    m.bytes(MODEL.metadataProps, encodeMetadataEntry(`backbone.${key}`, value));
  }
  return m.finish();
}
