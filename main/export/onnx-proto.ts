// ONNX messages (onnx.proto, proto2) as far as export reads and writes them.
// Field numbers are from onnx/onnx.proto; only the ones used here are named.
import { decodeString, decodeVarint, MessageWriter, readFields, readPackedVarints, WIRE_LEN, type Field } from './protobuf.js';

export const MODEL = {
  irVersion: 1,
  producerName: 2,
  producerVersion: 3,
  modelVersion: 5,
  docString: 6,
  graph: 7,
  opsetImport: 8,
  metadataProps: 14,
} as const;

export const GRAPH = {
  node: 1,
  name: 2,
  initializer: 5,
  docString: 10,
  input: 11,
  output: 12,
  valueInfo: 13,
  sparseInitializer: 15,
} as const;

const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5 } as const;
const ATTRIBUTE = { name: 1, i: 3, ints: 8, type: 20 } as const;
const ATTRIBUTE_TYPE = { INT: 2, INTS: 7 } as const;
const TENSOR = { dims: 1, dataType: 2, floatData: 4, name: 8, rawData: 9 } as const;
export const DATA_TYPE = { FLOAT: 1, INT64: 7 } as const;
const VALUE_INFO = { name: 1, type: 2 } as const;
const TYPE = { tensorType: 1 } as const;
const TENSOR_TYPE = { elemType: 1, shape: 2 } as const;
const SHAPE = { dim: 1 } as const;
const DIMENSION = { dimValue: 1, dimParam: 2 } as const;
const OPSET = { domain: 1, version: 2 } as const;
const ENTRY = { key: 1, value: 2 } as const;

function strings(fields: Field[], no: number): string[] {
  return fields.filter((f) => f.no === no).map((f) => decodeString(f.data));
}

function onlyString(fields: Field[], no: number): string {
  return strings(fields, no)[0] ?? '';
}

export interface NodeIO {
  inputs: string[];
  outputs: string[];
}

export function readNodeIO(node: Uint8Array): NodeIO {
  const fields = readFields(node);
  return { inputs: strings(fields, NODE.input), outputs: strings(fields, NODE.output) };
}

/** The node with every input named `from` renamed to `to`; its other fields are kept byte-for-byte. */
export function renameNodeInput(node: Uint8Array, from: string, to: string): Uint8Array {
  const w = new MessageWriter();
  for (const f of readFields(node)) {
    if (f.no === NODE.input && decodeString(f.data) === from) w.string(NODE.input, to);
    else w.field(f);
  }
  return w.finish();
}

export function readOpType(node: Uint8Array): string {
  return onlyString(readFields(node), NODE.opType);
}

/** A float initializer's dimensions and values (from raw_data or float_data); null for any other element type. */
export function readFloatTensor(tensor: Uint8Array): { dims: number[]; data: Float32Array } | null {
  const fields = readFields(tensor);
  const type = fields.find((f) => f.no === TENSOR.dataType);
  if (!type || Number(decodeVarint(type.data)) !== DATA_TYPE.FLOAT) return null;
  const dims: number[] = [];
  for (const f of fields.filter((x) => x.no === TENSOR.dims)) {
    // repeated int64: one varint per field, or packed into one LEN field.
    if (f.wire === WIRE_LEN) for (const d of readPackedVarints(f.data)) dims.push(d);
    else dims.push(Number(decodeVarint(f.data)));
  }
  const raw = fields.find((f) => f.no === TENSOR.rawData)?.data;
  const packed = fields.filter((f) => f.no === TENSOR.floatData);
  let data: Float32Array;
  if (raw) {
    data = new Float32Array(raw.length / 4);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(i * 4, true);
  } else {
    const values: number[] = [];
    for (const f of packed) {
      const view = new DataView(f.data.buffer, f.data.byteOffset, f.data.byteLength);
      for (let i = 0; i + 4 <= f.data.length; i += 4) values.push(view.getFloat32(i, true));
    }
    data = Float32Array.from(values);
  }
  return dims.reduce((a, b) => a * b, 1) === data.length ? { dims, data } : null;
}

/** The name of a TensorProto (initializer) or ValueInfoProto: both keep it in a string field. */
export function readTensorName(tensor: Uint8Array): string {
  return onlyString(readFields(tensor), TENSOR.name);
}

export function readValueInfoName(valueInfo: Uint8Array): string {
  return onlyString(readFields(valueInfo), VALUE_INFO.name);
}

/** A tensor's dimensions as the raw Dimension messages, so they can be reused verbatim. */
export function readValueInfoDims(valueInfo: Uint8Array): Uint8Array[] {
  const type = readFields(valueInfo).find((f) => f.no === VALUE_INFO.type);
  const tensorType = type && readFields(type.data).find((f) => f.no === TYPE.tensorType);
  const shape = tensorType && readFields(tensorType.data).find((f) => f.no === TENSOR_TYPE.shape);
  return shape ? readFields(shape.data).filter((f) => f.no === SHAPE.dim).map((f) => f.data) : [];
}

/** A Dimension's fixed size, or null when it is symbolic or unknown. */
export function dimValue(dimension: Uint8Array): number | null {
  const f = readFields(dimension).find((d) => d.no === DIMENSION.dimValue);
  return f ? Number(decodeVarint(f.data)) : null;
}

/** The opset version of the default (ai.onnx) domain, or null when the model does not import it. */
export function defaultOpsetVersion(model: Field[]): number | null {
  for (const f of model) {
    if (f.no !== MODEL.opsetImport) continue;
    const opset = readFields(f.data);
    const domain = onlyString(opset, OPSET.domain);
    const version = opset.find((o) => o.no === OPSET.version);
    if ((domain === '' || domain === 'ai.onnx') && version) return Number(decodeVarint(version.data));
  }
  return null;
}

export type Attribute = { name: string; int: number } | { name: string; ints: number[] };

function encodeAttribute(a: Attribute): Uint8Array {
  const w = new MessageWriter().string(ATTRIBUTE.name, a.name);
  if ('int' in a) {
    w.varint(ATTRIBUTE.i, a.int).varint(ATTRIBUTE.type, ATTRIBUTE_TYPE.INT);
  } else {
    // proto2 repeated scalars are unpacked: one key per element.
    for (const v of a.ints) w.varint(ATTRIBUTE.ints, v);
    w.varint(ATTRIBUTE.type, ATTRIBUTE_TYPE.INTS);
  }
  return w.finish();
}

export interface NodeSpec {
  name: string;
  opType: string;
  inputs: string[];
  outputs: string[];
  attributes?: Attribute[];
}

export function encodeNode(n: NodeSpec): Uint8Array {
  const w = new MessageWriter();
  for (const i of n.inputs) w.string(NODE.input, i);
  for (const o of n.outputs) w.string(NODE.output, o);
  w.string(NODE.name, n.name).string(NODE.opType, n.opType);
  for (const a of n.attributes ?? []) w.bytes(NODE.attribute, encodeAttribute(a));
  return w.finish();
}

/** An initializer with little-endian raw_data, as ONNX specifies for raw_data. */
export function encodeTensor(name: string, dims: number[], data: Float32Array | BigInt64Array): Uint8Array {
  const raw = new Uint8Array(data.byteLength);
  const view = new DataView(raw.buffer);
  data.forEach((v: number | bigint, i: number) => {
    if (typeof v === 'bigint') view.setBigInt64(i * 8, v, true);
    else view.setFloat32(i * 4, v, true);
  });
  const w = new MessageWriter();
  for (const d of dims) w.varint(TENSOR.dims, d);
  w.varint(TENSOR.dataType, data instanceof Float32Array ? DATA_TYPE.FLOAT : DATA_TYPE.INT64);
  return w.string(TENSOR.name, name).bytes(TENSOR.rawData, raw).finish();
}

export type Dim = number | string | Uint8Array;

export function encodeValueInfo(name: string, elemType: number, dims: Dim[]): Uint8Array {
  const shape = new MessageWriter();
  for (const d of dims) {
    if (d instanceof Uint8Array) shape.bytes(SHAPE.dim, d);
    else if (typeof d === 'number') shape.bytes(SHAPE.dim, new MessageWriter().varint(DIMENSION.dimValue, d).finish());
    else shape.bytes(SHAPE.dim, new MessageWriter().string(DIMENSION.dimParam, d).finish());
  }
  const tensorType = new MessageWriter().varint(TENSOR_TYPE.elemType, elemType).bytes(TENSOR_TYPE.shape, shape.finish());
  const type = new MessageWriter().bytes(TYPE.tensorType, tensorType.finish());
  return new MessageWriter().string(VALUE_INFO.name, name).bytes(VALUE_INFO.type, type.finish()).finish();
}

export function encodeMetadataEntry(key: string, value: string): Uint8Array {
  return new MessageWriter().string(ENTRY.key, key).string(ENTRY.value, value).finish();
}

export function readMetadataEntry(entry: Uint8Array): { key: string; value: string } {
  const fields = readFields(entry);
  return { key: onlyString(fields, ENTRY.key), value: onlyString(fields, ENTRY.value) };
}

export function encodeOpsetImport(domain: string, version: number): Uint8Array {
  return new MessageWriter().string(OPSET.domain, domain).varint(OPSET.version, version).finish();
}
