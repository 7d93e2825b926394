// Turns any thrown error into what a person can read. Errors we raise on
// purpose are UserErrors and carry their sentence; anything else is a bug,
// logged for us.
import { UserError } from '../../contract/errors.js';
import type { WireError } from '../../contract/wire.js';
import { storageProblem } from '../../db/storage-errors.js';

/** What the core refuses in plain words: no project open, a job already running, a request that does not fit the project. */
export class CoreError extends UserError {
  constructor(message: string) {
    super('CoreError', message);
  }
}

export function describeError(err: unknown): WireError {
  if (err instanceof Error || err instanceof DOMException) {
    if (err.name === 'AbortError') return { name: 'Cancelled', message: 'Cancelled; what was finished is kept.' };
  }
  if (err instanceof UserError) return { name: err.name, message: err.message };
  if (err instanceof Error) {
    const storage = storageProblem(err);
    if (storage !== null) return { name: 'StorageError', message: storage };
    console.error(err);
    return { name: 'InternalError', message: `Something went wrong inside Pancake: ${err.message}` };
  }
  console.error(err);
  return { name: 'InternalError', message: 'Something went wrong inside Pancake.' };
}
