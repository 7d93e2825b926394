// Paces progress reports: at most one per interval, each with an ETA taken
// from the rate over the last few seconds (early files, or a slow disk a
// minute ago, should not skew the estimate).

const INTERVAL_MS = 100;
const WINDOW_MS = 10_000;

interface Sample {
  at: number;
  done: number;
}

export class ProgressPacer {
  private lastEmit = -Infinity;
  private readonly samples: Sample[];

  constructor(start: number) {
    this.samples = [{ at: start, done: 0 }];
  }

  /** Returns null while throttled, else the ETA in seconds (itself null when unknown). */
  tick(now: number, done: number, total: number | null, force = false): { etaSeconds: number | null } | null {
    if (!force && now - this.lastEmit < INTERVAL_MS) return null;
    this.lastEmit = now;
    this.samples.push({ at: now, done });
    while (this.samples.length > 2 && now - this.samples[1]!.at >= WINDOW_MS) this.samples.shift();
    return { etaSeconds: this.eta(now, done, total) };
  }

  private eta(now: number, done: number, total: number | null): number | null {
    if (total === null) return null;
    if (done >= total) return 0;
    const first = this.samples[0]!;
    const seconds = (now - first.at) / 1000;
    // Under a second of history, or no progress in it, says nothing about the rate.
    if (seconds < 1 || done <= first.done) return null;
    const rate = (done - first.done) / seconds;
    return Math.ceil((total - done) / rate);
  }
}
