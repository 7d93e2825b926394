// Writes the float graph as an ONNX model (opset 14, IR 7) that takes the
// NHWC input Pancake feeds and runs NCHW inside, with the two outputs the app
// reads: `embedding` [N,D] and `probs` [N,classes]. Node and initializer
// names derive from value names, so the bytes depend only on the graph.
import { MessageWriter } from '../../export/protobuf.js';
import {
  DATA_TYPE,
  encodeMetadataEntry,
  encodeNode,
  encodeOpsetImport,
  encodeTensor,
  encodeValueInfo,
  GRAPH,
  MODEL,
  type NodeSpec,
} from '../../export/onnx-proto.js';
import type { ConstOperand, ConvOp, Graph } from './graph.js';

const IR_VERSION = 7;
const OPSET = 14;
const BATCH = 'N';

class OnnxGraph {
  readonly nodes: Uint8Array[] = [];
  readonly initializers: Uint8Array[] = [];

  node(spec: NodeSpec): void {
    this.nodes.push(encodeNode(spec));
  }

  constant(name: string, dims: number[], data: Float32Array): string {
    this.initializers.push(encodeTensor(name, dims, data));
    return name;
  }

  /** Clip(x) into `output`, with its bounds as scalar initializers (opset 11+ takes them as inputs). */
  clip(input: string, output: string, [lo, hi]: readonly [number, number]): void {
    const min = this.constant(`${output}_min`, [], Float32Array.of(lo));
    const max = this.constant(`${output}_max`, [], Float32Array.of(hi));
    this.node({ name: output, opType: 'Clip', inputs: [input, min, max], outputs: [output] });
  }
}

/** OHWI (or depthwise 1HW(C*M)) to ONNX's OIHW, with I = 1 per group for depthwise. */
function onnxWeights(op: ConvOp): { dims: number[]; data: Float32Array } {
  const [kh, kw] = op.kernel;
  const out = new Float32Array(op.weights.length);
  const perGroupIn = op.depthwise ? 1 : op.inChannels;
  for (let o = 0; o < op.outChannels; o++) {
    for (let i = 0; i < perGroupIn; i++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          const src = op.depthwise ? (y * kw + x) * op.outChannels + o : ((o * kh + y) * kw + x) * op.inChannels + i;
          out[((o * perGroupIn + i) * kh + y) * kw + x] = op.weights[src]!;
        }
      }
    }
  }
  return { dims: [op.outChannels, perGroupIn, kh, kw], data: out };
}

function writeConv(g: OnnxGraph, op: ConvOp, input: string): void {
  const w = onnxWeights(op);
  const raw = op.clip ? `${op.output}_conv` : op.output;
  g.node({
    name: raw,
    opType: 'Conv',
    inputs: [input, g.constant(`${op.output}_W`, w.dims, w.data), g.constant(`${op.output}_B`, [op.outChannels], op.bias)],
    outputs: [raw],
    attributes: [
      { name: 'dilations', ints: [...op.dilations] },
      ...(op.depthwise ? [{ name: 'group', int: op.inChannels }] : []),
      { name: 'kernel_shape', ints: [...op.kernel] },
      { name: 'pads', ints: [op.pads[0], op.pads[1], op.pads[2], op.pads[3]] },
      { name: 'strides', ints: [...op.strides] },
    ],
  });
  if (op.clip) g.clip(raw, op.output, op.clip);
}

/** A per-channel constant broadcasts over NCHW as [C,1,1]; a single value as a scalar. */
function constantOperand(g: OnnxGraph, name: string, c: ConstOperand): string {
  return g.constant(name, c.constant.length === 1 ? [] : [c.constant.length, 1, 1], c.constant);
}

/** `metadata` becomes the model's metadata_props, in the order given, so the file stays deterministic. */
export function writeOnnx(graph: Graph, name: string, description: string, metadata: readonly (readonly [string, string])[]): Uint8Array {
  const g = new OnnxGraph();
  const nchw = `${graph.input}_nchw`;
  g.node({ name: nchw, opType: 'Transpose', inputs: [graph.input], outputs: [nchw], attributes: [{ name: 'perm', ints: [0, 3, 1, 2] }] });
  const rename = (v: string) => (v === graph.input ? nchw : v);
  for (const op of graph.ops) {
    switch (op.kind) {
      case 'conv':
        writeConv(g, op, rename(op.input));
        break;
      case 'add':
      case 'mul': {
        const raw = op.clip ? `${op.output}_${op.kind}` : op.output;
        const inputs = op.inputs.map((x, i) => (typeof x === 'string' ? rename(x) : constantOperand(g, `${op.output}_c${i}`, x)));
        g.node({ name: raw, opType: op.kind === 'add' ? 'Add' : 'Mul', inputs, outputs: [raw] });
        if (op.clip) g.clip(raw, op.output, op.clip);
        break;
      }
      case 'hardSwish':
        g.node({ name: op.output, opType: 'HardSwish', inputs: [rename(op.input)], outputs: [op.output] });
        break;
      case 'globalAveragePool':
        g.node({ name: op.output, opType: 'GlobalAveragePool', inputs: [rename(op.input)], outputs: [op.output] });
        break;
      case 'flatten':
        g.node({ name: op.output, opType: 'Flatten', inputs: [rename(op.input)], outputs: [op.output], attributes: [{ name: 'axis', int: 1 }] });
        break;
      case 'softmax':
        g.node({ name: op.output, opType: 'Softmax', inputs: [rename(op.input)], outputs: [op.output], attributes: [{ name: 'axis', int: 1 }] });
        break;
    }
  }
  const body = new MessageWriter();
  for (const n of g.nodes) body.bytes(GRAPH.node, n);
  body.string(GRAPH.name, name);
  for (const t of g.initializers) body.bytes(GRAPH.initializer, t);
  body.string(GRAPH.docString, description);
  body.bytes(GRAPH.input, encodeValueInfo(graph.input, DATA_TYPE.FLOAT, [BATCH, ...graph.inputShape]));
  body.bytes(GRAPH.output, encodeValueInfo(graph.embedding, DATA_TYPE.FLOAT, [BATCH, graph.embeddingDim]));
  body.bytes(GRAPH.output, encodeValueInfo(graph.probs, DATA_TYPE.FLOAT, [BATCH, graph.classes]));
  const model = new MessageWriter()
    .varint(MODEL.irVersion, IR_VERSION)
    .string(MODEL.producerName, 'pancake-convert-backbone')
    .bytes(MODEL.graph, body.finish())
    .bytes(MODEL.opsetImport, encodeOpsetImport('', OPSET));
  for (const [key, value] of metadata) model.bytes(MODEL.metadataProps, encodeMetadataEntry(key, value));
  return model.finish();
}
