// Messages between the all-pairs similarity scan and its worker thread.

export interface PairScanInput {
  /** Row-major [n, dim] unit vectors; moved to the worker. */
  matrix: Float32Array;
  n: number;
  dim: number;
  /** Pairs at or above this similarity are collected. */
  floor: number;
  /** When more than maxPairs are collected, the floor rises to this. */
  threshold: number;
  maxPairs: number;
  threads: number;
}

export interface PairList {
  /** Row indices, a[i] < b[i]. */
  a: Int32Array;
  b: Int32Array;
  similarity: Float32Array;
  /** The floor in force at the end: pairs below it may be missing. */
  floor: number;
}

/** Stops the scan after the block in hand; the worker then ends by itself. */
export type ToPairScan = { type: 'cancel' };

export type FromPairScan =
  | { type: 'progress'; done: number; total: number }
  | ({ type: 'done' } & PairList)
  | { type: 'cancelled' }
  | { type: 'error'; message: string };
