// Turns any thrown error into what a person can read. Errors we raise on
// purpose carry their sentence; anything else is a bug, logged for us.
import type { WireError } from '../../contract/wire.js';
import { storageProblem } from '../../db/storage-errors.js';

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
  'StorageError',
]);

export function describeError(err: unknown): WireError {
  if (err instanceof Error || err instanceof DOMException) {
    if (err.name === 'AbortError') return { name: 'Cancelled', message: 'Cancelled; what was finished is kept.' };
  }
  if (err instanceof Error) {
    if (EXPECTED.has(err.name)) return { name: err.name, message: err.message };
    const storage = storageProblem(err);
    if (storage !== null) return { name: 'StorageError', message: storage };
    console.error(err);
    return { name: 'InternalError', message: `Something went wrong inside Pancake: ${err.message}` };
  }
  console.error(err);
  return { name: 'InternalError', message: 'Something went wrong inside Pancake.' };
}
