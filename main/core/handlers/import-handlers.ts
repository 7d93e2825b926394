import type { CoreServices, Handlers } from '../core-services.js';
import type { Job } from '../jobs.js';
import { CoreError } from '../errors.js';
import type { ImportEmbedding, ImportReport } from '../../../contract/types.js';
import { ImportEmbeddings } from '../../import/import-embeddings.js';
import { ImportSession, importPaths } from '../../import/import-session.js';
import { projectBackbone } from '../../ml/backbones.js';
import { importViews } from '../../ml/views.js';

type ImportMethods = 'importPaths' | 'importBegin' | 'importAdd' | 'importEnd' | 'importReports';

/** An upload whose page went away must not hold the project busy forever. */
const ABANDONED_AFTER_MS = 120_000;

interface Upload {
  job: Job;
  session: ImportSession;
  timer: NodeJS.Timeout;
}

export function importHandlers(core: CoreServices): Pick<Handlers, ImportMethods> {
  const uploads = new Map<string, Upload>();

  const progressFor =
    (job: Job) =>
    (p: { done: number; total: number | null; etaSeconds: number | null; added: number; skipped: number; duplicates: number; embedding?: ImportEmbedding }) =>
      core.jobs.progress(job, {
        phase: 'importing',
        done: p.done,
        total: p.total,
        etaSeconds: p.etaSeconds,
        message: `${p.added} added, ${p.duplicates} duplicates, ${p.skipped} skipped`,
        ...(p.embedding ? { embedding: p.embedding } : {}),
      });

  /** The project's backbone, warm from the core's embedders, embeds what the import adds. */
  const embeddings = (store: typeof core.writableStore) => {
    const backbone = projectBackbone(core.store);
    return (onChange: () => void) => new ImportEmbeddings(store, core.embedders.get(backbone), onChange, importViews(core.background));
  };

  const imagesChanged = () => core.events.emit({ type: 'project-changed', what: 'images' });

  const endUpload = async (jobId: string): Promise<ImportReport> => {
    const upload = uploads.get(jobId);
    if (!upload) throw new CoreError('That import has already finished.');
    uploads.delete(jobId);
    clearTimeout(upload.timer);
    try {
      return await upload.session.finish();
    } finally {
      core.jobs.end(jobId);
      imagesChanged();
    }
  };

  const touch = (jobId: string, upload: Upload) => {
    clearTimeout(upload.timer);
    upload.timer = setTimeout(() => void endUpload(jobId).catch(() => undefined), ABANDONED_AFTER_MS);
    upload.timer.unref();
  };

  return {
    importPaths: ({ jobId, paths }) => {
      const store = core.writableStore;
      return core.jobs.run(jobId, 'import', async (job) => {
        const report = await importPaths(store, paths, { onProgress: progressFor(job), signal: job.controller.signal, embeddings: embeddings(store) });
        imagesChanged();
        return report;
      });
    },
    importBegin: ({ jobId, expected }) => {
      const store = core.writableStore;
      const job = core.jobs.start(jobId, 'import');
      const session = new ImportSession(store, {
        onProgress: progressFor(job),
        signal: job.controller.signal,
        embeddings: embeddings(store),
        ...(expected !== undefined ? { expected } : {}),
      });
      const upload: Upload = { job, session, timer: setTimeout(() => undefined, 0) };
      uploads.set(jobId, upload);
      touch(jobId, upload);
      return null;
    },
    importAdd: async ({ jobId, files }) => {
      const upload = uploads.get(jobId);
      if (!upload) throw new CoreError('That import is not running any more.');
      touch(jobId, upload);
      let accepted = 0;
      for (const f of files) {
        if (upload.job.controller.signal.aborted) break;
        await upload.session.addFile(f.path, Buffer.from(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength));
        accepted++;
      }
      return { accepted };
    },
    importEnd: ({ jobId }) => endUpload(jobId),
    importReports: () => ({ reports: core.store.importReports() }),
  };
}
