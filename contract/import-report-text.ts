// Report wording that the CLI and the renderer both show, so they say the same thing.
import type { ImportReport } from './types.js';

/** One sentence per class that unlabelled copies already in the project took from this import's folders. */
export function labelledDuplicateSentences(report: ImportReport): string[] {
  return (report.duplicatesLabelled ?? []).map(({ className, count }) =>
    count === 1
      ? `1 duplicate was already in the project unlabelled and got the label ${className}.`
      : `${count.toLocaleString('en-US')} duplicates were already in the project unlabelled and got the label ${className}.`,
  );
}
