// Embeds an import's images as they arrive: each added image's raster (the
// one decode of its original, before JPEG encoding) goes to the project's
// backbone (the warm embedder's worker threads) under the import's views
// while the import goes on decoding, so that when it finishes the embeddings
// are there. The vectors of an image are saved
// together, in one transaction, once its row exists; an image the import did
// not keep leaves none behind, and one whose vectors did not arrive (cancel,
// missing weights) is embedded later by whoever needs it.
import { putEmbeddings, type StoredEmbedding } from '../../db/ml-queries.js';
import type { ProjectStore } from '../../db/project-store.js';
import { storageProblem } from '../../db/storage-errors.js';
import type { ImportEmbedding } from '../../contract/types.js';
import { BackboneError } from '../ml/backbones.js';
import type { Embedder } from '../ml/embedder.js';
import type { Raw } from '../ml/preprocess.js';
import type { ViewKey } from '../ml/views.js';

/** Images handed to the embedder and not yet answered: enough to keep both of its threads fed, few enough to hold little. */
const IN_FLIGHT = 8;
/** Images whose vectors are written in one transaction. */
const WRITE_EVERY = 32;

const LATER = 'Images will be embedded when a model needs them.';

export class ImportEmbeddings {
  private embedder: Embedder | null = null;
  private readonly ready: Promise<void>;
  private reason: string | null = null;
  private inFlight = 0;
  private roomWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  /** Complete vectors of images whose rows are not saved yet, by SHA-256. */
  private readonly unsaved = new Map<string, Map<ViewKey, Float32Array>>();
  /** Ids of this import's saved images, by SHA-256. */
  private readonly ids = new Map<string, number>();
  private toWrite: StoredEmbedding[] = [];
  private toWriteImages = 0;
  private handed = 0;
  private written = 0;

  constructor(
    private readonly store: ProjectStore,
    embedder: Promise<Embedder>,
    private readonly onChange: () => void,
    /** importViews(): the plain view where an idle embedder makes the mirror later. */
    private readonly views: readonly ViewKey[],
  ) {
    this.ready = embedder.then(
      (e) => void (this.embedder = e),
      (err: unknown) =>
        this.stop(err instanceof BackboneError ? `${err.message} ${LATER}` : `The backbone could not start (${String(err)}). ${LATER}`),
    );
  }

  get progress(): ImportEmbedding {
    if (this.reason !== null) return { state: 'later', reason: this.reason };
    return { state: 'running', backbone: this.embedder?.backbone.id ?? '', done: this.written + this.toWriteImages, total: this.handed };
  }

  /** What the import report says: how many images were embedded, and why not all when some were not. */
  report(added: number): { embedded: number; embeddingNote?: string } {
    const embedded = this.written;
    if (embedded >= added) return { embedded };
    return { embedded, embeddingNote: this.reason ?? `${added - embedded} of the ${added} images were not embedded yet. ${LATER}` };
  }

  /** Starts embedding an image the import decoded; resolves once there is room for it, so decoding never runs far ahead. */
  async add(sha: string, raster: Raw): Promise<void> {
    await this.ready;
    while (this.reason === null && this.inFlight >= IN_FLIGHT) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    const embedder = this.embedder;
    if (this.reason !== null || embedder === null) return;
    this.inFlight++;
    this.handed++;
    const vectors = new Map<ViewKey, Float32Array>();
    embedder
      .run([{ source: { raster }, views: this.views, tag: sha }], 1, { onVector: (_, view, v) => vectors.set(view, v) })
      .then(
        () => {
          if (vectors.size === this.views.length) this.arrived(sha, vectors);
        },
        (err: unknown) => this.stop(`Embedding stopped (${err instanceof Error ? err.message : String(err)}). ${LATER}`),
      )
      .finally(() => {
        this.inFlight--;
        this.roomWaiters.shift()?.();
        if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
        this.onChange();
      });
  }

  /** The import saved these images: their vectors can go in now. */
  saved(rows: readonly { sha256: string; id: number }[]): void {
    for (const { sha256, id } of rows) {
      this.ids.set(sha256, id);
      const vectors = this.unsaved.get(sha256);
      if (vectors) {
        this.unsaved.delete(sha256);
        this.queue(id, vectors);
      }
    }
    this.write();
  }

  /** Waits for the images in flight and writes every vector of a saved image; the rest (images not kept) are dropped. */
  async finish(): Promise<void> {
    await this.ready;
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.write();
    this.unsaved.clear();
  }

  private arrived(sha: string, vectors: Map<ViewKey, Float32Array>): void {
    const id = this.ids.get(sha);
    if (id === undefined) {
      this.unsaved.set(sha, vectors);
      return;
    }
    this.queue(id, vectors);
    if (this.toWriteImages >= WRITE_EVERY) this.write();
  }

  private queue(imageId: number, vectors: Map<ViewKey, Float32Array>): void {
    for (const [view, vector] of vectors) this.toWrite.push({ imageId, view, vector });
    this.toWriteImages++;
  }

  private write(): void {
    if (this.toWrite.length === 0 || this.reason !== null) return;
    try {
      putEmbeddings(this.store, this.embedder!.backbone.id, this.toWrite);
      this.written += this.toWriteImages;
    } catch (err) {
      this.stop(`The embeddings could not be saved (${storageProblem(err) ?? String(err)}). ${LATER}`);
    }
    this.toWrite = [];
    this.toWriteImages = 0;
  }

  private stop(reason: string): void {
    if (this.reason !== null) return;
    this.reason = reason;
    this.unsaved.clear();
    this.toWrite = [];
    this.toWriteImages = 0;
    for (const resolve of this.roomWaiters.splice(0)) resolve();
    this.onChange();
  }
}
