// The part of the TFLite schema (tensorflow/lite/schema/schema.fbs) that the
// backbone converter reads, as plain objects. Field ids are the schema's
// declaration order; only the operators and options MobileNet files use are
// decoded, and everything else is reported by name so the converter can
// refuse it clearly.
import { FlatbufferError, rootTable, type Table } from './flatbuffer.js';

export const BUILTIN = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  DEQUANTIZE: 6,
  FULLY_CONNECTED: 9,
  MUL: 18,
  RESHAPE: 22,
  SOFTMAX: 25,
  QUANTIZE: 114,
  HARD_SWISH: 117,
} as const;

export const TENSOR_TYPE = { FLOAT32: 0, INT32: 2, UINT8: 3, INT64: 4, INT8: 9 } as const;
export const PADDING = { SAME: 0, VALID: 1 } as const;
export const ACTIVATION = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3 } as const;

export interface Quantization {
  scale: number[];
  zeroPoint: number[];
  quantizedDimension: number;
}

export interface TfliteTensor {
  index: number;
  name: string;
  shape: number[];
  type: number;
  /** The tensor's constant data, or null for activations (buffer 0 or an empty buffer). */
  data: Buffer | null;
  quantization: Quantization | null;
}

export interface ConvOptions {
  padding: number;
  strideW: number;
  strideH: number;
  dilationW: number;
  dilationH: number;
  depthMultiplier: number;
  activation: number;
}

export interface PoolOptions {
  padding: number;
  strideW: number;
  strideH: number;
  filterW: number;
  filterH: number;
  activation: number;
}

export interface TfliteOperator {
  builtin: number;
  inputs: number[];
  outputs: number[];
  /** Decoded builtin_options for the operators this file knows; null otherwise. */
  conv: ConvOptions | null;
  pool: PoolOptions | null;
  /** fused_activation_function of ADD, MUL and FULLY_CONNECTED. */
  activation: number;
  softmaxBeta: number;
}

export interface TfliteModel {
  version: number;
  description: string;
  tensors: TfliteTensor[];
  inputs: number[];
  outputs: number[];
  operators: TfliteOperator[];
}

// Field ids, in schema order.
const MODEL = { version: 0, operatorCodes: 1, subgraphs: 2, description: 3, buffers: 4 } as const;
const OPERATOR_CODE = { deprecatedBuiltinCode: 0, builtinCode: 3 } as const;
const SUBGRAPH = { tensors: 0, inputs: 1, outputs: 2, operators: 3 } as const;
const TENSOR = { shape: 0, type: 1, buffer: 2, name: 3, quantization: 4 } as const;
const QUANTIZATION = { scale: 2, zeroPoint: 3, quantizedDimension: 6 } as const;
const OPERATOR = { opcodeIndex: 0, inputs: 1, outputs: 2, builtinOptions: 4 } as const;
const BUFFER = { data: 0 } as const;
/** The last builtin that fits the int8 deprecated_builtin_code; later ones keep 127 there and the real code in builtin_code. */
const PLACEHOLDER_FOR_GREATER_OP_CODES = 127;

function builtinCode(code: Table): number {
  const deprecated = code.i8(OPERATOR_CODE.deprecatedBuiltinCode, 0);
  const current = code.i32(OPERATOR_CODE.builtinCode, 0);
  // Files older than the builtin_code field only have the deprecated one.
  return deprecated === PLACEHOLDER_FOR_GREATER_OP_CODES ? current : Math.max(deprecated, current);
}

function quantization(t: Table | null): Quantization | null {
  if (!t) return null;
  const scale = t.f32s(QUANTIZATION.scale);
  if (scale.length === 0) return null;
  return { scale, zeroPoint: t.i64s(QUANTIZATION.zeroPoint), quantizedDimension: t.i32(QUANTIZATION.quantizedDimension, 0) };
}

function convOptions(builtin: number, o: Table | null): ConvOptions | null {
  if (!o) return null;
  if (builtin === BUILTIN.CONV_2D) {
    return {
      padding: o.i8(0, 0),
      strideW: o.i32(1, 0),
      strideH: o.i32(2, 0),
      activation: o.i8(3, 0),
      dilationW: o.i32(4, 1),
      dilationH: o.i32(5, 1),
      depthMultiplier: 1,
    };
  }
  if (builtin === BUILTIN.DEPTHWISE_CONV_2D) {
    return {
      padding: o.i8(0, 0),
      strideW: o.i32(1, 0),
      strideH: o.i32(2, 0),
      depthMultiplier: o.i32(3, 0),
      activation: o.i8(4, 0),
      dilationW: o.i32(5, 1),
      dilationH: o.i32(6, 1),
    };
  }
  return null;
}

function poolOptions(o: Table | null): PoolOptions | null {
  if (!o) return null;
  return { padding: o.i8(0, 0), strideW: o.i32(1, 0), strideH: o.i32(2, 0), filterW: o.i32(3, 0), filterH: o.i32(4, 0), activation: o.i8(5, 0) };
}

/** Reads a .tflite flatbuffer; throws FlatbufferError when it is not one or is cut short. */
export function readTflite(bytes: Uint8Array): TfliteModel {
  const model = rootTable(bytes, 'TFL3');
  const codes = model.tables(MODEL.operatorCodes).map(builtinCode);
  const buffers = model.tables(MODEL.buffers).map((b) => b.bytes(BUFFER.data));
  const subgraphs = model.tables(MODEL.subgraphs);
  const graph = subgraphs[0];
  if (!graph || subgraphs.length !== 1) throw new FlatbufferError(`expected one subgraph, found ${subgraphs.length}`);
  const tensors = graph.tables(SUBGRAPH.tensors).map((t, index): TfliteTensor => {
    const buffer = t.u32(TENSOR.buffer, 0);
    if (buffer >= buffers.length) throw new FlatbufferError(`tensor ${index} names buffer ${buffer} of ${buffers.length}`);
    const data = buffers[buffer] ?? null;
    return {
      index,
      name: t.string(TENSOR.name) ?? '',
      shape: t.i32s(TENSOR.shape),
      type: t.u8(TENSOR.type, TENSOR_TYPE.FLOAT32),
      data: data && data.length > 0 ? data : null,
      quantization: quantization(t.table(TENSOR.quantization)),
    };
  });
  const operators = graph.tables(SUBGRAPH.operators).map((op): TfliteOperator => {
    const index = op.u32(OPERATOR.opcodeIndex, 0);
    const builtin = codes[index];
    if (builtin === undefined) throw new FlatbufferError(`operator names opcode ${index} of ${codes.length}`);
    const options = op.table(OPERATOR.builtinOptions);
    return {
      builtin,
      inputs: op.i32s(OPERATOR.inputs),
      outputs: op.i32s(OPERATOR.outputs),
      conv: convOptions(builtin, options),
      pool: builtin === BUILTIN.AVERAGE_POOL_2D ? poolOptions(options) : null,
      activation:
        options && (builtin === BUILTIN.ADD || builtin === BUILTIN.MUL || builtin === BUILTIN.FULLY_CONNECTED) ? options.i8(0, 0) : 0,
      softmaxBeta: options && builtin === BUILTIN.SOFTMAX ? options.f32(0, 1) : 1,
    };
  });
  return {
    version: model.u32(MODEL.version, 0),
    description: model.string(MODEL.description) ?? '',
    tensors,
    inputs: graph.i32s(SUBGRAPH.inputs),
    outputs: graph.i32s(SUBGRAPH.outputs),
    operators,
  };
}
