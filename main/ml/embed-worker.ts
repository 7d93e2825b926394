// Worker thread that runs the backbone on decoded images. Whatever arrived
// during one forward pass forms the next batch, so batches grow exactly as
// far as decoding keeps up.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import type { DecodedMessage, FromWorker, InferenceWorkerInit, ToInference } from './embed-protocol.js';

const init = workerData as InferenceWorkerInit;
const port = parentPort!;
const post = (msg: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);
const queue: DecodedMessage[] = [];
let session: ort.InferenceSession | null = null;
let running = false;
let closing = false;

/** Leaves once no forward pass is running; the closed ports end the thread. */
function exitWhenIdle(): void {
  if (!closing || running) return;
  init.decoded.close();
  port.close();
}

async function sha256(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function infer(s: ort.InferenceSession): Promise<void> {
  running = true;
  const batch = queue.splice(0, init.maxBatch);
  const px = init.inputSize * init.inputSize * 3;
  const input = new Float32Array(batch.length * px);
  batch.forEach((b, i) => input.set(b.input, i * px));
  try {
    const out = await s.run(
      { [init.inputName]: new ort.Tensor('float32', input, [batch.length, init.inputSize, init.inputSize, 3]) },
      [init.outputName],
    );
    // Copied out of onnxruntime's buffer so it can be transferred.
    const data = new Float32Array(out[init.outputName]!.data as Float32Array);
    post({ type: 'vectors', seqs: batch.map((b) => b.seq), data, decodes: batch.map((b) => b.decodes) }, [data.buffer]);
  } catch (err) {
    for (const b of batch) post({ type: 'failed', seq: b.seq, message: `the backbone failed: ${message(err)}`, decodes: b.decodes });
  }
  running = false;
  next();
  exitWhenIdle();
}

function next(): void {
  if (!closing && !running && session && queue.length > 0) void infer(session);
}

port.on('message', (msg: ToInference) => {
  if (msg.type === 'close') {
    closing = true;
    queue.length = 0;
    exitWhenIdle();
  }
});

init.decoded.on('message', (msg: DecodedMessage) => {
  queue.push(msg);
  next();
});

async function start(): Promise<void> {
  let digest: string;
  try {
    digest = await sha256(init.file);
  } catch (err) {
    post({ type: 'fatal', message: `cannot read it: ${message(err)}`, damaged: true });
    return;
  }
  if (!init.sha256.includes(digest)) {
    post({ type: 'fatal', message: 'its checksum does not match the expected weights', damaged: true });
    return;
  }
  try {
    session = await ort.InferenceSession.create(init.file, {
      intraOpNumThreads: init.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // Spinning threads would steal the core that decodes the next images.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
  } catch (err) {
    post({ type: 'fatal', message: `onnxruntime cannot load it: ${message(err)}`, damaged: true });
    return;
  }
  post({ type: 'ready' });
  next();
}

void start();
