// The process's resident memory (all threads, native allocations included),
// sampled on a timer: the peak of a run is what a user's machine must have.

export interface RssSampler {
  /** Stops sampling (once; later calls give the same answer): the highest resident memory seen, in MB, and every sample. */
  stop(): { peakMb: number; samples: { atMs: number; mb: number }[] };
}

const mb = (bytes: number) => bytes / 1e6;

export function startRssSampler(everyMs = 50): RssSampler {
  const started = performance.now();
  const samples: { atMs: number; mb: number }[] = [];
  const sample = () => samples.push({ atMs: performance.now() - started, mb: mb(process.memoryUsage.rss()) });
  sample();
  const timer = setInterval(sample, everyMs);
  let result: ReturnType<RssSampler['stop']> | null = null;
  return {
    stop() {
      if (!result) {
        clearInterval(timer);
        sample();
        result = { peakMb: Math.max(...samples.map((s) => s.mb)), samples };
      }
      return result;
    },
  };
}
