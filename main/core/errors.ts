// Turns any thrown error into what a person can read. Errors we raise on
// purpose carry their sentence; anything else is a bug, logged for us.
import type { WireError } from '../api/wire.js';

const EXPECTED = new Set([
  'CoreError',
  'StoreError',
  'ProjectFileError',
  'ValidationError',
  'ImportSkipError',
  'TrainingGuardError',
  'BackboneError',
  'ExportError',
  'VersionError',
  'ModelFetchError',
]);

export function describeError(err: unknown): WireError {
  if (err instanceof Error || err instanceof DOMException) {
    if (err.name === 'AbortError') return { name: 'Cancelled', message: 'Cancelled; what was finished is kept.' };
  }
  if (err instanceof Error) {
    if (EXPECTED.has(err.name)) return { name: err.name, message: err.message };
    if (err.name === 'SqliteError' && /SQLITE_(CANTOPEN|READONLY|NOTADB|CORRUPT|FULL|IOERR)/.test(String((err as { code?: string }).code))) {
      return { name: 'StorageError', message: `The project file could not be used: ${err.message}` };
    }
    console.error(err);
    return { name: 'InternalError', message: `Something went wrong inside Pancake: ${err.message}` };
  }
  console.error(err);
  return { name: 'InternalError', message: 'Something went wrong inside Pancake.' };
}
