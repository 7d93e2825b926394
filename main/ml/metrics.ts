// Classification metrics from true and predicted class indices.

import type { ClassScores, ConfusionMatrix } from '../../contract/types.js';

export interface Metrics {
  accuracy: number;
  n: number;
  /** Unweighted mean F1 over classes that have images or predictions. */
  macroF1: number;
  perClass: Record<string, ClassScores>;
  confusion: ConfusionMatrix;
}

/** One validation image's outcome, for the "worst mistakes" view. */
export interface ImagePrediction {
  imageId: number;
  trueClass: string;
  predictedClass: string;
  /** Probability per class, in the version's class order. */
  probabilities: number[];
}

export function confusionMatrix(labels: string[], truth: readonly number[], predicted: readonly number[]): ConfusionMatrix {
  const matrix = labels.map(() => labels.map(() => 0));
  truth.forEach((t, i) => matrix[t]![predicted[i]!]!++);
  return { labels: [...labels], matrix };
}

export function computeMetrics(labels: string[], truth: readonly number[], predicted: readonly number[]): Metrics {
  if (truth.length !== predicted.length) throw new RangeError('truth and predictions differ in length');
  const confusion = confusionMatrix(labels, truth, predicted);
  const m = confusion.matrix;
  const perClass: Record<string, ClassScores> = {};
  let correct = 0;
  let f1Sum = 0;
  let f1Count = 0;
  labels.forEach((name, c) => {
    const tp = m[c]![c]!;
    correct += tp;
    const support = m[c]!.reduce((a, b) => a + b, 0);
    const predictedAs = m.reduce((a, row) => a + row[c]!, 0);
    const precision = predictedAs > 0 ? tp / predictedAs : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    perClass[name] = { precision, recall, f1, support };
    if (support > 0 || predictedAs > 0) {
      f1Sum += f1;
      f1Count++;
    }
  });
  return {
    accuracy: truth.length > 0 ? correct / truth.length : 0,
    n: truth.length,
    macroF1: f1Count > 0 ? f1Sum / f1Count : 0,
    perClass,
    confusion,
  };
}
