// Messages between the head trainer (main thread) and its worker.
import type { BackendName } from './tf-backend.js';
import type { EpochStats, HeadTrainInput, HeadTrainResult } from './train-head.js';

export interface TrainWorkerData {
  backend?: BackendName;
}

export type ToTrainWorker = { type: 'train'; input: HeadTrainInput };

export type FromTrainWorker =
  | { type: 'ready'; backend: BackendName }
  | { type: 'epoch'; stats: EpochStats }
  | { type: 'done'; result: HeadTrainResult; backend: BackendName }
  | { type: 'error'; message: string };
