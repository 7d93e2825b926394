// The bytes of a HeadModel as kept in model_versions.head: a 4-byte
// little-endian header length, a JSON header, then the float32 arrays
// (little-endian) in the order the header lists them.
import type { DenseWeights, HeadModel } from './head-format.js';

interface Header {
  format: 1;
  backbone: string;
  inputDim: number;
  l2normalize: boolean;
  classes: string[];
  hidden: { inputSize: number; outputSize: number } | null;
  output: { inputSize: number; outputSize: number };
}

export function encodeHead(head: HeadModel): Uint8Array {
  const shape = (d: DenseWeights) => ({ inputSize: d.inputSize, outputSize: d.outputSize });
  const header: Header = {
    format: head.format,
    backbone: head.backbone,
    inputDim: head.inputDim,
    l2normalize: head.l2normalize,
    classes: head.classes,
    hidden: head.hidden ? shape(head.hidden) : null,
    output: shape(head.output),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const arrays = [...(head.hidden ? [head.hidden.weights, head.hidden.bias] : []), head.output.weights, head.output.bias];
  // Pad the header so the floats start 4-byte aligned.
  const start = Math.ceil((4 + json.length) / 4) * 4;
  const out = Buffer.alloc(start + arrays.reduce((n, a) => n + a.length * 4, 0), 0x20);
  out.writeUInt32LE(json.length, 0);
  json.copy(out, 4);
  let off = start;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++, off += 4) out.writeFloatLE(a[i]!, off);
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

export function decodeHead(bytes: Uint8Array): HeadModel {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = buf.readUInt32LE(0);
  const header = JSON.parse(buf.subarray(4, 4 + len).toString('utf8')) as Header;
  if (header.format !== 1) throw new Error(`Unknown head format ${String(header.format)}.`);
  let off = Math.ceil((4 + len) / 4) * 4;
  const floats = (n: number) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++, off += 4) a[i] = buf.readFloatLE(off);
    return a;
  };
  const dense = (s: { inputSize: number; outputSize: number }): DenseWeights => ({
    ...s,
    weights: floats(s.inputSize * s.outputSize),
    bias: floats(s.outputSize),
  });
  const hidden = header.hidden ? dense(header.hidden) : null;
  const output = dense(header.output);
  if (off !== buf.length) throw new Error('The stored head is damaged (its size does not match its header).');
  return {
    format: 1,
    backbone: header.backbone,
    inputDim: header.inputDim,
    l2normalize: header.l2normalize,
    hidden,
    output,
    classes: header.classes,
  };
}
