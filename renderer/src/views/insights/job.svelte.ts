// One long-running insight call (embedding, scanning, checking) with its
// progress events and a Cancel that reaches the core's job.
import { api, isCancelled } from '../../lib/api';
import { listen } from '../../lib/events';

const SHOW_AFTER_MS = 300;

export interface JobState {
  phase: string;
  done: number;
  total: number | null;
  etaSeconds: number | null;
  message: string;
}

export class JobRunner {
  state = $state<JobState | null>(null);
  cancelling = $state(false);
  /** False for the first moments of a job, so quick answers do not flash a progress bar. */
  showing = $state(false);
  private jobId: string | null = null;
  private showTimer: ReturnType<typeof setTimeout> | null = null;

  constructor() {
    listen((event) => {
      if (event.type !== 'progress' || event.jobId !== this.jobId || !this.state) return;
      this.showing = true;
      this.state = {
        phase: event.phase,
        done: event.done,
        total: event.total,
        etaSeconds: event.etaSeconds,
        message: event.message ?? '',
      };
    });
  }

  get running(): boolean {
    return this.state !== null;
  }

  /** Runs `call` under a fresh job id; resolves to null when the job was cancelled. */
  async run<T>(call: (jobId: string) => Promise<T>): Promise<T | null> {
    const jobId = crypto.randomUUID();
    this.jobId = jobId;
    this.cancelling = false;
    this.state = { phase: 'starting', done: 0, total: null, etaSeconds: null, message: '' };
    this.showing = false;
    this.showTimer = setTimeout(() => (this.showing = true), SHOW_AFTER_MS);
    try {
      return await call(jobId);
    } catch (err) {
      if (isCancelled(err)) return null;
      throw err;
    } finally {
      if (this.jobId === jobId) {
        this.state = null;
        this.jobId = null;
        this.showing = false;
        if (this.showTimer) clearTimeout(this.showTimer);
      }
    }
  }

  cancel(): void {
    if (!this.jobId || this.cancelling) return;
    this.cancelling = true;
    void api.cancelJob({ jobId: this.jobId }).catch(() => undefined);
  }
}
