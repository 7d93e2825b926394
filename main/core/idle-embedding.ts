// Makes the views an import leaves out while Pancake has nothing else to do:
// the mirror of every image (which predictions average over), then the
// costlier training views (crops, rotations, colour) of labelled images. The
// first model waits for none of them; later trainings learn from them, and
// the live model's guesses use the mirrors as they come. It works in small
// batches, starts only when no job runs, and a job starting, the project
// closing or the app quitting cancels the batch in flight: user work
// always goes first.
import type { ProjectStore } from '../../db/project-store.js';
import { labelledImages, liveImageRows, missingEmbeddings, type EmbeddingKey } from '../../db/ml-queries.js';
import { ensureEmbeddings } from '../ml/embedding-cache.js';
import type { BackgroundViews } from '../../contract/types.js';
import type { EmbedProgress } from '../ml/embedder.js';
import { AUGMENT_LIMIT } from '../ml/train.js';
import { extraTrainingViews, FLIP_VIEW } from '../ml/views.js';
import type { ProjectServices } from './project-services.js';
import { projectBackbone } from '../ml/backbones.js';

/** Images per batch: work that is not a job (Try it on one photo) queues behind at most one batch in the shared embedder. */
const BATCH_IMAGES = 8;
/** Quiet time after the last job or change before work starts. */
const IDLE_DELAY_MS = 1500;

/**
 * The (image, view) pairs still missing, in the order they are worth most,
 * each image's keys side by side: the mirror of labelled images (the next
 * training learns from it and averages over it), the extra views of those
 * that train, then the mirror of the rest.
 */
export function missingBackgroundViews(store: ProjectStore, backbone: string): EmbeddingKey[] {
  const labelled = labelledImages(store);
  const labelledIds = new Set(labelled.map((i) => i.id));
  const learners = labelled.filter((i) => i.split === 'train' || i.split === 'none');
  const extras = learners.length > AUGMENT_LIMIT ? [] : extraTrainingViews();
  const mirror = (imageId: number): EmbeddingKey => ({ imageId, view: FLIP_VIEW });
  return missingEmbeddings(store, backbone, [
    ...labelled.map((img) => mirror(img.id)),
    ...learners.flatMap((img) => extras.map((view) => ({ imageId: img.id, view }))),
    ...liveImageRows(store).filter((r) => !labelledIds.has(r.id)).map((r) => mirror(r.id)),
  ]);
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
  /** Seconds per view made, over the batches finished so far, for the ETA: a mirror costs what one of the costlier views costs. */
  private secondsPerView: number | null = null;
  private announcedLeft: number | null = null;

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

  /** What is left to make, as far as the idle embedder has looked since the last change; null before it has. */
  get left(): BackgroundViews | null {
    if (this.pending === null) return null;
    const keys = this.pending.filter((k) => !this.failed.has(k.imageId));
    return { left: new Set(keys.map((k) => k.imageId)).size, etaSeconds: this.secondsPerView === null ? null : keys.length * this.secondsPerView };
  }

  /** Tells what is left when the count moved: every quiet spell looks again, and an unchanged "nothing left" would make the Train view reload for nothing. */
  private announce(): void {
    const left = this.left;
    if (!left || (left.left === 0 && this.announcedLeft === 0)) return;
    this.announcedLeft = left.left;
    this.core.events.emit({ type: 'background-views', ...left });
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
    this.pending = (this.pending ?? missingBackgroundViews(store, backbone)).filter((k) => !this.failed.has(k.imageId));
    // The front of the list, up to BATCH_IMAGES images: one stage at a time, each image's keys of it together.
    const ids = new Set<number>();
    let end = 0;
    for (; end < this.pending.length; end++) {
      const id = this.pending[end]!.imageId;
      if (!ids.has(id) && ids.size === BATCH_IMAGES) break;
      ids.add(id);
    }
    const batch = this.pending.slice(0, end);
    this.announce();
    if (batch.length === 0) return;
    const controller = new AbortController();
    this.running = controller;
    let more = false;
    let started = false;
    try {
      const embedder = await core.embedders.get(backbone);
      if (controller.signal.aborted || !core.hasProject || core.store !== store) return;
      started = true;
      const batchStarted = performance.now();
      this.tell({ state: 'started', images: ids.size });
      const result = await ensureEmbeddings(store, embedder, batch, {
        signal: controller.signal,
        onProgress: (progress) => this.tell({ state: 'progress', progress }),
      });
      for (const f of result.failed) this.failed.add(f.imageId);
      if (this.pending) this.pending = this.pending.slice(batch.length);
      more = !controller.signal.aborted;
      const perView = (performance.now() - batchStarted) / 1000 / batch.length;
      this.secondsPerView = this.secondsPerView === null ? perView : 0.8 * this.secondsPerView + 0.2 * perView;
      this.announce();
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
