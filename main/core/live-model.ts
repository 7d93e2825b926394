// The live model: a draft head that retrains in the background on the
// cached plain and mirror vectors after every change of labels, images or
// classes, so the grid can show guesses without anyone pressing Train. An
// image needs only its plain vector to take part (an import in the app
// embeds no other); until the idle embedder has made its mirror, the plain
// vector stands in for it.
// Changes are debounced; at most one run goes at a time, and a newer change
// makes the running one give up. Saved versions still come from Train,
// which the draft makes way for: while a training runs, the draft's runs
// (a k-fold measurement costs seconds of a core) wait, and run once it ends.
import type { LiveAccuracyPoint, LiveGuesses, LiveModelStatus } from '../../contract/types.js';
import type { ProjectStore } from '../../db/project-store.js';
import { liveImageRows } from '../../db/ml-queries.js';
import { ensureEmbeddings } from '../ml/embedding-cache.js';
import { foldOf } from '../ml/live-fit.js';
import { LiveTrainer } from '../ml/live-trainer.js';
import { loadVectors } from '../ml/vectors-by-image.js';
import { FLIP_VIEW, PLAIN_VIEW } from '../ml/views.js';
import type { ProjectServices } from './project-services.js';
import { projectBackbone } from '../ml/backbones.js';

/** The job id of the background embedding of images the draft lacks vectors for. */
export const LIVE_EMBED_JOB = 'live-embed';
export const LIVE_DEBOUNCE_MS = 250;
/** While changes keep coming (an import adding images), a run still starts this often. */
const LIVE_MAX_WAIT_MS = 2000;
const HISTORY_KEPT = 500;
const VECTORS_PER_MESSAGE = 500;

const offStatus = (): LiveModelStatus => ({
  state: 'off',
  message: null,
  guessesRun: 0,
  labelled: 0,
  classes: 0,
  unembedded: 0,
  accuracy: null,
  measuring: false,
  fitMs: null,
  history: [],
  embedding: null,
});

export class LiveModel {
  private trainer: LiveTrainer | null = null;
  private timer: NodeJS.Timeout | null = null;
  private firstPending: number | null = null;
  private loop: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private key = '';
  private current: LiveModelStatus = offStatus();
  private guesses: LiveGuesses = { imageIds: [], classIds: [], confidences: [] };
  private guessIndex: Map<number, number> | null = null;
  private history: LiveAccuracyPoint[] = [];
  private filling: { controller: AbortController; done: Promise<void> } | null = null;
  /** Images the worker holds with the plain vector standing in for the mirror. */
  private readonly mirrorless = new Set<number>();
  /** The idle embedder made mirrors since the last run: those stand-ins are replaced at the next. */
  private mirrorsMade = false;
  /** Images whose vectors could not be made, or whose embedding the user cancelled: not tried again this session. */
  private readonly noVectors = new Set<number>();
  private fillCancelled = false;
  /** A training job runs: the draft waits for it. */
  private yielding = false;
  /** Runs that ended with their accuracy, and runs a newer change stopped. */
  readonly runs = { finished: 0, cancelled: 0 };

  constructor(
    private readonly core: ProjectServices,
    private readonly debounceMs = LIVE_DEBOUNCE_MS,
  ) {}

  /** Retrains on every change of the project from now on. */
  start(): void {
    this.core.events.subscribe((e) => {
      // New images only add to what the running fit knows; a label, class or project change makes it wrong.
      if (e.type === 'project-changed') this.changed({ stopRun: e.what !== 'images' && e.what !== 'versions' });
    });
    this.core.jobs.watch(() => {
      const training = this.core.jobs.anyOf('train');
      if (training === this.yielding) return;
      this.yielding = training;
      if (training) this.trainer?.cancel();
      else this.changed();
    });
    this.changed();
  }

  status(): LiveModelStatus {
    return this.current;
  }

  guessesNow(): LiveGuesses {
    return this.guesses;
  }

  /** The draft's guess for an unlabelled image, or null. */
  guessFor(imageId: number): number | null {
    this.guessIndex ??= new Map(this.guesses.imageIds.map((id, i) => [id, this.guesses.classIds[i]!]));
    return this.guessIndex.get(imageId) ?? null;
  }

  /** Something changed: retrain once changes pause (or every LIVE_MAX_WAIT_MS while they go on); with stopRun, a run in progress gives up. */
  changed(opts: { stopRun?: boolean } = { stopRun: true }): void {
    if (this.stopped) return;
    if (opts.stopRun) this.trainer?.cancel();
    const now = performance.now();
    this.firstPending ??= now;
    if (this.timer) clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.debounceMs, this.firstPending + Math.max(LIVE_MAX_WAIT_MS, this.debounceMs) - now));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.firstPending = null;
      this.kick();
    }, wait);
    this.timer.unref();
  }

  /** Resolves once no change is waiting, no run is going and no missing vectors are being made. */
  async settled(): Promise<void> {
    while (this.timer || this.loop || this.filling) {
      if (this.loop) await this.loop;
      else if (this.filling) await this.filling.done;
      else await new Promise((r) => setTimeout(r, this.debounceMs));
    }
  }

  cancelJob(jobId: string): boolean {
    if (jobId !== LIVE_EMBED_JOB || !this.filling) return false;
    this.fillCancelled = true;
    this.filling.controller.abort();
    return true;
  }

  /** Before the open project closes: its background work stops and its guesses go. */
  projectClosing(): void {
    this.filling?.controller.abort();
    this.trainer?.reset();
    this.key = '';
    this.noVectors.clear();
    this.fillCancelled = false;
    this.history = [];
    this.setGuesses({ imageIds: [], classIds: [], confidences: [] });
  }

  dispose(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.filling?.controller.abort();
    this.trainer?.dispose();
    this.trainer = null;
  }

  private kick(): void {
    if (this.yielding) return;
    if (this.loop) {
      this.again = true;
      return;
    }
    this.loop = (async () => {
      do {
        this.again = false;
        try {
          await this.runOnce();
        } catch (err) {
          this.publish({ state: 'waiting', message: `The live model stopped: ${err instanceof Error ? err.message : String(err)}` });
        }
      } while (this.again && !this.stopped && !this.yielding);
    })().finally(() => {
      this.loop = null;
    });
  }

  private publish(changes: Partial<LiveModelStatus>): void {
    this.current = { ...this.current, ...changes, history: this.history };
    this.core.events.emit({ type: 'live-model', status: this.current });
  }

  private setGuesses(guesses: LiveGuesses): void {
    this.guesses = guesses;
    this.guessIndex = null;
  }

  private clearGuesses(): void {
    this.setGuesses({ imageIds: [], classIds: [], confidences: [] });
    this.current = { ...this.current, guessesRun: this.current.guessesRun + 1 };
  }

  private async runOnce(): Promise<void> {
    if (!this.core.hasProject) {
      this.clearGuesses();
      this.publish({ ...offStatus(), guessesRun: this.current.guessesRun });
      return;
    }
    const store = this.core.store;
    const backbone = projectBackbone(this.core.store);
    const trainer = (this.trainer ??= new LiveTrainer());
    const key = `${store.file}\n${backbone}`;
    if (key !== this.key) {
      trainer.reset();
      this.mirrorless.clear();
      this.key = key;
      this.history = [];
      this.clearGuesses();
    }

    const rows = liveImageRows(store);
    const need = rows.filter((r) => !trainer.has(r.id)).map((r) => r.id);
    if (this.mirrorsMade) {
      this.mirrorsMade = false;
      need.push(...rows.filter((r) => this.mirrorless.has(r.id)).map((r) => r.id));
    }
    // A slice at a time, each handed over before the next is read: the main thread never holds or copies a big project's vectors at once.
    for (let i = 0; i < need.length; i += VECTORS_PER_MESSAGE) {
      const index = await loadVectors(store, backbone, need.slice(i, i + VECTORS_PER_MESSAGE), [PLAIN_VIEW, FLIP_VIEW]);
      if (!this.core.hasProject || this.core.store !== store || this.key !== key) return;
      const ids: number[] = [];
      const views: [Float32Array, Float32Array][] = [];
      for (const [id, byView] of index) {
        const plain = byView.get(PLAIN_VIEW);
        if (!plain) continue;
        const mirror = byView.get(FLIP_VIEW);
        // A stand-in resent unchanged would cost the worker a copy for nothing.
        if (!mirror && this.mirrorless.has(id)) continue;
        if (mirror) this.mirrorless.delete(id);
        else this.mirrorless.add(id);
        ids.push(id);
        views.push([plain, mirror ?? plain]);
      }
      trainer.addVectors(ids, views);
    }
    const unembedded = rows.filter((r) => !trainer.has(r.id)).map((r) => r.id);
    this.fillMissing(store, backbone, unembedded);

    const classOrder = store.classes().map((c) => c.id);
    const known = new Set(classOrder);
    const labelled = rows.filter(
      (img): img is typeof img & { classId: number } => img.classId !== null && known.has(img.classId) && img.split !== 'test' && trainer.has(img.id),
    );
    const trainedClasses = new Set(labelled.filter((img) => img.split !== 'validation').map((img) => img.classId));
    const classIds = classOrder.filter((id) => trainedClasses.has(id));
    if (classIds.length < 2) {
      this.clearGuesses();
      this.publish({
        state: 'waiting',
        message:
          unembedded.length > 0
            ? `The draft starts once two classes have labelled images with embeddings (${unembedded.length.toLocaleString('en')} still to embed).`
            : 'Label images in two classes and a draft model starts guessing the rest.',
        labelled: labelled.length,
        classes: classIds.length,
        unembedded: unembedded.length,
        accuracy: null,
        measuring: false,
      });
      return;
    }
    const outputOf = new Map(classIds.map((id, i) => [id, i]));
    const inHead = labelled.filter((img) => outputOf.has(img.classId));
    const unlabelled = rows.filter((r) => r.classId === null && trainer.has(r.id)).map((r) => r.id);
    const running = trainer.run(
      {
        classIds,
        labelled: {
          ids: Int32Array.from(inHead, (img) => img.id),
          labels: Int32Array.from(inHead, (img) => outputOf.get(img.classId)!),
          validation: Uint8Array.from(inHead, (img) => (img.split === 'validation' ? 1 : 0)),
          folds: Uint8Array.from(inHead, (img) => foldOf(img.sha256)),
        },
        unlabelled: Int32Array.from(unlabelled),
      },
      {
        onGuesses: (g, info) => {
          this.setGuesses({
            imageIds: Array.from(g.imageIds),
            classIds: Array.from(g.classIndex, (c) => classIds[c]!),
            confidences: Array.from(g.confidence, (p) => Math.round(p * 1000) / 1000),
          });
          this.publish({
            state: 'ready',
            guessesRun: this.current.guessesRun + 1,
            labelled: info.trained,
            classes: classIds.length,
            fitMs: Math.round(info.ms),
            measuring: true,
          });
        },
        onAccuracy: (accuracy) => {
          if (accuracy) {
            this.history.push({ at: Date.now(), labelled: inHead.length, accuracy: accuracy.accuracy });
            if (this.history.length > HISTORY_KEPT) this.history.splice(0, this.history.length - HISTORY_KEPT);
          }
          this.publish({ accuracy, measuring: false });
        },
      },
    );
    // Said once the run is under way, so a change heard now already stops it.
    this.publish({ state: 'training', message: null, unembedded: unembedded.length });
    // A cancelled run was overtaken by a change, whose own timer starts the next one.
    if ((await running) === 'cancelled') this.runs.cancelled++;
    else this.runs.finished++;
  }

  /** Images taking part with their plain vector standing in for the mirror. */
  get standIns(): number {
    return this.mirrorless.size;
  }

  /**
   * Tells the draft that the idle embedder stored mirrors. It does not
   * retrain for them (the mirrors of a big project come a few at a time);
   * the next run, which any change starts, learns from them.
   */
  mirrorsAdded(): void {
    if (this.mirrorless.size > 0) this.mirrorsMade = true;
  }

  /** Computes the plain vectors of images that lack them, while no other job runs. */
  private fillMissing(store: ProjectStore, backbone: string, ids: readonly number[]): void {
    const todo = ids.filter((id) => !this.noVectors.has(id));
    if (todo.length === 0 || this.filling || this.fillCancelled || this.core.jobs.any() || store.readOnly) return;
    const controller = new AbortController();
    const wanted = todo.map((imageId) => ({ imageId, view: PLAIN_VIEW }));
    const done = (async () => {
      const embedder = await this.core.embedders.get(backbone);
      const result = await ensureEmbeddings(store, embedder, wanted, {
        signal: controller.signal,
        onProgress: (p) => {
          const embedding = { jobId: LIVE_EMBED_JOB, done: p.done, total: todo.length, etaSeconds: p.etaSeconds };
          this.publish({ embedding });
          this.core.events.emit({
            type: 'progress',
            jobId: LIVE_EMBED_JOB,
            kind: 'live-embed',
            phase: 'Embedding images for the live model',
            done: embedding.done,
            total: embedding.total,
            etaSeconds: p.etaSeconds,
          });
        },
      });
      for (const f of result.failed) this.noVectors.add(f.imageId);
    })()
      .catch(() => {
        // Missing weights or a closed project: the draft works with what it has, and says how many lack vectors.
        if (!controller.signal.aborted) for (const id of todo) this.noVectors.add(id);
      })
      .finally(() => {
        if (this.filling?.controller === controller) this.filling = null;
        this.publish({ embedding: null });
        this.changed();
      });
    this.filling = { controller, done };
  }
}
