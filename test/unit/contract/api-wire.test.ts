// The HTTP frame of a call (contract/wire.ts): what goes in comes out, byte
// for byte, and every malformed frame is refused with one sentence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCall, encodeCall } from '../../../contract/wire.js';

/** A frame written by hand: [u32 json length][json][u32 blob length][blob]... */
function frame(json: string, blobs: Uint8Array[] = [], opts: { jsonLength?: number } = {}): Uint8Array {
  const text = new TextEncoder().encode(json);
  const parts: Uint8Array[] = [u32(opts.jsonLength ?? text.byteLength), text];
  for (const b of blobs) parts.push(u32(b.byteLength), b);
  return Buffer.concat(parts);
}

function u32(n: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

test('params with binary data anywhere come back equal, bytes and all', () => {
  const backing = Uint8Array.from({ length: 64 }, (_, i) => i);
  const params = {
    jobId: 'j',
    files: [
      { name: 'a.jpg', bytes: backing.subarray(10, 20) },
      { name: 'empty.jpg', bytes: new Uint8Array(0) },
    ],
    nested: { deep: [backing.subarray(60)] },
    none: null,
  };
  const back = decodeCall(encodeCall(params)) as typeof params;
  assert.deepEqual(back.files.map((f) => [f.name, [...f.bytes]]), [
    ['a.jpg', [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]],
    ['empty.jpg', []],
  ]);
  assert.deepEqual([...back.nested.deep[0]!], [60, 61, 62, 63]);
  assert.equal(back.none, null);
  assert.deepEqual(decodeCall(encodeCall(undefined)), {});
});

test('a frame of fewer than four bytes is empty', () => {
  for (const bytes of [[], [1], [1, 0, 0]]) {
    assert.throws(() => decodeCall(Uint8Array.from(bytes)), { message: 'The request body is empty.' });
  }
});

test('a frame cut short anywhere is truncated', () => {
  const whole = encodeCall({ bytes: Uint8Array.from([1, 2, 3, 4, 5]) });
  // Inside the JSON, inside the blob's length, inside the blob.
  const jsonEnd = 4 + new DataView(whole.buffer).getUint32(0, true);
  for (const cut of [jsonEnd - 1, jsonEnd + 2, whole.byteLength - 1]) {
    assert.throws(() => decodeCall(whole.subarray(0, cut)), { message: 'The request body is truncated.' }, `cut at ${cut}`);
  }
  assert.throws(() => decodeCall(frame('{}', [], { jsonLength: 1000 })), { message: 'The request body is truncated.' });
});

test('a reference to binary data the frame does not carry is refused', () => {
  for (const index of [1, -1, 0.5, 1e9]) {
    assert.throws(() => decodeCall(frame(`{"bytes":{"$bytes":${index}}}`, [Uint8Array.from([7])])), {
      message: 'The request refers to missing binary data.',
    });
  }
  assert.throws(() => decodeCall(frame('{"bytes":{"$bytes":0}}')), { message: 'The request refers to missing binary data.' });
});

test('only an object of the one $bytes key with a number stands for binary data', () => {
  const out = decodeCall(frame('{"a":{"$bytes":0,"b":1},"c":{"$bytes":"0"},"d":[{"$bytes":0}]}', [Uint8Array.from([9])])) as {
    a: unknown;
    c: unknown;
    d: Uint8Array[];
  };
  assert.deepEqual(out.a, { $bytes: 0, b: 1 });
  assert.deepEqual(out.c, { $bytes: '0' });
  assert.ok(out.d[0] instanceof Uint8Array);
  assert.deepEqual([...out.d[0]], [9]);
});

test('JSON that is not UTF-8 is refused as such', () => {
  const bad = Buffer.concat([u32(3), Uint8Array.from([0x7b, 0xff, 0x7d])]);
  assert.throws(() => decodeCall(bad), { message: 'The request is not valid UTF-8.' });
});

test('field names such as __proto__ arrive as plain own fields, changing no prototype', () => {
  const params = decodeCall(frame('{"__proto__":{"polluted":true},"constructor":1}')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(params), ['__proto__', 'constructor']);
  assert.equal(Object.getPrototypeOf(params), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
