// Long-running work (import, embedding, training) is named by a job id the
// caller chooses, so it can show progress and cancel before the call returns.
import { CoreError } from './errors.js';
import type { EventBus } from './events.js';
import type { ImportEmbedding } from '../../contract/types.js';
import type { ProjectStore } from '../../db/project-store.js';
import type { Embedder } from '../ml/embedder.js';

export interface Job {
  id: string;
  kind: string;
  controller: AbortController;
  startedAt: number;
}

export interface JobUpdate {
  phase: string;
  done: number;
  total: number | null;
  etaSeconds?: number | null;
  message?: string;
  embedding?: ImportEmbedding;
}

/** Where a job's work finds the open project and the warm backbones. */
export interface JobResources {
  store(): ProjectStore;
  embedder(backbone: string): Promise<Embedder>;
}

/** What a job's work is handed: the job itself, the project, an embedder by backbone, its progress and its cancel signal, and nothing else of the core. */
export interface JobContext extends Job {
  /** The open project (a job that needs none never reads it). */
  readonly store: ProjectStore;
  readonly signal: AbortSignal;
  embedder(backbone: string): Promise<Embedder>;
  progress(p: JobUpdate): void;
}

export class Jobs {
  private readonly running = new Map<string, Job>();
  private readonly watchers = new Set<() => void>();

  constructor(
    private readonly events: EventBus,
    private readonly resources: JobResources,
  ) {}

  start(id: string, kind: string, opts: { exclusive?: string } = {}): Job {
    if (this.running.has(id)) throw new CoreError(`A job called ${id} is already running.`);
    if (opts.exclusive && [...this.running.values()].some((j) => j.kind === kind)) throw new CoreError(opts.exclusive);
    const job: Job = { id, kind, controller: new AbortController(), startedAt: Date.now() };
    this.running.set(id, job);
    for (const w of this.watchers) w();
    return job;
  }

  /** Runs `fn` as job `id` with its context, ending the job however it finishes. */
  async run<T>(id: string, kind: string, fn: (ctx: JobContext) => Promise<T>, opts: { exclusive?: string } = {}): Promise<T> {
    const job = this.start(id, kind, opts);
    try {
      return await fn(this.context(job));
    } finally {
      this.end(id);
    }
  }

  context(job: Job): JobContext {
    const { resources } = this;
    return {
      ...job,
      get store() {
        return resources.store();
      },
      signal: job.controller.signal,
      embedder: (backbone) => resources.embedder(backbone),
      progress: (p) => this.progress(job, p),
    };
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

  progress(job: Job, p: JobUpdate): void {
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
