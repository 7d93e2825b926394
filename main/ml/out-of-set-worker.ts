// Worker thread for the out-of-set rule's leave-one-out distances, so a
// thousand reference images cost the main process no stall and run on the
// other core while the head trains. Plain JS: stopping it is always safe.
import { parentPort, workerData } from 'node:worker_threads';
import { nearestOtherDistances } from './nearest-distances.js';

export interface OutOfSetWorkerData {
  unit: Float32Array;
  n: number;
  dim: number;
  /** Int32 flag; 1 asks the worker to give up. */
  stop: SharedArrayBuffer;
}

const data = workerData as OutOfSetWorkerData;
const stop = new Int32Array(data.stop);
const distances = nearestOtherDistances(data.unit, data.n, data.dim, () => Atomics.load(stop, 0) === 1);
parentPort!.postMessage(distances, distances ? [distances.buffer as ArrayBuffer] : []);
