// Long-running work (import, embedding, training) is named by a job id the
// caller chooses, so it can show progress and cancel before the call returns.
import type { EventBus } from './events.js';
import type { ImportEmbedding } from '../api/types.js';

export class CoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CoreError';
  }
}

export interface Job {
  id: string;
  kind: string;
  controller: AbortController;
  startedAt: number;
}

export class Jobs {
  private readonly running = new Map<string, Job>();
  private readonly watchers = new Set<() => void>();

  constructor(private readonly events: EventBus) {}

  start(id: string, kind: string, opts: { exclusive?: string } = {}): Job {
    if (this.running.has(id)) throw new CoreError(`A job called ${id} is already running.`);
    if (opts.exclusive && [...this.running.values()].some((j) => j.kind === kind)) throw new CoreError(opts.exclusive);
    const job: Job = { id, kind, controller: new AbortController(), startedAt: Date.now() };
    this.running.set(id, job);
    for (const w of this.watchers) w();
    return job;
  }

  /** Runs `fn` as job `id`, ending the job however it finishes. */
  async run<T>(id: string, kind: string, fn: (job: Job) => Promise<T>, opts: { exclusive?: string } = {}): Promise<T> {
    const job = this.start(id, kind, opts);
    try {
      return await fn(job);
    } finally {
      this.end(id);
    }
  }

  get(id: string): Job | undefined {
    return this.running.get(id);
  }

  end(id: string): void {
    if (this.running.delete(id)) for (const w of this.watchers) w();
  }

  /** Calls `fn` whenever a job starts or ends; returns the way to stop. */
  watch(fn: () => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  cancel(id: string): boolean {
    const job = this.running.get(id);
    if (!job) return false;
    job.controller.abort();
    return true;
  }

  cancelAll(): void {
    for (const job of this.running.values()) job.controller.abort();
  }

  any(): boolean {
    return this.running.size > 0;
  }

  anyOf(kind: string): boolean {
    return [...this.running.values()].some((j) => j.kind === kind);
  }

  progress(
    job: Job,
    p: { phase: string; done: number; total: number | null; etaSeconds?: number | null; message?: string; embedding?: ImportEmbedding },
  ): void {
    this.events.emit({
      type: 'progress',
      jobId: job.id,
      kind: job.kind,
      phase: p.phase,
      done: p.done,
      total: p.total,
      etaSeconds: p.etaSeconds ?? null,
      ...(p.message ? { message: p.message } : {}),
      ...(p.embedding ? { embedding: p.embedding } : {}),
    });
  }
}
