// Messages between the head trainer (main thread) and its worker.
import type { BackendName } from './tf-backend.js';
import type { EpochStats } from '../../contract/types.js';
import type { HeadTrainInput, HeadTrainResult } from './train-head.js';

export interface TrainWorkerData {
  backend?: BackendName;
  /** Int32 flag; 1 asks the worker to stop between two steps. */
  stop: SharedArrayBuffer;
}

/**
 * 'stop' (with the flag) ends the worker from within: terminating a thread
 * in the middle of a native tfjs-node kernel could abort the process.
 */
export type ToTrainWorker = { type: 'train'; input: HeadTrainInput } | { type: 'stop' };

export type FromTrainWorker =
  | { type: 'ready'; backend: BackendName }
  | { type: 'epoch'; stats: EpochStats }
  | { type: 'done'; result: HeadTrainResult; backend: BackendName }
  | { type: 'error'; message: string };
