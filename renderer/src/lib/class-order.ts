// A model keeps the class order it was trained with (its outputs, labels.txt
// and exports depend on it), but the user's order of classes can change
// since; the views show a model's classes in the project's current order so
// the number keys, the sidebar and every table agree.
import type { ConfusionMatrix } from '../../../contract/types.js';

/** Indices into `names`, in the project's class order; names the project no longer has follow in their own order. */
export function projectOrder(names: readonly string[], classes: readonly { name: string }[]): number[] {
  const rank = new Map(classes.map((c, i) => [c.name.toLowerCase(), i]));
  const at = (i: number) => rank.get(names[i]!.toLowerCase()) ?? classes.length + i;
  return names.map((_, i) => i).sort((a, b) => at(a) - at(b));
}

/** The same matrix with rows and columns in the project's class order. */
export function confusionInProjectOrder(confusion: ConfusionMatrix, classes: readonly { name: string }[]): ConfusionMatrix {
  const order = projectOrder(confusion.labels, classes);
  return {
    ...confusion,
    labels: order.map((i) => confusion.labels[i]!),
    matrix: order.map((t) => order.map((p) => confusion.matrix[t]?.[p] ?? 0)),
  };
}

/** Per-class rows (anything with a class name) in the project's class order. */
export function rowsInProjectOrder<T extends { name: string }>(rows: readonly T[], classes: readonly { name: string }[]): T[] {
  return projectOrder(rows.map((r) => r.name), classes).map((i) => rows[i]!);
}
