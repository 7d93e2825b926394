// Main-thread event-loop lag while some work runs: what a user feels as a
// frozen window. A fresh histogram per measurement, because re-enabling one
// would count the time it was off as lag. Beside it, a coarse timer notes
// the longest stalls with what the work was doing then (`doing()`), so a
// bad maximum can be traced to its phase.
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface Stall {
  ms: number;
  during: string;
}

export interface Lag {
  p99Ms: number;
  maxMs: number;
  /** The longest stalls over STALL_MS, longest first. */
  stalls: Stall[];
}

const TICK_MS = 10;
const STALL_MS = 200;
const KEEP_STALLS = 3;

export async function measureLag<T>(work: () => Promise<T>, doing: () => string = () => ''): Promise<{ result: T; lag: Lag }> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  const stalls: Stall[] = [];
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    const ms = now - last - TICK_MS;
    last = now;
    if (ms < STALL_MS) return;
    stalls.push({ ms, during: doing() });
    stalls.sort((a, b) => b.ms - a.ms).splice(KEEP_STALLS);
  }, TICK_MS);
  histogram.enable();
  try {
    const result = await work();
    histogram.disable();
    return { result, lag: { p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6, stalls } };
  } finally {
    histogram.disable();
    clearInterval(ticker);
  }
}
