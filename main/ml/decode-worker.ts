// Worker thread that decodes images and cuts the backbone's inputs from them,
// and hands those to the inference worker. Each work item is one image with
// every view wanted of it: its source becomes one raster (image-source.ts:
// at most one decode) and every view is cut from that raster. At most `concurrency` images are in hand at a time, so memory
// stays bounded whatever is embedded.
import { parentPort, workerData } from 'node:worker_threads';
import { ImportSkipError } from '../import/skip-error.js';
import { decodesOf, rasterOf } from './image-source.js';
import { cutView } from './preprocess.js';
import type { DecodedMessage, DecodeWorkerInit, FromWorker, ToDecoder, WorkItem } from './embed-protocol.js';

const init = workerData as DecodeWorkerInit;
const port = parentPort!;
const pending: WorkItem[] = [];
/** Items started and not yet answered. */
let inFlight = 0;
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

function scaled(pixels: Uint8Array): Float32Array<ArrayBuffer> {
  const { divisor, offset } = init.scale;
  const input = new Float32Array(pixels.length);
  for (let j = 0; j < pixels.length; j++) input[j] = pixels[j]! / divisor + offset;
  return input;
}

async function work(item: WorkItem): Promise<void> {
  // Counted before the decode so that a failed one counts too.
  let decodes = decodesOf(item.source);
  let k = 0;
  try {
    const raster = await rasterOf(item.source);
    for (; k < item.views.length; k++) {
      const input = scaled(await cutView(raster, item.views[k]!, init.inputSize));
      const msg: DecodedMessage = { seq: item.seqs[k]!, input, decodes };
      decodes = 0;
      init.decoded.postMessage(msg, [input.buffer]);
    }
  } catch (err) {
    for (; k < item.seqs.length; k++) {
      const msg: FromWorker = { type: 'failed', seq: item.seqs[k]!, message: message(err), decodes };
      decodes = 0;
      port.postMessage(msg);
    }
  }
}

function pump(): void {
  while (!closing && pending.length > 0 && inFlight < init.concurrency) {
    const item = pending.shift()!;
    inFlight++;
    void work(item).finally(() => {
      inFlight--;
      pump();
      exitWhenIdle();
    });
  }
}

port.on('message', (msg: ToDecoder) => {
  if (msg.type === 'add') {
    pending.push(...msg.items);
    pump();
  } else if (msg.type === 'drop') {
    // Images already decoding finish and are ignored by the Embedder.
    const drop = new Set(msg.seqs);
    for (let i = pending.length - 1; i >= 0; i--) if (drop.has(pending[i]!.seqs[0]!)) pending.splice(i, 1);
  } else {
    closing = true;
    pending.length = 0;
    exitWhenIdle();
  }
});
