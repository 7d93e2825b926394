// What a failed write to a project file means for the person using it. SQLite
// names the cause in its error code; the sentence says what was kept.
import { UserError } from '../contract/errors.js';

/** A write the disk or SQLite refused, told as the situation it is (a full disk, a read-only file), not as a bug. */
export class StorageError extends UserError {
  constructor(message: string) {
    super('StorageError', message);
  }
}

const SENTENCES: [RegExp, string][] = [
  [/^SQLITE_FULL/, 'The disk holding the project is full, so the change was not saved; free some space and try again.'],
  [/^SQLITE_READONLY/, 'The project is read-only (Pancake cannot write to the file or its folder), so the change was not saved.'],
  [/^SQLITE_(CORRUPT|NOTADB)/, 'The project file is damaged; copy what can still be read into a new project with `pancake recover`.'],
  [/^SQLITE_(IOERR|CANTOPEN)/, 'Pancake could not read or write the project file (the disk or its connection failed), so the change was not saved.'],
  [/^SQLITE_(BUSY|LOCKED)/, 'Another program is using the project file; close it there and try again.'],
];

/** One sentence for an error SQLite raised about the file itself, or null for any other error. */
export function storageProblem(err: unknown): string | null {
  if (!(err instanceof Error) || err.name !== 'SqliteError') return null;
  const code = String((err as { code?: unknown }).code ?? '');
  return SENTENCES.find(([pattern]) => pattern.test(code))?.[1] ?? null;
}
