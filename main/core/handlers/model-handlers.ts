import type { CoreServices, Handlers } from '../core-services.js';
import type { ModelStatusInfo } from '../../../contract/types.js';
import { BACKBONES, backboneState, getBackbone, modelsDirCandidates } from '../../ml/backbones.js';
import { installBackbone, manifestEntry } from '../../models/install.js';
import { megabytes } from '../../models/fetch-errors.js';
import { userModelsDir } from '../../models/user-models-dir.js';

type ModelMethods = 'modelsList' | 'modelsFetch';

export function modelHandlers(core: CoreServices): Pick<Handlers, ModelMethods> {
  const list = (): ModelStatusInfo[] =>
    BACKBONES.map((b) => {
      const state = backboneState(b.id, core.modelsLocation());
      const { original } = manifestEntry(b.id);
      return {
        id: b.id,
        name: b.label,
        status: state.status,
        folder: state.modelsDir,
        problem: state.problem,
        download: { url: original.url, sha256: original.sha256, bytes: original.bytes },
        licence: original.licence,
      };
    });

  return {
    modelsList: () => ({ models: list(), installDir: userModelsDir(), searched: modelsDirCandidates(core.modelsLocation()) }),
    modelsFetch: ({ jobId, ids, dir }) => {
      // Whether a backbone is ready says where Pancake finds it, not what DIR holds: into a folder
      // named by the caller (packaging, say) every backbone goes.
      const wanted = ids?.length ? ids : dir ? BACKBONES.map((b) => b.id) : list().filter((m) => m.status !== 'ready').map((m) => m.id);
      for (const id of wanted) getBackbone(id);
      const exclusive = 'Backbone weights are already being downloaded. Wait for that to finish or cancel it first.';
      return core.jobs.run(
        jobId,
        'models-fetch',
        async (job) => {
          const installed = [];
          for (const id of wanted) {
            const result = await installBackbone(id, {
              ...(dir ? { modelsDir: dir } : {}),
              signal: job.controller.signal,
              onProgress: (p) =>
                core.jobs.progress(job, {
                  phase: p.phase,
                  done: p.done,
                  total: p.total,
                  etaSeconds: p.etaSeconds,
                  message: p.phase === 'downloading' && p.total ? `${id}: ${megabytes(p.done)} of ${megabytes(p.total)}` : id,
                }),
            });
            installed.push({ id, dir: result.dir, downloaded: result.downloaded });
          }
          // Embedders that failed to load before the weights arrived must load them afresh.
          await core.embedders.closeAll();
          return { installed };
        },
        { exclusive },
      );
    },
  };
}
