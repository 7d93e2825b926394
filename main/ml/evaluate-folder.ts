// Scores the active model version on a labelled folder tree that is not in
// the project: folder/<class name>/... images.
import fs from 'node:fs';
import path from 'node:path';
import type { ProjectStore } from '../../db/project-store.js';
import type { ModelsLocation } from './backbones.js';
import type { Embedder } from './embedder.js';
import { withEmbedder } from './with-embedder.js';
import { CoreError } from '../core/errors.js';
import { isIgnoredName } from '../import/layout.js';
import { walkFiles } from '../import/walk.js';
import type { FolderEvaluationResult } from '../../contract/types.js';
import { computeMetrics } from './metrics.js';
import { applyHead, argMax, averageProbabilities, predictionViews, type ImagesProgress } from './predict.js';
import { activeVersion, loadHead, VersionError } from './versions.js';

/**
 * Every file below a class folder is scored or reported, as an import would
 * take or refuse it: the contents decide what is an image, not the extension.
 */
async function filesUnder(dir: string, truth: number, files: { file: string; truth: number }[], problems: { file: string; reason: string }[]): Promise<void> {
  for await (const entry of walkFiles([dir])) {
    if (entry.problem) problems.push({ file: entry.absPath, reason: entry.problem });
    else files.push({ file: entry.absPath, truth });
  }
}

export async function evaluateFolder(
  store: ProjectStore,
  folder: string,
  opts: ModelsLocation & { embedder?: Embedder; signal?: AbortSignal; onProgress?: (p: ImagesProgress) => void } = {},
): Promise<FolderEvaluationResult> {
  const version = activeVersion(store);
  if (!version) throw new VersionError('There is no trained model to evaluate yet. Train one first.');
  const head = loadHead(store, version.id);
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(folder, { withFileTypes: true });
  } catch {
    throw new CoreError(`Cannot read the folder ${folder}.`);
  }
  const classIndex = new Map(head.classes.map((c, i) => [c.toLowerCase(), i]));
  const unknownClasses: string[] = [];
  const files: { file: string; truth: number }[] = [];
  const unreadable: { file: string; reason: string }[] = [];
  for (const e of entries.filter((e) => e.isDirectory() && !isIgnoredName(e.name)).sort((a, b) => a.name.localeCompare(b.name))) {
    const truth = classIndex.get(e.name.trim().toLowerCase());
    if (truth === undefined) unknownClasses.push(e.name);
    else await filesUnder(path.join(folder, e.name), truth, files, unreadable);
  }
  if (files.length === 0 && unreadable.length === 0) {
    throw new CoreError(
      `${folder} holds no images in sub-folders named after the model's classes (${head.classes.join(', ')}).`,
    );
  }

  const views = predictionViews(version.settings.tta);
  const probabilities = files.map(() => [] as Float32Array[]);
  const failed = new Map<number, string>();
  await withEmbedder(head.backbone, opts, (embedder) =>
    embedder.run(
      files.map((f, i) => ({ source: { path: f.file }, views, tag: i })),
      files.length,
      {
        onVector: (i, _view, v) => probabilities[i]!.push(applyHead(head, v)),
        onFailure: (i, reason) => failed.set(i, reason),
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
    ),
  );
  const truth: number[] = [];
  const predicted: number[] = [];
  files.forEach((f, i) => {
    if (failed.has(i)) return;
    truth.push(f.truth);
    predicted.push(argMax(averageProbabilities(probabilities[i]!)));
  });
  const refused = [...[...failed].map(([i, reason]) => ({ file: files[i]!.file, reason })), ...unreadable];
  if (truth.length === 0) {
    throw new CoreError(`None of the ${refused.length} files under ${folder} could be scored; ${path.basename(refused[0]!.file)}: ${refused[0]!.reason}.`);
  }
  const m = computeMetrics(head.classes, truth, predicted);
  const perClass: FolderEvaluationResult['perClass'] = {};
  for (const [name, c] of Object.entries(m.perClass)) perClass[name] = { precision: c.precision, recall: c.recall, f1: c.f1, n: c.support };
  return {
    accuracy: m.accuracy,
    n: m.n,
    perClass,
    confusion: m.confusion,
    unknownClasses,
    failed: refused,
  };
}
