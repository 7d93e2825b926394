// Messages between the live model's runner (main thread) and its worker.
import type { LiveAccuracy } from './live-fit.js';

export interface LiveWorkerData {
  /** Int32: the newest run asked for; a run that sees a newer number gives up. */
  latest: SharedArrayBuffer;
}

export type ToLiveWorker =
  /** Each image's plain then mirror vector, `dim` long, image after image. */
  | { type: 'vectors'; ids: Int32Array; dim: number; data: Float32Array }
  /** The project or backbone changed: every vector and warm head is forgotten. */
  | { type: 'reset' }
  | {
      type: 'run';
      gen: number;
      classIds: number[];
      labelled: { ids: Int32Array; labels: Int32Array; validation: Uint8Array; folds: Uint8Array };
      unlabelled: Int32Array;
    }
  | { type: 'stop' };

export type FromLiveWorker =
  | { type: 'guesses'; gen: number; imageIds: Int32Array; classIndex: Int32Array; confidence: Float32Array; trained: number; ms: number }
  | { type: 'accuracy'; gen: number; accuracy: LiveAccuracy | null; ms: number }
  | { type: 'cancelled'; gen: number }
  | { type: 'error'; gen: number; message: string };
