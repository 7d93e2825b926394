// Using a trained model: scoring a labelled folder, and classifying new
// images without adding them to the project.
import type { CoreServices, Handlers } from '../core-services.js';
import type { FilePrediction } from '../../../contract/types.js';
import { CoreError } from '../errors.js';
import type { Job } from '../jobs.js';
import { evaluateFolder } from '../../ml/evaluate-folder.js';
import { predictImages, type ImagesProgress } from '../../ml/predict.js';
import { loadOutOfSetCheck } from '../../ml/out-of-set.js';
import { activeVersion, loadHead } from '../../ml/versions.js';
import type { ImageSource } from '../../ml/image-source.js';
import { walkFiles } from '../../import/walk.js';

type UseMethods = 'evaluateFolder' | 'predictPaths' | 'predictFiles';

const DEFAULT_TOP_K = 3;

export function useHandlers(core: CoreServices): Pick<Handlers, UseMethods> {
  const activeModel = () => {
    const version = activeVersion(core.store);
    if (!version) throw new CoreError('There is no trained model yet. Train one first.');
    return { head: loadHead(core.store, version.id), tta: version.settings.tta, rule: version.metrics.outOfSet };
  };

  const predict = async (names: string[], sources: ImageSource[], topK: number, job?: Job): Promise<FilePrediction[]> => {
    const { head, tta, rule } = activeModel();
    const embedder = await core.embedders.get(head.backbone);
    const outOfSet = await loadOutOfSetCheck(core.store, head.backbone, head.inputDim, rule);
    const results = await predictImages(embedder, head, sources, {
      topK,
      tta,
      outOfSet,
      ...(job ? { signal: job.controller.signal, onProgress: progressOf(job, 'predicting') } : {}),
    });
    return results.map((r, i) =>
      r.ok
        ? { file: names[i]!, predictions: r.top.map((t) => ({ class: t.className, confidence: t.probability })), outOfSet: r.outOfSet }
        : { file: names[i]!, predictions: [], error: r.error },
    );
  };

  const progressOf = (job: Job, phase: string) => (p: ImagesProgress) =>
    core.jobs.progress(job, { phase, done: p.done, total: p.total, etaSeconds: p.etaSeconds });

  return {
    evaluateFolder: async ({ jobId, folder }) => {
      const store = core.store;
      const version = activeVersion(store);
      if (!version) throw new CoreError('There is no trained model to evaluate yet. Train one first.');
      return core.jobs.run(jobId, 'evaluate', async (job) => {
        core.jobs.progress(job, { phase: 'loading the backbone', done: 0, total: null });
        const embedder = await core.embedders.get(version.backbone);
        return evaluateFolder(store, folder, { ...core.modelsLocation(), embedder, signal: job.controller.signal, onProgress: progressOf(job, 'evaluating') });
      });
    },
    predictPaths: ({ jobId, paths, topK }) =>
      core.jobs.run(jobId, 'predict', async (job) => {
        const files: string[] = [];
        const problems: FilePrediction[] = [];
        for await (const entry of walkFiles(paths)) {
          if (entry.problem) problems.push({ file: entry.absPath, predictions: [], error: entry.problem });
          else files.push(entry.absPath);
        }
        if (files.length === 0 && problems.length === 0) throw new CoreError('No files were found there.');
        const results = files.length ? await predict(files, files.map((f) => ({ path: f })), topK ?? DEFAULT_TOP_K, job) : [];
        return { results: [...results, ...problems] };
      }),
    predictFiles: async ({ files, topK }) => ({
      results: await predict(
        files.map((f) => f.name),
        files.map((f) => ({ name: f.name, bytes: f.bytes })),
        topK ?? DEFAULT_TOP_K,
      ),
    }),
  };
}
