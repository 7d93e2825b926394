// Just enough of the FlatBuffers binary format to read a TFLite model:
// tables through their vtables, vectors, strings and nested tables, with
// every offset checked against the buffer so a damaged or truncated file
// fails with a FlatbufferError instead of reading garbage.

export class FlatbufferError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlatbufferError';
  }
}

export class Table {
  private readonly vtable: number;
  private readonly vtableSize: number;

  constructor(
    private readonly buf: Buffer,
    readonly pos: number,
  ) {
    const vtable = pos - readI32(buf, pos);
    this.vtableSize = readU16(buf, vtable);
    if (this.vtableSize < 4 || this.vtableSize % 2 !== 0) throw new FlatbufferError(`bad vtable at ${vtable}`);
    check(buf, vtable, this.vtableSize);
    this.vtable = vtable;
  }

  /** Absolute position of field `id`, or 0 when the field is absent (FlatBuffers writes no defaults). */
  private field(id: number): number {
    const slot = 4 + 2 * id;
    if (slot >= this.vtableSize) return 0;
    const rel = readU16(this.buf, this.vtable + slot);
    return rel === 0 ? 0 : this.pos + rel;
  }

  private indirect(id: number): number {
    const at = this.field(id);
    return at === 0 ? 0 : at + readU32(this.buf, at);
  }

  u8(id: number, fallback: number): number {
    const at = this.field(id);
    return at === 0 ? fallback : readU8(this.buf, at);
  }

  i8(id: number, fallback: number): number {
    const at = this.field(id);
    if (at === 0) return fallback;
    check(this.buf, at, 1);
    return this.buf.readInt8(at);
  }

  i32(id: number, fallback: number): number {
    const at = this.field(id);
    return at === 0 ? fallback : readI32(this.buf, at);
  }

  u32(id: number, fallback: number): number {
    const at = this.field(id);
    return at === 0 ? fallback : readU32(this.buf, at);
  }

  f32(id: number, fallback: number): number {
    const at = this.field(id);
    if (at === 0) return fallback;
    check(this.buf, at, 4);
    return this.buf.readFloatLE(at);
  }

  table(id: number): Table | null {
    const at = this.indirect(id);
    return at === 0 ? null : new Table(this.buf, at);
  }

  string(id: number): string | null {
    const bytes = this.bytes(id);
    return bytes ? bytes.toString('utf8') : null;
  }

  /** A [ubyte] vector as a view into the buffer (no copy). */
  bytes(id: number): Buffer | null {
    const v = this.vector(id, 1);
    return v ? this.buf.subarray(v.start, v.start + v.length) : null;
  }

  tables(id: number): Table[] {
    const v = this.vector(id, 4);
    if (!v) return [];
    return Array.from({ length: v.length }, (_, i) => {
      const at = v.start + 4 * i;
      return new Table(this.buf, at + readU32(this.buf, at));
    });
  }

  i32s(id: number): number[] {
    const v = this.vector(id, 4);
    return v ? Array.from({ length: v.length }, (_, i) => this.buf.readInt32LE(v.start + 4 * i)) : [];
  }

  f32s(id: number): number[] {
    const v = this.vector(id, 4);
    return v ? Array.from({ length: v.length }, (_, i) => this.buf.readFloatLE(v.start + 4 * i)) : [];
  }

  i64s(id: number): number[] {
    const v = this.vector(id, 8);
    return v ? Array.from({ length: v.length }, (_, i) => Number(this.buf.readBigInt64LE(v.start + 8 * i))) : [];
  }

  private vector(id: number, elementSize: number): { start: number; length: number } | null {
    const at = this.indirect(id);
    if (at === 0) return null;
    const length = readU32(this.buf, at);
    check(this.buf, at + 4, length * elementSize);
    return { start: at + 4, length };
  }
}

function check(buf: Buffer, pos: number, size: number): void {
  if (pos < 0 || size < 0 || pos + size > buf.length) {
    throw new FlatbufferError(`offset ${pos} (+${size}) lies outside the ${buf.length}-byte file`);
  }
}

function readU8(buf: Buffer, pos: number): number {
  check(buf, pos, 1);
  return buf.readUInt8(pos);
}

function readU16(buf: Buffer, pos: number): number {
  check(buf, pos, 2);
  return buf.readUInt16LE(pos);
}

function readI32(buf: Buffer, pos: number): number {
  check(buf, pos, 4);
  return buf.readInt32LE(pos);
}

function readU32(buf: Buffer, pos: number): number {
  check(buf, pos, 4);
  return buf.readUInt32LE(pos);
}

/** The root table, after checking the 4-byte file identifier that follows the root offset. */
export function rootTable(bytes: Uint8Array, identifier: string): Table {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  check(buf, 0, 8);
  if (buf.toString('latin1', 4, 8) !== identifier) throw new FlatbufferError(`file identifier is not ${identifier}`);
  return new Table(buf, readU32(buf, 0));
}
