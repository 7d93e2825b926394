// Why getting a backbone failed, as one sentence a person can act on. The
// kind lets callers (tests, the UI) tell the cases apart without parsing text.
import { UserError } from '../../contract/errors.js';

export type ModelFetchFailure = 'checksum' | 'size' | 'truncated' | 'http' | 'disk-full' | 'network' | 'converter' | 'folder';

export class ModelFetchError extends UserError {
  constructor(
    readonly kind: ModelFetchFailure,
    message: string,
  ) {
    super('ModelFetchError', message);
  }
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

const NO_NETWORK = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'ETIMEDOUT']);

export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isNoNetwork(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && NO_NETWORK.has(code);
}

export function diskFullError(dir: string, what: string): ModelFetchError {
  return new ModelFetchError('disk-full', `The disk is full: ${what} could not be saved in ${dir}. Free some space and try again.`);
}
