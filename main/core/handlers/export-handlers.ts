import path from 'node:path';
import type { CoreServices, Handlers } from '../core-services.js';
import { exportModelVersion } from '../../export/export-version.js';
import { exportDataset } from '../../export/dataset-export.js';
import { backupProject } from '../../export/project-backup.js';

type ExportMethods = 'exportModel' | 'exportProject';

export function exportHandlers(core: CoreServices): Pick<Handlers, ExportMethods> {
  return {
    exportModel: ({ jobId, format, dir, versionId, overwrite }) => {
      const store = core.store;
      return core.jobs.run(jobId, 'export', async (job) => {
        const signal = job.controller.signal;
        if (format === 'dataset') {
          let last = 0;
          const res = await exportDataset(store, dir, {
            overwrite: overwrite ?? false,
            signal,
            onProgress: (done, total) => {
              const now = Date.now();
              if (now - last < 100 && done < total) return;
              last = now;
              core.jobs.progress(job, { phase: 'exporting', done, total });
            },
          });
          const notes = [`The labels are listed in ${path.basename(res.csv)}.`];
          if (res.skippedUnlabelled) notes.push(`${res.skippedUnlabelled} unlabelled images were left out.`);
          if (res.copies) {
            notes.push(
              `${res.copies} images were added by an older Pancake that did not keep original files, and their files are no longer where they were imported from, so they went out as the project's JPEG copy (longest side 512 px).`,
            );
          }
          return { dir: path.resolve(dir), format, versionId: null, files: res.files + 1, bytes: res.bytes, notes };
        }
        core.jobs.progress(job, { phase: 'exporting', done: 0, total: 1 });
        const res = await exportModelVersion(store, {
          format,
          dir,
          overwrite: overwrite ?? false,
          location: core.modelsLocation(),
          signal,
          ...(versionId !== undefined ? { versionId } : {}),
        });
        core.jobs.progress(job, { phase: 'exporting', done: 1, total: 1 });
        return {
          dir: res.dir,
          format,
          versionId: res.versionId,
          files: res.files.length,
          bytes: res.files.reduce((a, f) => a + f.bytes, 0),
          notes: [],
        };
      });
    },
    exportProject: async ({ jobId, path: dest, overwrite }) => {
      const store = core.store;
      const target = core.resolveProjectPath(dest);
      const copy = (onProgress?: (done: number, total: number) => void) =>
        backupProject(store, target, { overwrite: overwrite ?? false, ...(onProgress ? { onProgress } : {}) });
      const res =
        jobId === undefined
          ? await copy()
          : await core.jobs.run(jobId, 'export', (job) => copy((done, total) => core.jobs.progress(job, { phase: 'copying pages', done, total })));
      return { path: target, bytes: res.bytes };
    },
  };
}
