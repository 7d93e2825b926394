// Why a single file was left out of an import. These reasons are shown to
// the user next to the file name, so they are short human phrases.
import { UserError } from '../../contract/errors.js';
export class ImportSkipError extends UserError {
  constructor(readonly reason: string) {
    super('ImportSkipError', reason);
  }
}

const FS_REASONS: Record<string, string> = {
  ENOENT: 'it does not exist',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder',
  ELOOP: 'too many levels of links',
  ENAMETOOLONG: 'the path is too long',
  EMFILE: 'too many files are open',
  EIO: 'the disk reported an input/output error',
};

/** A readable cause for a failed file-system call. */
export function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code && FS_REASONS[code]) return FS_REASONS[code];
  return err instanceof Error ? err.message : String(err);
}
