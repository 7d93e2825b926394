// Messages between the head trainer (main thread) and its worker.
import type { BackendName } from './tf-backend.js';
import type { EpochStats } from '../../contract/types.js';
import type { HeadTrainInput, HeadTrainResult } from './train-head.js';

export interface TrainWorkerData {
  backend?: BackendName;
  /**
   * Int32 flags: [STOP_FLAG] 1 asks the worker to stop between two steps;
   * a refit's [REFIT_TARGET] chosen epoch count (0 until known) and
   * [REFIT_FLOOR] the choosing training's best epoch so far.
   */
  control: SharedArrayBuffer;
}

/**
 * 'stop' (with the flag) ends the worker from within: terminating a thread
 * in the middle of a native tfjs-node kernel could abort the process.
 */
export type ToTrainWorker = { type: 'train'; input: HeadTrainInput; refit: boolean } | { type: 'stop' };

export const STOP_FLAG = 0;
export const REFIT_TARGET = 1;
export const REFIT_FLOOR = 2;
export const CONTROL_SLOTS = 3;

export type FromTrainWorker =
  | { type: 'ready'; backend: BackendName }
  | { type: 'epoch'; stats: EpochStats; bestEpoch: number }
  | { type: 'done'; result: HeadTrainResult; backend: BackendName }
  | { type: 'error'; message: string };
