// Worker thread that decodes images and runs the backbone, so the main
// process never blocks on either. Decoding (sharp, on libuv's pool) runs
// ahead while onnxruntime works on the previous batch; whatever finished
// decoding during one forward pass forms the next batch.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { preprocess } from './preprocess.js';
import { viewSpec } from './views.js';
import type { EmbedWorkerInit, FromWorker, ToWorker, WorkItem } from './embed-protocol.js';

const init = workerData as EmbedWorkerInit & { decodeAhead: number };
const port = parentPort!;
const post = (msg: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

const pending: WorkItem[] = [];
const decoded: { seq: number; pixels: Uint8Array }[] = [];
const dropped = new Set<number>();
let decoding = 0;
let inferring = new Set<number>();
let session: ort.InferenceSession | null = null;

async function sha256(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function pump(): void {
  // Keep enough decoded work queued that the next batch is ready when the
  // current forward pass ends, without holding many images in memory.
  while (pending.length > 0 && decoding < init.decodeAhead && decoded.length + decoding < 2 * init.maxBatch) {
    const item = pending.shift()!;
    decoding++;
    preprocess(item.source, viewSpec(item.view), init.inputSize).then(
      (pixels) => {
        decoding--;
        if (!dropped.delete(item.seq)) decoded.push({ seq: item.seq, pixels });
        pump();
      },
      (err: unknown) => {
        decoding--;
        if (!dropped.delete(item.seq)) post({ type: 'failed', seq: item.seq, message: `cannot read the image: ${message(err)}` });
        pump();
      },
    );
  }
  if (inferring.size === 0 && decoded.length > 0 && session) void infer(session);
}

async function infer(s: ort.InferenceSession): Promise<void> {
  const batch = decoded.splice(0, init.maxBatch);
  inferring = new Set(batch.map((b) => b.seq));
  const px = init.inputSize * init.inputSize * 3;
  const input = new Float32Array(batch.length * px);
  batch.forEach((b, i) => {
    const off = i * px;
    for (let j = 0; j < px; j++) input[off + j] = b.pixels[j]! / 127.5 - 1;
  });
  try {
    const out = await s.run(
      { [init.inputName]: new ort.Tensor('float32', input, [batch.length, init.inputSize, init.inputSize, 3]) },
      [init.outputName],
    );
    const result = out[init.outputName]!;
    // Copy out of onnxruntime's buffer so it can be transferred.
    const data = new Float32Array(result.data as Float32Array);
    post({ type: 'vectors', seqs: batch.map((b) => b.seq), data }, [data.buffer]);
  } catch (err) {
    for (const b of batch) post({ type: 'failed', seq: b.seq, message: `the backbone failed: ${message(err)}` });
  }
  inferring = new Set();
  pump();
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'add') {
    pending.push(...msg.items);
  } else {
    const drop = new Set(msg.seqs);
    for (let i = pending.length - 1; i >= 0; i--) if (drop.delete(pending[i]!.seq)) pending.splice(i, 1);
    for (let i = decoded.length - 1; i >= 0; i--) if (drop.delete(decoded[i]!.seq)) decoded.splice(i, 1);
    // What is left is still decoding (discarded when done) or already being
    // inferred (the Embedder ignores its result).
    for (const seq of drop) if (!inferring.has(seq)) dropped.add(seq);
  }
  pump();
});

async function start(): Promise<void> {
  let digest: string;
  try {
    digest = await sha256(init.file);
  } catch (err) {
    post({ type: 'fatal', message: `cannot read it: ${message(err)}`, damaged: true });
    return;
  }
  if (digest !== init.sha256) {
    post({ type: 'fatal', message: 'its checksum does not match the expected weights', damaged: true });
    return;
  }
  try {
    session = await ort.InferenceSession.create(init.file, {
      intraOpNumThreads: init.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      ...(process.env.PANCAKE_ORT_NOSPIN ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
    });
  } catch (err) {
    post({ type: 'fatal', message: `onnxruntime cannot load it: ${message(err)}`, damaged: true });
    return;
  }
  post({ type: 'ready' });
  pump();
}

void start();
