// Worker thread that decodes, crops and scales images into the backbone's
// input, and hands them to the inference worker. An original is normalized
// once for all of its views (plain and mirrored), and at most `concurrency`
// images are decoded at a time, so memory stays bounded whatever is predicted.
import { parentPort, workerData } from 'node:worker_threads';
import { ImportSkipError } from '../import/skip-error.js';
import { normalizedCopy, type ImageSource } from './image-source.js';
import { preprocess } from './preprocess.js';
import { viewSpec } from './views.js';
import type { DecodedMessage, DecodeWorkerInit, FromWorker, ToDecoder, WorkItem } from './embed-protocol.js';

const init = workerData as DecodeWorkerInit;
const port = parentPort!;
const pending: WorkItem[] = [];
/** Items started and not yet answered. */
let inFlight = 0;
/** Of those, the ones that decode: the others wait for a copy another item is making, then crop it. */
let decoding = 0;
let closing = false;

function exitWhenIdle(): void {
  if (closing && inFlight === 0) {
    init.decoded.close();
    port.close();
  }
}

/** A refused original gives the import's own reason; anything else is unexpected and says so. */
function message(err: unknown): string {
  if (err instanceof ImportSkipError) return err.reason;
  return `cannot read the image (${err instanceof Error ? err.message : String(err)})`;
}

/**
 * Normalized copies of originals, by original, with the number of queued or
 * decoding items that still need each; a copy is made when its first item
 * is decoded. Paths are keys; bytes are shared when they arrived as one object.
 */
const copies = new Map<unknown, { copy: Promise<Uint8Array> | null; users: number }>();

const copyKey = (source: Exclude<ImageSource, { normalized: Uint8Array }>): unknown => ('path' in source ? source.path : source);

function claim(item: WorkItem): void {
  if ('normalized' in item.source) return;
  const key = copyKey(item.source);
  const entry = copies.get(key);
  if (entry) entry.users++;
  else copies.set(key, { copy: null, users: 1 });
}

function release(item: WorkItem): void {
  if ('normalized' in item.source) return;
  const key = copyKey(item.source);
  const entry = copies.get(key);
  if (entry && --entry.users === 0) copies.delete(key);
}

/** The copy already being made for this item's original, if any. */
function madeCopy(source: ImageSource): Promise<Uint8Array> | null {
  return 'normalized' in source ? null : (copies.get(copyKey(source))?.copy ?? null);
}

function copyOf(source: ImageSource): Promise<Uint8Array> {
  if ('normalized' in source) return Promise.resolve(source.normalized);
  const entry = copies.get(copyKey(source))!;
  entry.copy ??= normalizedCopy(source);
  return entry.copy;
}

function pump(): void {
  while (!closing && pending.length > 0) {
    const decodes = madeCopy(pending[0]!.source) === null;
    if (decodes && decoding >= init.concurrency) break;
    const item = pending.shift()!;
    inFlight++;
    if (decodes) decoding++;
    copyOf(item.source)
      .then((normalized) => preprocess(normalized, viewSpec(item.view), init.inputSize))
      .then(
        (pixels) => {
          const input = new Float32Array(pixels.length);
          for (let j = 0; j < pixels.length; j++) input[j] = pixels[j]! / 127.5 - 1;
          const msg: DecodedMessage = { seq: item.seq, input };
          init.decoded.postMessage(msg, [input.buffer]);
        },
        (err: unknown) => {
          const msg: FromWorker = { type: 'failed', seq: item.seq, message: message(err) };
          port.postMessage(msg);
        },
      )
      .finally(() => {
        release(item);
        inFlight--;
        if (decodes) decoding--;
        pump();
        exitWhenIdle();
      });
  }
}

port.on('message', (msg: ToDecoder) => {
  if (msg.type === 'add') {
    for (const item of msg.items) claim(item);
    pending.push(...msg.items);
    pump();
  } else if (msg.type === 'drop') {
    // Images already decoding finish and are ignored by the Embedder.
    const drop = new Set(msg.seqs);
    for (let i = pending.length - 1; i >= 0; i--) {
      if (drop.has(pending[i]!.seq)) release(pending.splice(i, 1)[0]!);
    }
  } else {
    closing = true;
    for (const item of pending.splice(0)) release(item);
    exitWhenIdle();
  }
});
