// The little of the protobuf wire format that export needs: split a message
// into its fields (keeping every field's bytes, so fields we do not touch are
// written back byte-for-byte) and encode new fields. Written by hand rather
// than pulling in a protobuf library for a handful of ONNX messages.

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

export interface Field {
  no: number;
  wire: number;
  /** The value's bytes: the varint itself, the fixed bytes, or a LEN payload without its length prefix. */
  data: Uint8Array;
}

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.buf.length) throw new Error('protobuf: truncated varint');
      const byte = this.buf[this.pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
    throw new Error('protobuf: varint longer than 10 bytes');
  }

  take(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.buf.length) throw new Error('protobuf: field runs past the end of the message');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

export function readFields(buf: Uint8Array): Field[] {
  const r = new Reader(buf);
  const fields: Field[] = [];
  while (r.pos < buf.length) {
    const key = r.varint();
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (no === 0) throw new Error('protobuf: field number 0');
    const start = r.pos;
    switch (wire) {
      case WIRE_VARINT:
        r.varint();
        fields.push({ no, wire, data: buf.subarray(start, r.pos) });
        break;
      case WIRE_FIXED64:
        fields.push({ no, wire, data: r.take(8) });
        break;
      case WIRE_LEN:
        fields.push({ no, wire, data: r.take(Number(r.varint())) });
        break;
      case WIRE_FIXED32:
        fields.push({ no, wire, data: r.take(4) });
        break;
      default:
        throw new Error(`protobuf: unsupported wire type ${wire} (field ${no})`);
    }
  }
  return fields;
}

export function decodeVarint(data: Uint8Array): bigint {
  return new Reader(data).varint();
}

/** The numbers of a packed repeated varint field's payload. */
export function readPackedVarints(data: Uint8Array): number[] {
  const r = new Reader(data);
  const out: number[] = [];
  while (r.pos < data.length) out.push(Number(r.varint()));
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

export function decodeString(data: Uint8Array): string {
  return utf8.decode(data);
}

function varintBytes(value: bigint): number[] {
  // int64 fields carry negative numbers as their 64-bit two's complement.
  let v = BigInt.asUintN(64, value);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

/** Builds one message from fields appended in order. */
export class MessageWriter {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  private push(bytes: Uint8Array): this {
    this.parts.push(bytes);
    this.size += bytes.length;
    return this;
  }

  private key(no: number, wire: number): this {
    return this.push(Uint8Array.from(varintBytes((BigInt(no) << 3n) | BigInt(wire))));
  }

  /** Writes a field read by readFields back unchanged. */
  field(f: Field): this {
    this.key(f.no, f.wire);
    if (f.wire === WIRE_LEN) this.push(Uint8Array.from(varintBytes(BigInt(f.data.length))));
    return this.push(f.data);
  }

  varint(no: number, value: number | bigint): this {
    return this.key(no, WIRE_VARINT).push(Uint8Array.from(varintBytes(BigInt(value))));
  }

  bytes(no: number, value: Uint8Array): this {
    return this.field({ no, wire: WIRE_LEN, data: value });
  }

  string(no: number, value: string): this {
    return this.bytes(no, utf8Encoder.encode(value));
  }

  float(no: number, value: number): this {
    const data = new Uint8Array(4);
    new DataView(data.buffer).setFloat32(0, value, true);
    return this.key(no, WIRE_FIXED32).push(data);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let pos = 0;
    for (const p of this.parts) {
      out.set(p, pos);
      pos += p.length;
    }
    return out;
  }
}
