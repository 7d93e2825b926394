// Makes the costlier training views (crops, rotations, colour) of labelled
// images while Pancake has nothing else to do, so the first model never
// waits for them and later trainings learn from them. It works in small
// batches, starts only when no job runs, and a job starting, the project
// closing or the app quitting cancels the batch in flight: user work
// always goes first.
import type { ProjectStore } from '../../db/project-store.js';
import { labelledImages, missingEmbeddings, type EmbeddingKey } from '../../db/ml-queries.js';
import { ensureEmbeddings } from '../ml/embedding-cache.js';
import type { EmbedProgress } from '../ml/embedder.js';
import { AUGMENT_LIMIT } from '../ml/train.js';
import { extraTrainingViews } from '../ml/views.js';
import type { ProjectServices } from './project-services.js';
import { projectBackbone } from '../ml/backbones.js';

/** Images per batch: work that is not a job (Try it on one photo) queues behind at most one batch in the shared embedder. */
const BATCH_IMAGES = 8;
/** Quiet time after the last job or change before work starts. */
const IDLE_DELAY_MS = 1500;

/** The (image, view) pairs still missing: extra views of labelled images that train, in id order. */
export function missingExtraViews(store: ProjectStore, backbone: string): EmbeddingKey[] {
  const learners = labelledImages(store).filter((i) => i.split === 'train' || i.split === 'none');
  if (learners.length > AUGMENT_LIMIT) return [];
  const views = extraTrainingViews();
  return missingEmbeddings(store, backbone, learners.flatMap((img) => views.map((view) => ({ imageId: img.id, view }))));
}

/** What a batch is doing, for whoever shows or measures the background work. */
export type IdleBatchEvent =
  | { state: 'started'; images: number }
  | { state: 'progress'; progress: EmbedProgress }
  | { state: 'ended'; outcome: 'done' | 'cancelled' | 'failed' };

export class IdleEmbedding {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: AbortController | null = null;
  private stopped = false;
  /** Images that failed in this session, so they are not retried in a loop. */
  private readonly failed = new Set<number>();
  /** What is still missing, worked through a batch at a time; found again after any change to the project. */
  private pending: EmbeddingKey[] | null = null;
  private readonly unsubscribe: () => void;
  private readonly unwatchJobs: () => void;
  private readonly watchers = new Set<(event: IdleBatchEvent) => void>();

  constructor(private readonly core: ProjectServices) {
    this.unsubscribe = core.events.subscribe((event) => {
      if (event.type === 'project-changed') {
        if (event.what === 'project') {
          this.running?.abort();
          this.failed.clear();
        }
        this.pending = null;
        this.schedule();
      }
    });
    this.unwatchJobs = core.jobs.watch(() => {
      if (core.jobs.any()) this.running?.abort();
      this.schedule();
    });
  }

  /** Calls `fn` as batches start, progress and end; returns the way to stop. */
  watch(fn: (event: IdleBatchEvent) => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  private tell(event: IdleBatchEvent): void {
    for (const w of this.watchers) w(event);
  }

  /** Waits out a quiet spell, then works a batch at a time. */
  schedule(delay = IDLE_DELAY_MS): void {
    if (this.stopped || this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.batch();
    }, delay);
    this.timer.unref();
  }

  private async batch(): Promise<void> {
    const core = this.core;
    if (this.stopped || this.running || core.jobs.any() || !core.hasProject || core.store.readOnly) return;
    const store = core.store;
    const backbone = projectBackbone(core.store);
    this.pending ??= missingExtraViews(store, backbone);
    const keys = this.pending.filter((k) => !this.failed.has(k.imageId));
    if (keys.length === 0) return;
    const ids = new Set([...new Set(keys.map((k) => k.imageId))].slice(0, BATCH_IMAGES));
    const batch = keys.filter((k) => ids.has(k.imageId));
    const controller = new AbortController();
    this.running = controller;
    let more = false;
    let started = false;
    try {
      const embedder = await core.embedders.get(backbone);
      if (controller.signal.aborted || !core.hasProject || core.store !== store) return;
      started = true;
      this.tell({ state: 'started', images: ids.size });
      const result = await ensureEmbeddings(store, embedder, batch, {
        signal: controller.signal,
        onProgress: (progress) => this.tell({ state: 'progress', progress }),
      });
      for (const f of result.failed) this.failed.add(f.imageId);
      if (this.pending) this.pending = this.pending.filter((k) => !ids.has(k.imageId));
      more = !controller.signal.aborted;
    } catch {
      // Cancelled (the job or change that cancelled it schedules the next
      // quiet spell), or the weights are missing (the next change retries).
    } finally {
      this.running = null;
      if (started) this.tell({ state: 'ended', outcome: controller.signal.aborted ? 'cancelled' : more ? 'done' : 'failed' });
    }
    if (more) this.schedule(0);
  }

  /** Cancels the batch in flight, before the project it writes to closes. */
  pause(): void {
    this.running?.abort();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.running?.abort();
    this.unsubscribe();
    this.unwatchJobs();
  }
}
