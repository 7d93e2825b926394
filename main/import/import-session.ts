// One import into a project, fed file by file by either transport (paths on
// this machine, or bytes sent by the renderer). Files are decoded two at a
// time, deduplicated by SHA-256 and saved in batches; callers are held back
// while the queue is full, so memory does not grow with the number of files.
// Given an ImportEmbeddings, each added image is embedded as it arrives, from
// the same decode that made its copy and thumbnail.
// importPaths() drives a session from files and folders on disk.
import { webcrypto } from 'node:crypto';
import path from 'node:path';
import { classNameOrder, type NewImage, type ProjectStore } from '../../db/project-store.js';
import type { ImportEmbedding, ImportIssue, ImportReport, SplitCounts } from '../../contract/types.js';
import { decodeImage } from './decode.js';
import type { ImportEmbeddings } from './import-embeddings.js';
import { folderClassName, placementOf, type Placement } from './layout.js';
import { ProgressPacer } from './progress.js';
import { MAX_FILE_BYTES, readImageFile, tooLargeReason } from './read-file.js';
import { ImportSkipError } from './skip-error.js';
import { walkFiles } from './walk.js';
import { storageProblem, StorageError } from '../../db/storage-errors.js';

export interface ImportProgress {
  done: number;
  total: number | null;
  etaSeconds: number | null;
  added: number;
  skipped: number;
  duplicates: number;
  /** Present when the session embeds as it imports. */
  embedding?: ImportEmbedding;
}

export interface ImportSessionOptions {
  onProgress(progress: ImportProgress): void;
  signal?: AbortSignal;
  /** How many files the caller means to add, when known (for the ETA). */
  expected?: number;
  /** Embeds the added images as they arrive; made with this session's emitProgress as its onChange. */
  embeddings?: (onChange: () => void) => ImportEmbeddings;
}

/** Two decodes keep both cores busy; more would only queue inside libvips. */
const CONCURRENCY = 2;
/** Files accepted but not yet started. Each may hold a whole file's bytes. */
const MAX_WAITING = 4;
/** Images per store transaction: few enough that a cancel loses nothing, many enough to amortise the commit. */
const BATCH_SIZE = 50;
/** A batch also holds each image's original file, so it is saved early once those add up to this many bytes. */
const BATCH_BYTES = 64 * 1024 * 1024;

/** `seq`: the order the file was handed over in, which the decodes finishing in any order must not change. */
type Task = ({ relPath: string; bytes: Buffer } | { relPath: string; absPath: string }) & { seq: number };

interface Decoded {
  seq: number;
  relPath: string;
  image: Omit<NewImage, 'classId' | 'importId'>;
  className: string | null;
}

/** The first file seen with some content; `outcome` settles to null once it decoded, or to the reason it was skipped. */
interface FirstCopy {
  file: string;
  outcome: Promise<string | null>;
}

type State = 'open' | 'cancelled' | 'failed';

const reasonOf = (err: unknown): string =>
  err instanceof ImportSkipError ? err.reason : `could not be imported (${err instanceof Error ? err.message : String(err)})`;

async function sha256(bytes: Buffer): Promise<string> {
  // WebCrypto hashes on the thread pool, so a 100 MB file does not stall the main process.
  return Buffer.from(await webcrypto.subtle.digest('SHA-256', bytes)).toString('hex');
}

export class ImportSession {
  readonly importId: number;
  private readonly startedAt = Date.now();
  private readonly started = performance.now();
  private readonly pacer: ProgressPacer;
  private total: number | null;
  private state: State = 'open';
  private failure: Error | null = null;
  private finishing: Promise<ImportReport> | null = null;

  private readonly waiting: Task[] = [];
  private running = 0;
  private roomWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];

  private batch: Decoded[] = [];
  private handedOver = 0;
  private batchBytes = 0;
  private originalsBytes = 0;
  private readonly firstCopies = new Map<string, FirstCopy>();
  private done = 0;
  private decoded = 0;
  private added = 0;
  private readonly duplicates: ImportIssue[] = [];
  private readonly skipped: ImportIssue[] = [];
  private readonly classesCreated: { id: number; name: string }[] = [];
  /** Unlabelled images already in the project that this import found again inside a class folder. */
  private unlabelledCopies: { id: number; className: string }[] = [];
  /** Per class name, how many of them took the class. */
  private readonly copiesLabelled = new Map<string, number>();
  /** Dropped folders that hold class folders, and images lying right inside dropped folders. */
  private readonly rootsWithClasses = new Set<string>();
  private readonly looseInRoot = new Map<string, string[]>();
  private readonly looseCopiesInRoot = new Map<string, number[]>();
  private readonly bySplit: SplitCounts = { train: 0, validation: 0, test: 0, none: 0 };
  private readonly onAbort = () => this.cancel();
  private readonly embeddings: ImportEmbeddings | null;

  constructor(
    private readonly store: ProjectStore,
    private readonly opts: ImportSessionOptions,
  ) {
    this.importId = store.beginImport();
    this.embeddings = opts.embeddings?.(() => this.emit()) ?? null;
    this.total = opts.expected ?? null;
    this.pacer = new ProgressPacer(this.started);
    if (opts.signal?.aborted) this.cancel();
    else opts.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** True once cancelled or failed: further files are ignored. */
  get stopped(): boolean {
    return this.state !== 'open';
  }

  /** Sets the expected number of files once it becomes known. */
  setExpected(total: number): void {
    if (this.finishing) return;
    this.total = total;
    this.emit();
  }

  /** Resolves once the file is queued; waits while the queue is full. */
  addFile(relPath: string, bytes: Buffer): Promise<void> {
    return this.enqueue({ relPath, bytes, seq: this.handedOver++ });
  }

  /** Like addFile, but the file is read only when its turn comes. */
  addPath(absPath: string, relPath: string): Promise<void> {
    return this.enqueue({ relPath, absPath, seq: this.handedOver++ });
  }

  /** Records a file the caller could not even hand over (e.g. an unreadable folder). */
  skip(relPath: string, reason: string): void {
    if (this.finishing || this.stopped) return;
    this.skipped.push({ file: relPath, reason });
    this.done++;
    this.emit();
  }

  /** Stops taking and starting files. Files already being decoded are still saved, by finish(). */
  cancel(): void {
    if (this.state !== 'open') return;
    this.state = 'cancelled';
    this.stopAccepting();
    this.emit(true);
  }

  /** Waits for the files in hand, saves them and records the report. Safe to call more than once. */
  finish(): Promise<ImportReport> {
    this.finishing ??= this.complete();
    return this.finishing;
  }

  private async enqueue(task: Task): Promise<void> {
    if (this.finishing) throw new Error('This import has already finished; start a new one.');
    while (this.state === 'open' && this.waiting.length >= MAX_WAITING) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
    if (this.state !== 'open') return;
    this.waiting.push(task);
    this.pump();
  }

  private stopAccepting(): void {
    this.waiting.length = 0;
    for (const resolve of this.roomWaiters.splice(0)) resolve();
    this.settleIfIdle();
  }

  private pump(): void {
    while (this.running < CONCURRENCY && this.waiting.length > 0) {
      const task = this.waiting.shift()!;
      this.running++;
      this.roomWaiters.shift()?.();
      void this.run(task)
        .catch((err: unknown) => this.fail(err))
        .finally(() => {
          this.running--;
          this.pump();
          this.settleIfIdle();
        });
    }
  }

  private settleIfIdle(): void {
    if (this.running === 0 && this.waiting.length === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private idle(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async run(task: Task): Promise<void> {
    try {
      await this.process(task);
    } catch (err) {
      this.skipped.push({ file: task.relPath, reason: reasonOf(err) });
    }
    this.done++;
    if (this.batch.length >= BATCH_SIZE || this.batchBytes >= BATCH_BYTES) this.flush();
    this.emit();
  }

  private async process(task: Task): Promise<void> {
    const placement = placementOf(task.relPath);
    if (placement === null) return;
    const bytes = 'bytes' in task ? task.bytes : await readImageFile(task.absPath);
    if (bytes.length > MAX_FILE_BYTES) throw new ImportSkipError(tooLargeReason(bytes.length));
    const sha = await sha256(bytes);

    const first = this.firstCopies.get(sha);
    if (first) {
      const reason = await first.outcome;
      if (reason !== null) throw new ImportSkipError(reason);
      this.duplicates.push({ file: task.relPath, reason: `same bytes as ${first.file}, imported once` });
      return;
    }
    const existing = this.store.findBySha(sha);
    if (existing) {
      this.duplicates.push({ file: task.relPath, reason: `already in the project as ${existing.fileName}` });
      if (existing.classId === null) this.noteUnlabelledCopy(task.relPath, placement, existing.id);
      return;
    }

    this.noteRoot(task.relPath, placement, sha);
    let settle!: (reason: string | null) => void;
    this.firstCopies.set(sha, { file: task.relPath, outcome: new Promise((resolve) => (settle = resolve)) });
    const fileName = path.posix.basename(task.relPath);
    try {
      const image = await decodeImage(bytes, fileName);
      this.batch.push({
        seq: task.seq,
        relPath: task.relPath,
        className: placement.className,
        image: {
          sha256: sha,
          fileName,
          sourcePath: 'absPath' in task ? task.absPath : task.relPath,
          width: image.width,
          height: image.height,
          format: image.format,
          byteSize: bytes.length,
          split: placement.split,
          normalized: image.normalized,
          normalizedWidth: image.normalizedWidth,
          normalizedHeight: image.normalizedHeight,
          thumbnail: image.thumbnail,
          original: bytes,
        },
      });
      this.batchBytes += bytes.length;
      this.decoded++;
      settle(null);
      // Holds this decode slot while the backbone is behind, so the copies waiting for it stay few.
      await this.embeddings?.add(sha, image.raster);
    } catch (err) {
      settle(reasonOf(err));
      throw err;
    }
  }

  /** The folder this copy was found in names a class: the copy already in the project takes it, as a new image would. */
  private noteUnlabelledCopy(relPath: string, placement: Placement, id: number): void {
    if (placement.className !== null) {
      this.unlabelledCopies.push({ id, className: placement.className });
      this.rootsWithClasses.add(relPath.split('/').filter((x) => x !== '')[0]!);
      return;
    }
    const segments = relPath.split('/').filter((x) => x !== '');
    if (segments.length !== 2 || placement.split !== 'none') return;
    const list = this.looseCopiesInRoot.get(segments[0]!) ?? [];
    list.push(id);
    this.looseCopiesInRoot.set(segments[0]!, list);
  }

  private countLabelledCopies(className: string, n: number): void {
    if (n > 0) this.copiesLabelled.set(className, (this.copiesLabelled.get(className) ?? 0) + n);
  }

  private noteRoot(relPath: string, placement: Placement, sha: string): void {
    const segments = relPath.split('/').filter((x) => x !== '');
    const root = segments[0];
    if (root === undefined || segments.length < 2) return;
    if (placement.className !== null) this.rootsWithClasses.add(root);
    else if (segments.length === 2 && placement.split === 'none') {
      const list = this.looseInRoot.get(root) ?? [];
      list.push(sha);
      this.looseInRoot.set(root, list);
    }
  }

  /**
   * A dropped folder of images with no class folders inside is itself a
   * class: dropping `cats/` and `dogs/` makes two classes, as folder names
   * promise. Loose images beside class folders stay Unlabelled.
   */
  private labelFlatFolders(): void {
    for (const root of new Set([...this.looseInRoot.keys(), ...this.looseCopiesInRoot.keys()])) {
      if (this.rootsWithClasses.has(root)) continue;
      const name = folderClassName(root);
      if (name === null) continue;
      const shas = this.looseInRoot.get(root) ?? [];
      const ids = shas.map((sha) => this.store.findBySha(sha)?.id).filter((id): id is number => id !== undefined);
      const copies = this.looseCopiesInRoot.get(root) ?? [];
      if (ids.length === 0 && copies.length === 0) continue;
      this.store.transaction(() => {
        const cls = this.store.classForFolder(name);
        if (cls.created) this.classesCreated.push(cls);
        this.store.assignFolderClass(ids, cls.id);
        this.countLabelledCopies(cls.name, this.store.assignFolderClass(copies, cls.id));
      });
    }
  }

  /**
   * Classes this import made go after the project's classes, in natural
   * name order, whatever order their files arrived in: the same folders
   * give the same classes and number keys in the app and the CLI.
   */
  private orderNewClasses(): void {
    if (this.classesCreated.length === 0) return;
    this.classesCreated.sort((a, b) => classNameOrder(a.name, b.name));
    const alive = new Set(this.store.classes().map((c) => c.id));
    this.store.moveClassesToEnd(this.classesCreated.map((c) => c.id).filter((id) => alive.has(id)));
  }

  /** Saves the decoded images, creating their classes, in one transaction. */
  private flush(): void {
    if ((this.batch.length === 0 && this.unlabelledCopies.length === 0) || this.state === 'failed') return;
    const batch = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    const copies = this.unlabelledCopies;
    this.unlabelledCopies = [];
    const created: { id: number; name: string }[] = [];
    const copiesLabelled: { className: string; n: number }[] = [];
    const late: ImportIssue[] = [];
    try {
      const rows = this.store.transaction(() => {
        const out: NewImage[] = [];
        const classIds = new Map<string, { id: number; name: string }>();
        const classOf = (className: string): { id: number; name: string } => {
          let cls = classIds.get(className.toLowerCase());
          if (cls === undefined) {
            const found = this.store.classForFolder(className);
            if (found.created) created.push(found);
            cls = found;
            classIds.set(className.toLowerCase(), cls);
          }
          return cls;
        };
        for (const { id, className } of copies) {
          const cls = classOf(className);
          copiesLabelled.push({ className: cls.name, n: this.store.assignFolderClass([id], cls.id) });
        }
        // In the order the files were handed over, so that of two spellings of one new class ("cats", "Cats") the first one seen names it, however the decodes raced.
        for (const { relPath, image, className } of [...batch].sort((a, b) => a.seq - b.seq)) {
          // Another import may have saved the same bytes since this one checked.
          const existing = this.store.findBySha(image.sha256);
          if (existing) {
            late.push({ file: relPath, reason: `already in the project as ${existing.fileName}` });
            continue;
          }
          const classId = className === null ? null : classOf(className).id;
          out.push({ ...image, classId, importId: this.importId });
        }
        const ids = this.store.insertImages(out);
        return out.map((row, i) => ({ ...row, id: ids[i]! }));
      });
      this.embeddings?.saved(rows);
      this.classesCreated.push(...created);
      for (const { className, n } of copiesLabelled) this.countLabelledCopies(className, n);
      this.duplicates.push(...late);
      this.added += rows.length;
      for (const row of rows) {
        this.bySplit[row.split]++;
        this.originalsBytes += row.byteSize;
      }
    } catch (err) {
      this.fail(err);
    }
  }

  private fail(err: unknown): void {
    if (this.state === 'failed') return;
    this.state = 'failed';
    const storage = storageProblem(err);
    // A full disk or a read-only file is the user's situation, not a bug in Pancake.
    this.failure =
      storage !== null
        ? new StorageError(`The import stopped. ${storage} The ${this.added} images saved before it are kept.`)
        : new Error(
            `The import stopped because of an error (${err instanceof Error ? err.message : String(err)}). The ${this.added} images saved before it are kept.`,
          );
    this.stopAccepting();
  }

  private emit(force = false): void {
    const total = this.total === null ? null : Math.max(this.total, this.done);
    const paced = this.pacer.tick(performance.now(), this.done, total, force);
    if (paced === null) return;
    this.opts.onProgress({
      done: this.done,
      total,
      etaSeconds: paced.etaSeconds,
      added: this.decoded,
      skipped: this.skipped.length,
      duplicates: this.duplicates.length,
      ...(this.embeddings ? { embedding: this.embeddings.progress } : {}),
    });
  }

  private async complete(): Promise<ImportReport> {
    await this.idle();
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    this.flush();
    await this.embeddings?.finish();
    if (this.failure) throw this.failure;
    this.labelFlatFolders();
    this.orderNewClasses();
    const report: ImportReport = {
      id: this.importId,
      added: this.added,
      duplicates: this.duplicates,
      skipped: this.skipped,
      classesCreated: this.classesCreated.map((c) => c.name),
      duplicatesLabelled: [...this.copiesLabelled].map(([className, count]) => ({ className, count })),
      bySplit: { ...this.bySplit },
      originalsBytes: this.originalsBytes,
      cancelled: this.state === 'cancelled',
      seconds: Math.round((performance.now() - this.started) / 100) / 10,
      startedAt: this.startedAt,
      ...(this.embeddings?.report(this.added) ?? {}),
    };
    this.store.finishImport(this.importId, report);
    this.emit(true);
    return report;
  }
}

/** A second, name-only walk that gives the progress bar its total while the import is already running. */
async function countFiles(paths: readonly string[], stop: () => boolean): Promise<number | null> {
  let n = 0;
  for await (const _ of walkFiles(paths)) {
    if (stop()) return null;
    n++;
  }
  return n;
}

/** Imports files and folders from this machine's disk (CLI, Electron). */
export async function importPaths(
  store: ProjectStore,
  paths: readonly string[],
  opts: ImportSessionOptions,
): Promise<ImportReport> {
  const session = new ImportSession(store, opts);
  let walked = 0;
  let walking = true;
  if (opts.expected === undefined) {
    // Only the ETA depends on this count; the import walk reports unreadable folders itself.
    void countFiles(paths, () => !walking || session.stopped).then(
      (n) => {
        if (n !== null) session.setExpected(n);
      },
      () => undefined,
    );
  }
  try {
    for await (const entry of walkFiles(paths)) {
      if (session.stopped) break;
      walked++;
      if (entry.problem !== undefined) session.skip(entry.relPath, entry.problem);
      else await session.addPath(entry.absPath, entry.relPath);
    }
    // Once the walk is over the total is known exactly, however the count is doing.
    if (!session.stopped && opts.expected === undefined) session.setExpected(walked);
  } finally {
    walking = false;
  }
  return session.finish();
}
