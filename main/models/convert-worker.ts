// Runs the converter off the main thread: converting a backbone takes long
// enough that doing it inline would freeze the app's window.
import { parentPort, workerData } from 'node:worker_threads';
import { convertBackbone, type ConvertedOutput } from './convert/convert-backbone.js';

export interface ConvertJob {
  id: string;
  tflite: Uint8Array;
}

export type ConvertReply = { ok: true; outputs: ConvertedOutput[] } | { ok: false; message: string };

const job = workerData as ConvertJob;
let reply: ConvertReply;
try {
  reply = { ok: true, outputs: convertBackbone(job.id, job.tflite) };
} catch (err) {
  reply = { ok: false, message: err instanceof Error ? err.message : String(err) };
}
parentPort?.postMessage(reply);
