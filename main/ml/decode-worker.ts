// Worker thread that decodes, crops and scales images into the backbone's
// input, and hands them to the inference worker.
import { parentPort, workerData } from 'node:worker_threads';
import { preprocess } from './preprocess.js';
import { viewSpec } from './views.js';
import type { DecodedMessage, DecodeWorkerInit, FromWorker, ToDecoder, WorkItem } from './embed-protocol.js';

const init = workerData as DecodeWorkerInit;
const port = parentPort!;
const pending: WorkItem[] = [];
let decoding = 0;
let closing = false;

function exitWhenIdle(): void {
  if (closing && decoding === 0) {
    init.decoded.close();
    port.close();
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function pump(): void {
  while (!closing && pending.length > 0 && decoding < init.concurrency) {
    const item = pending.shift()!;
    decoding++;
    preprocess(item.source, viewSpec(item.view), init.inputSize).then(
      (pixels) => {
        const input = new Float32Array(pixels.length);
        for (let j = 0; j < pixels.length; j++) input[j] = pixels[j]! / 127.5 - 1;
        const msg: DecodedMessage = { seq: item.seq, input };
        init.decoded.postMessage(msg, [input.buffer]);
      },
      (err: unknown) => {
        const msg: FromWorker = { type: 'failed', seq: item.seq, message: `cannot read the image: ${message(err)}` };
        port.postMessage(msg);
      },
    ).finally(() => {
      decoding--;
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
    for (let i = pending.length - 1; i >= 0; i--) if (drop.has(pending[i]!.seq)) pending.splice(i, 1);
  } else {
    closing = true;
    pending.length = 0;
    exitWhenIdle();
  }
});
