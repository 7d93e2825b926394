// Encodes API call parameters for HTTP so that image bytes travel as raw
// binary next to the JSON instead of being inflated by base64.
// Layout: [u32 json length][json][u32 blob length][blob]... (little-endian).
// Pure Uint8Array/DataView code: the renderer bundles it too.
import type { WireErrorName } from './errors.js';

const BYTES_TAG = '$bytes';

export function encodeCall(params: unknown): Uint8Array {
  const blobs: Uint8Array[] = [];
  const json = JSON.stringify(params ?? {}, (_key, value: unknown) => {
    if (value instanceof Uint8Array) {
      blobs.push(value);
      return { [BYTES_TAG]: blobs.length - 1 };
    }
    return value;
  });
  const text = new TextEncoder().encode(json);
  let size = 4 + text.byteLength;
  for (const b of blobs) size += 4 + b.byteLength;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, text.byteLength, true);
  out.set(text, 4);
  let at = 4 + text.byteLength;
  for (const b of blobs) {
    view.setUint32(at, b.byteLength, true);
    out.set(b, at + 4);
    at += 4 + b.byteLength;
  }
  return out;
}

export function decodeCall(frame: Uint8Array): unknown {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (frame.byteLength < 4) throw new Error('The request body is empty.');
  const jsonLength = view.getUint32(0, true);
  if (4 + jsonLength > frame.byteLength) throw new Error('The request body is truncated.');
  const blobs: Uint8Array[] = [];
  let at = 4 + jsonLength;
  while (at < frame.byteLength) {
    if (at + 4 > frame.byteLength) throw new Error('The request body is truncated.');
    const n = view.getUint32(at, true);
    if (at + 4 + n > frame.byteLength) throw new Error('The request body is truncated.');
    blobs.push(frame.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  let json: string;
  try {
    json = new TextDecoder('utf-8', { fatal: true }).decode(frame.subarray(4, 4 + jsonLength));
  } catch {
    throw new Error('The request is not valid UTF-8.');
  }
  return JSON.parse(json, (_key, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const keys = Object.keys(value);
      const index = (value as Record<string, unknown>)[BYTES_TAG];
      if (keys.length === 1 && typeof index === 'number') {
        const blob = blobs[index];
        if (!blob) throw new Error('The request refers to missing binary data.');
        return blob;
      }
    }
    return value;
  });
}

/** What a failed call carries back across any transport. */
export interface WireError {
  name: WireErrorName;
  message: string;
}

export type WireResult = { ok: true; result: unknown } | { ok: false; error: WireError };
