// The names a failed call carries across every transport, and the one base
// class of errors meant for the person using Pancake. describeError
// (main/core/errors.ts) passes a UserError's sentence on by instanceof, so a
// new class of them needs no list to join; test/unit/contract/user-errors.test.ts
// checks each reaches the browser host and the CLI with its sentence.
// Plain classes: the renderer bundles this too.

export const USER_ERROR_NAMES = [
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
  /** SQLite or the disk refused (db/storage-errors.ts says which way). */
  'StorageError',
] as const;

export type UserErrorName = (typeof USER_ERROR_NAMES)[number];

/** Its message is one sentence for the user, shown as it is. */
export class UserError extends Error {
  constructor(
    override readonly name: UserErrorName,
    message: string,
  ) {
    super(message);
  }
}

/** What a failed call's `name` can be; the renderer switches on it. */
export type WireErrorName =
  | UserErrorName
  /** The call's work was stopped by the user (an AbortError inside). */
  | 'Cancelled'
  /** A bug: logged, and told as "Something went wrong inside Pancake". */
  | 'InternalError'
  | 'UnknownMethod'
  /** Electron: a call from anything but the app's own window. */
  | 'Forbidden'
  /** The renderer's own, for the browser host it cannot reach, that refuses its token, or a request too large to send. */
  | 'ConnectionError'
  | 'AuthError'
  | 'TooLargeError';
