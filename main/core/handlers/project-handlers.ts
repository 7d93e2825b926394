import fs from 'node:fs';
import nodePath from 'node:path';
import { CoreError } from '../errors.js';
import type { CoreServices, Handlers } from '../core-services.js';
import { readVersion } from '../version.js';
import { recoverProject } from '../../../db/recover.js';
import { listFolderProjects } from '../folder-projects.js';

type ProjectMethods = 'appInfo' | 'projectCreate' | 'projectOpen' | 'projectClose' | 'projectInfo' | 'recentForget' | 'projectRecover' | 'cancelJob' | 'pickPaths';

export function projectHandlers(core: CoreServices): Pick<Handlers, ProjectMethods> {
  return {
    appInfo: () => ({
      version: readVersion(),
      host: core.options.host === 'electron' ? 'electron' : 'browser',
      nativeDialogs: core.options.pickPaths !== undefined,
      recent: core.appState.recent.map((r) => ({ ...r, exists: fs.existsSync(r.path) })),
      defaultProjectDir: core.appState.defaultProjectDir(),
      folderProjects: listFolderProjects(core.appState.defaultProjectDir()),
      openProject: core.hasProject ? core.store.file : null,
    }),
    projectCreate: ({ path }) => core.switchProject(core.resolveProjectPath(path), 'create').info(),
    projectOpen: ({ path }) => core.switchProject(core.resolveProjectPath(path), 'open').info(),
    projectClose: () => {
      core.closeProject();
      return null;
    },
    projectInfo: () => (core.hasProject ? core.store.info() : null),
    projectRecover: ({ from, to }) => {
      const dest = core.resolveProjectPath(to);
      fs.mkdirSync(nodePath.dirname(dest), { recursive: true });
      return recoverProject(core.resolveProjectPath(from), dest);
    },
    recentForget: ({ path }) => {
      core.appState.forget(path);
      return null;
    },
    pickPaths: async ({ kind }) => {
      if (!core.options.pickPaths) throw new CoreError('This window cannot show file dialogs; type a path instead.');
      return { paths: await core.options.pickPaths(kind) };
    },
    cancelJob: ({ jobId }) => ({ cancelled: core.jobs.cancel(jobId) || core.live.cancelJob(jobId) }),
  };
}
