// A model version's validation results, arranged for the Evaluate view:
// per-class figures, the confusion matrix with the images behind every
// cell, and the mistakes ranked by how wrong they were. Everything comes
// from what the version saved when it trained; images deleted since are
// left out of the cells and lists, not out of the figures.
import type { ProjectStore } from '../../db/project-store.js';
import type { EvaluationMistake, EvaluationReport } from '../../contract/types.js';
import type { ModelVersion } from '../ml/versions.js';
import { allImageIds } from '../../db/image-queries.js';

/** -ln p is unbounded; a probability that rounded to zero still ranks as worst. */
const MIN_PROBABILITY = 1e-12;

export function evaluationReport(store: ProjectStore, version: ModelVersion): EvaluationReport {
  const classes = version.classes;
  const base = {
    versionId: version.id,
    versionName: version.name,
    active: version.active,
    createdAt: version.createdAt,
    backbone: version.backbone,
    classes,
    validationSource: version.settings.validation,
    refit: version.settings.refit ?? false,
  };
  const metrics = version.metrics.validation;
  if (!metrics || metrics.n === 0) {
    return {
      ...base,
      validationCount: 0,
      accuracy: null,
      macroF1: null,
      perClass: [],
      confusion: { labels: classes, matrix: [], cells: [] },
      mistakes: [],
      deletedSince: 0,
    };
  }

  const present = new Set(allImageIds(store));
  const index = new Map(metrics.confusion.labels.map((c, i) => [c, i]));
  const cells = metrics.confusion.labels.map(() => metrics.confusion.labels.map((): number[] => []));
  const mistakes: EvaluationMistake[] = [];
  let deletedSince = 0;
  for (const p of version.metrics.predictions) {
    const t = index.get(p.trueClass);
    const k = index.get(p.predictedClass);
    if (t === undefined || k === undefined) continue;
    if (!present.has(p.imageId)) {
      deletedSince++;
      continue;
    }
    cells[t]![k]!.push(p.imageId);
    if (t === k) continue;
    const trueProbability = p.probabilities[t] ?? 0;
    mistakes.push({
      imageId: p.imageId,
      trueClass: p.trueClass,
      predictedClass: p.predictedClass,
      confidence: p.probabilities[k] ?? 0,
      trueProbability,
      loss: -Math.log(Math.max(trueProbability, MIN_PROBABILITY)),
    });
  }
  mistakes.sort((a, b) => b.loss - a.loss || a.imageId - b.imageId);

  const matrix = metrics.confusion.matrix;
  return {
    ...base,
    validationCount: metrics.n,
    accuracy: metrics.accuracy,
    macroF1: metrics.macroF1,
    perClass: metrics.confusion.labels.map((name, c) => ({
      name,
      ...(metrics.perClass[name] ?? { precision: 0, recall: 0, f1: 0, support: 0 }),
      predicted: matrix.reduce((sum, row) => sum + (row[c] ?? 0), 0),
    })),
    confusion: { labels: metrics.confusion.labels, matrix, cells },
    mistakes,
    deletedSince,
  };
}
