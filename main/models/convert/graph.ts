// A small float graph rebuilt from a uint8 TFLite MobileNet, the common
// ground of the ONNX and TF.js writers. Values are NHWC as in TFLite; every
// weight is dequantized to float32 here, once.
//
// TOCO-converted files (MobileNetV3) store ReLU and the clamps of
// hard-sigmoid not as fused activations but only in the uint8 range of the
// op's output tensor. Where that range starts at exactly 0 the float graph
// clamps to it, which is what the uint8 model computes; without it the
// float graph diverges. Only the floor is certain to be an activation: a
// ceiling of hundreds is the calibrated range of a plain ReLU, and the float
// graph leaves it open as ../shared's ONNX files do (their SOURCE.md); the
// ceilings of hard-sigmoid (6, 1) and of the small squeeze-excite ranges stay.
import { ACTIVATION, BUILTIN, PADDING, TENSOR_TYPE, type TfliteModel, type TfliteOperator, type TfliteTensor } from '../tflite/tflite-model.js';
import { ConvertError } from './convert-error.js';
import { dequantize } from './dequantize.js';

export type Clip = readonly [number, number];

export interface ConvOp {
  kind: 'conv';
  input: string;
  output: string;
  /** Regular: [out, kh, kw, in] (TFLite OHWI). Depthwise: [1, kh, kw, in * multiplier]. */
  weights: Float32Array;
  bias: Float32Array;
  depthwise: boolean;
  inChannels: number;
  outChannels: number;
  kernel: readonly [number, number];
  strides: readonly [number, number];
  dilations: readonly [number, number];
  /** Explicit [top, left, bottom, right], TF "SAME" already resolved for the input size. */
  pads: readonly [number, number, number, number];
  /** The padding mode the TFLite file names; TF.js resolves "same" exactly as TF does. */
  padding: 'same' | 'valid';
  clip: Clip | null;
}

/** A constant operand of an elementwise op: one value, or one per channel (the last NHWC axis). */
export interface ConstOperand {
  constant: Float32Array;
}

export interface ElementwiseOp {
  kind: 'add' | 'mul';
  inputs: readonly [string | ConstOperand, string | ConstOperand];
  output: string;
  clip: Clip | null;
}

export interface UnaryOp {
  kind: 'hardSwish' | 'globalAveragePool' | 'flatten' | 'softmax';
  input: string;
  output: string;
}

export type Op = ConvOp | ElementwiseOp | UnaryOp;

export interface Graph {
  input: string;
  /** NHWC without the batch axis. */
  inputShape: readonly [number, number, number];
  ops: Op[];
  /** The pooled features [1,1,1,D] the logits layer reads; `embedding` is its flattened copy. */
  pooled: string;
  logits: string;
  embedding: string;
  probs: string;
  embeddingDim: number;
  classes: number;
}

export const INPUT = 'input';
export const EMBEDDING = 'embedding';
export const PROBS = 'probs';
const RELU6: Clip = [0, 6];
/** Above this an implicit range is a plain ReLU's; the ranges in MobileNetV3-Small are at most 58 or at least 161. */
const OPEN_CEILING = 100;
const FLOAT32_MAX = 3.4028234663852886e38;

function samePads(size: number, kernel: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

class Builder {
  readonly ops: Op[] = [];
  private readonly names = new Map<number, string>();

  constructor(private readonly model: TfliteModel) {}

  tensor(index: number | undefined): TfliteTensor {
    const t = index === undefined ? undefined : this.model.tensors[index];
    if (!t) throw new ConvertError(`An operator names tensor ${index}, which the file does not have.`);
    return t;
  }

  value(index: number | undefined): string {
    const t = this.tensor(index);
    let name = this.names.get(t.index);
    if (!name) {
      name = this.model.inputs.includes(t.index) ? INPUT : `t${t.index}`;
      this.names.set(t.index, name);
    }
    return name;
  }

  rename(index: number, name: string): void {
    this.names.set(index, name);
  }

  /** The fused activation, or the clamp the output's uint8 range implies. */
  clip(fused: number, output: TfliteTensor): Clip | null {
    if (fused === ACTIVATION.RELU6) return RELU6;
    if (fused !== ACTIVATION.NONE) throw new ConvertError(`Operator output "${output.name}" uses fused activation ${fused}, which the converter does not support.`);
    const q = output.quantization;
    if (output.type !== TENSOR_TYPE.UINT8 || !q || q.scale.length !== 1 || q.zeroPoint[0] !== 0) return null;
    const ceiling = Math.fround(255 * q.scale[0]!);
    return [0, ceiling > OPEN_CEILING ? FLOAT32_MAX : ceiling];
  }

  conv(op: TfliteOperator, depthwise: boolean): void {
    const o = op.conv;
    const x = this.tensor(op.inputs[0]);
    const w = this.tensor(op.inputs[1]);
    const b = this.tensor(op.inputs[2]);
    const y = this.tensor(op.outputs[0]);
    const [, kh, kw, wLast] = w.shape;
    const [, h, wd, inChannels] = x.shape;
    if (!o || w.shape.length !== 4 || x.shape.length !== 4 || kh === undefined || kw === undefined || h === undefined || wd === undefined) {
      throw new ConvertError(`Convolution "${y.name}" does not have the shape of a 2-D convolution.`);
    }
    const outChannels = depthwise ? wLast! : w.shape[0]!;
    if (depthwise ? outChannels !== inChannels! * o.depthMultiplier : wLast !== inChannels) {
      throw new ConvertError(`Convolution "${y.name}" has weights of shape [${w.shape.join(',')}] for ${inChannels} input channels.`);
    }
    let pads: [number, number, number, number] = [0, 0, 0, 0];
    if (o.padding === PADDING.SAME) {
      const [top, bottom] = samePads(h, kh, o.strideH, o.dilationH);
      const [left, right] = samePads(wd, kw, o.strideW, o.dilationW);
      pads = [top, left, bottom, right];
    }
    this.ops.push({
      kind: 'conv',
      input: this.value(op.inputs[0]),
      output: this.value(op.outputs[0]),
      weights: dequantize(w),
      bias: dequantize(b),
      depthwise,
      inChannels: inChannels!,
      outChannels,
      kernel: [kh, kw],
      strides: [o.strideH, o.strideW],
      dilations: [o.dilationH, o.dilationW],
      pads,
      padding: o.padding === PADDING.SAME ? 'same' : 'valid',
      clip: this.clip(o.activation, y),
    });
  }

  operand(index: number | undefined): string | ConstOperand {
    const t = this.tensor(index);
    if (!t.data) return this.value(index);
    return { constant: dequantize(t) };
  }

  elementwise(op: TfliteOperator, kind: 'add' | 'mul'): void {
    const y = this.tensor(op.outputs[0]);
    this.ops.push({
      kind,
      inputs: [this.operand(op.inputs[0]), this.operand(op.inputs[1])],
      output: this.value(op.outputs[0]),
      clip: this.clip(op.activation, y),
    });
  }

  unary(op: TfliteOperator, kind: UnaryOp['kind']): void {
    this.ops.push({ kind, input: this.value(op.inputs[0]), output: this.value(op.outputs[0]) });
  }

  pool(op: TfliteOperator): void {
    const x = this.tensor(op.inputs[0]);
    const p = op.pool;
    // Only the global pools MobileNets use: the filter covers the whole input.
    if (!p || p.activation !== ACTIVATION.NONE || p.filterH !== x.shape[1] || p.filterW !== x.shape[2]) {
      throw new ConvertError(`Average pool "${this.tensor(op.outputs[0]).name}" is not a global average pool.`);
    }
    this.unary(op, 'globalAveragePool');
  }

  reshape(op: TfliteOperator): void {
    const x = this.tensor(op.inputs[0]);
    const y = this.tensor(op.outputs[0]);
    const [n, h, w, c] = x.shape;
    if (x.shape.length !== 4 || h !== 1 || w !== 1 || y.shape.join() !== `${n},${c}`) {
      throw new ConvertError(`Reshape "${y.name}" is not the squeeze of a pooled [1,1,1,C] tensor.`);
    }
    this.unary(op, 'flatten');
  }
}

function producer(ops: Op[], value: string): Op | undefined {
  return ops.find((op) => op.output === value);
}

const opName = (code: number) => Object.entries(BUILTIN).find(([, c]) => c === code)?.[0] ?? `number ${code}`;

export function buildGraph(model: TfliteModel): Graph {
  const b = new Builder(model);
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new ConvertError(`The model has ${model.inputs.length} inputs and ${model.outputs.length} outputs instead of one image in and one softmax out.`);
  }
  const input = b.tensor(model.inputs[0]);
  const [one, h, w, c] = input.shape;
  if (input.shape.length !== 4 || one !== 1 || h === undefined || w === undefined || c !== 3) {
    throw new ConvertError(`The model's input has shape [${input.shape.join(',')}] instead of one RGB image [1,H,W,3].`);
  }
  b.value(model.inputs[0]);
  for (const op of model.operators) {
    switch (op.builtin) {
      case BUILTIN.CONV_2D:
        b.conv(op, false);
        break;
      case BUILTIN.DEPTHWISE_CONV_2D:
        b.conv(op, true);
        break;
      case BUILTIN.ADD:
        b.elementwise(op, 'add');
        break;
      case BUILTIN.MUL:
        b.elementwise(op, 'mul');
        break;
      case BUILTIN.HARD_SWISH:
        b.unary(op, 'hardSwish');
        break;
      case BUILTIN.AVERAGE_POOL_2D:
        b.pool(op);
        break;
      case BUILTIN.RESHAPE:
        b.reshape(op);
        break;
      case BUILTIN.SOFTMAX:
        if (op.softmaxBeta !== 1) throw new ConvertError(`The softmax has beta ${op.softmaxBeta} instead of 1.`);
        b.unary(op, 'softmax');
        break;
      default:
        throw new ConvertError(`The model uses TFLite operator ${opName(op.builtin)}, which the converter does not support.`);
    }
  }
  // The classifier head is softmax(squeeze(conv1x1(pool(features)))); the
  // pool is the embedding.
  const softmax = producer(b.ops, b.value(model.outputs[0]));
  const squeeze = softmax?.kind === 'softmax' ? producer(b.ops, softmax.input) : undefined;
  const logits = squeeze?.kind === 'flatten' ? producer(b.ops, squeeze.input) : undefined;
  const pool = logits?.kind === 'conv' ? producer(b.ops, logits.input) : undefined;
  if (!softmax || !logits || logits.kind !== 'conv' || pool?.kind !== 'globalAveragePool' || logits.kernel.join() !== '1,1') {
    throw new ConvertError('The model does not end in a global pool, a 1x1 logits convolution and a softmax.');
  }
  b.rename(model.outputs[0]!, PROBS);
  softmax.output = PROBS;
  b.ops.push({ kind: 'flatten', input: pool.output, output: EMBEDDING });
  return {
    input: INPUT,
    inputShape: [h, w, c],
    ops: b.ops,
    pooled: pool.output,
    logits: logits.output,
    embedding: EMBEDDING,
    probs: PROBS,
    embeddingDim: logits.inChannels,
    classes: logits.outChannels,
  };
}
