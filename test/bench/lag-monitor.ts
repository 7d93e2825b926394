// Main-thread event-loop lag while some work runs: what a user feels as a
// frozen window. A fresh histogram per measurement, because re-enabling one
// would count the time it was off as lag.
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface Lag {
  p99Ms: number;
  maxMs: number;
}

export async function measureLag<T>(work: () => Promise<T>): Promise<{ result: T; lag: Lag }> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  try {
    const result = await work();
    histogram.disable();
    return { result, lag: { p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6 } };
  } finally {
    histogram.disable();
  }
}
