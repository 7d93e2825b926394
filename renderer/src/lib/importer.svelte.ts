// Getting images into the project: dropped files and folders, the Add
// buttons, pasted images. In Electron the core reads files by path; in the
// browser host the bytes are uploaded in bounded batches. Either way one job
// id names the import, so its progress events and Cancel find it.
import { api, hostKind, pathForFile } from './api';
import { listen } from './events';
import { project } from './project.svelte';
import { toasts } from './toasts.svelte';
import { errorMessage } from './format';
import type { ImportEmbedding, ImportIssue, ImportReport } from '../../../contract/types.js';
import { fileOf, isSystemFile, readAll } from './dropped-files';

/** A file to upload, named by its path relative to what the user dropped or picked. */
interface Pending {
  relPath: string;
  file: () => Promise<File>;
}

export interface ImportJob {
  jobId: string;
  phase: 'scanning' | 'importing' | 'finishing';
  done: number;
  total: number | null;
  etaSeconds: number | null;
  message: string;
  cancelling: boolean;
  /** How far the embedding of the added images has come, as the import makes them. */
  embedding: ImportEmbedding | null;
}

const BATCH_FILES = 16;
const BATCH_BYTES = 8 * 1024 * 1024;
/** The browser host refuses request bodies over 256 MB; such a file cannot be sent. */
const MAX_FILE_BYTES = 200 * 1024 * 1024;
/** Live refresh of the grid while an import runs, so images appear as they land. */
const LIVE_REFRESH_MS = 2000;

class Importer {
  job = $state<ImportJob | null>(null);
  /** The report of the import that just finished, shown until dismissed. */
  report = $state.raw<ImportReport | null>(null);
  private cancelRequested = false;
  private lastLiveRefresh = 0;

  constructor() {
    listen((event) => {
      if (event.type !== 'progress' || !this.job || event.jobId !== this.job.jobId) return;
      this.job.phase = this.job.phase === 'finishing' ? 'finishing' : 'importing';
      this.job.done = event.done;
      this.job.total = event.total ?? this.job.total;
      this.job.etaSeconds = event.etaSeconds;
      this.job.message = event.message ?? '';
      if (event.embedding) this.job.embedding = event.embedding;
      const now = Date.now();
      if (now - this.lastLiveRefresh > LIVE_REFRESH_MS) {
        this.lastLiveRefresh = now;
        void project.refresh();
      }
    });
  }

  private inputs: { files: HTMLInputElement; folder: HTMLInputElement } | null = null;

  /** The hidden file inputs that Add images / Add folder open in the browser host. */
  attachInputs(files: HTMLInputElement, folder: HTMLInputElement): void {
    this.inputs = { files, folder };
  }

  choose(kind: 'files' | 'folder'): void {
    if (project.app?.nativeDialogs) void this.fromPicker(kind === 'files' ? 'import-files' : 'import-folder');
    else (kind === 'files' ? this.inputs?.files : this.inputs?.folder)?.click();
  }

  get busy(): boolean {
    return this.job !== null;
  }

  private begin(): string | null {
    if (this.job) {
      toasts.show('An import is already running. Wait for it to finish, or cancel it first.');
      return null;
    }
    if (!project.info) {
      toasts.show('Create or open a project first.');
      return null;
    }
    const jobId = crypto.randomUUID();
    this.cancelRequested = false;
    this.job = { jobId, phase: 'scanning', done: 0, total: null, etaSeconds: null, message: '', cancelling: false, embedding: null };
    return jobId;
  }

  /**
   * A drop on the window. DataTransfer items only live during the event, so
   * entries (or Electron paths) are taken synchronously, walked afterwards.
   */
  fromDrop(dt: DataTransfer): void {
    if (hostKind === 'electron') {
      const paths = [...dt.files].map((f) => pathForFile(f)).filter((p): p is string => !!p);
      if (paths.length > 0) {
        void this.importPaths(paths);
        return;
      }
    }
    const entries = [...dt.items]
      .filter((item) => item.kind === 'file')
      .map((item) => item.webkitGetAsEntry())
      .filter((e): e is FileSystemEntry => e !== null);
    if (entries.length > 0) {
      void this.uploadEntries(entries);
      return;
    }
    const files = [...dt.files];
    if (files.length > 0) void this.fromFiles(files, false);
  }

  /** The Add buttons' file inputs; a folder input's files carry webkitRelativePath. */
  fromFiles(files: File[], folder: boolean): Promise<void> {
    const pending: Pending[] = files
      .filter((f) => !isSystemFile(f.name))
      .map((f) => ({ relPath: (folder && f.webkitRelativePath) || f.name, file: () => Promise.resolve(f) }));
    const jobId = this.begin();
    return jobId ? this.upload(jobId, pending) : Promise.resolve();
  }

  /** Native dialogs (Electron): the core reads the files itself. */
  async fromPicker(kind: 'import-files' | 'import-folder'): Promise<void> {
    let paths: string[];
    try {
      ({ paths } = await api.pickPaths({ kind }));
    } catch (err) {
      toasts.error(err);
      return;
    }
    if (paths.length > 0) await this.importPaths(paths);
  }

  private async importPaths(paths: string[]): Promise<void> {
    const jobId = this.begin();
    if (!jobId) return;
    this.job!.phase = 'importing';
    try {
      this.finish(await api.importPaths({ jobId, paths }), []);
    } catch (err) {
      this.fail(err);
    }
  }

  private async uploadEntries(entries: FileSystemEntry[]): Promise<void> {
    // The walk itself can take a while on big folders; show it as scanning.
    const jobId = this.begin();
    if (!jobId) return;
    const pending: Pending[] = [];
    try {
      const stack = [...entries];
      while (stack.length > 0 && !this.cancelRequested) {
        const entry = stack.pop()!;
        // What the user dropped on purpose is imported even if hidden.
        const dropped = !entry.fullPath.replace(/^\/+/, '').includes('/');
        if (!dropped && isSystemFile(entry.name)) continue;
        if (entry.isDirectory) {
          stack.push(...(await readAll(entry as FileSystemDirectoryEntry)).reverse());
        } else {
          const fileEntry = entry as FileSystemFileEntry;
          pending.push({ relPath: entry.fullPath.replace(/^\/+/, ''), file: () => fileOf(fileEntry) });
          if (pending.length % 200 === 0 && this.job) this.job.message = `${pending.length.toLocaleString()} files found`;
        }
      }
    } catch (err) {
      this.fail(err);
      return;
    }
    if (this.cancelRequested) {
      this.job = null;
      toasts.show('Import cancelled before anything was added.');
      return;
    }
    await this.upload(jobId, pending);
  }

  private async upload(jobId: string, pending: Pending[]): Promise<void> {
    const job = this.job!;
    if (pending.length === 0) {
      this.job = null;
      toasts.show('There were no files to import.');
      return;
    }
    job.phase = 'importing';
    job.total = pending.length;
    const localSkips: ImportIssue[] = [];
    try {
      await api.importBegin({ jobId, expected: pending.length });
    } catch (err) {
      this.fail(err);
      return;
    }
    let uploadError: unknown = null;
    let i = 0;
    while (i < pending.length && !this.cancelRequested) {
      const batch: { path: string; bytes: Uint8Array }[] = [];
      let bytes = 0;
      while (i < pending.length && batch.length < BATCH_FILES && bytes < BATCH_BYTES) {
        const item = pending[i++]!;
        try {
          const file = await item.file();
          if (file.size > MAX_FILE_BYTES) {
            localSkips.push({ file: item.relPath, reason: `too large to import (${Math.round(file.size / 1048576)} MB)` });
            continue;
          }
          batch.push({ path: item.relPath, bytes: new Uint8Array(await file.arrayBuffer()) });
          bytes += file.size;
        } catch (err) {
          localSkips.push({ file: item.relPath, reason: `could not be read (${errorMessage(err)})` });
        }
      }
      if (batch.length === 0) continue;
      try {
        await api.importAdd({ jobId, files: batch });
      } catch (err) {
        uploadError = err;
        break;
      }
    }
    job.phase = 'finishing';
    try {
      this.finish(await api.importEnd({ jobId }), localSkips);
      if (uploadError) toasts.error(uploadError);
    } catch (err) {
      this.fail(uploadError ?? err);
    }
  }

  cancel(): void {
    if (!this.job || this.job.cancelling) return;
    this.cancelRequested = true;
    this.job.cancelling = true;
    void api.cancelJob({ jobId: this.job.jobId }).catch(() => undefined);
  }

  private finish(report: ImportReport, localSkips: ImportIssue[]): void {
    this.job = null;
    this.report = localSkips.length > 0 ? { ...report, skipped: [...localSkips, ...report.skipped] } : report;
    void project.refresh();
  }

  private fail(err: unknown): void {
    this.job = null;
    toasts.error(err);
    void project.refresh();
  }

  dismissReport(): void {
    this.report = null;
  }
}

export const importer = new Importer();
