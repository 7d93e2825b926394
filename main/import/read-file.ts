// Reads one dropped file whole, after checking from its metadata that this
// is sensible: a regular file of a size an image can reasonably have.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { ImportSkipError, fsReason } from './skip-error.js';

export const MAX_FILE_BYTES = 200 * 1024 * 1024;

const megabytes = (n: number): string => `${Math.round(n / (1024 * 1024))} MB`;

export function tooLargeReason(byteSize: number): string {
  return `file too large (${megabytes(byteSize)}; the limit is ${megabytes(MAX_FILE_BYTES)})`;
}

export async function readImageFile(absPath: string): Promise<Buffer> {
  let handle: fsp.FileHandle;
  try {
    // Non-blocking so that a named pipe cannot hang the import; it is refused below.
    handle = await fsp.open(absPath, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw new ImportSkipError(`could not read the file (${fsReason(err)})`);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new ImportSkipError('not a regular file');
    if (stats.size > MAX_FILE_BYTES) throw new ImportSkipError(tooLargeReason(stats.size));
    return await handle.readFile();
  } catch (err) {
    if (err instanceof ImportSkipError) throw err;
    throw new ImportSkipError(`could not read the file (${fsReason(err)})`);
  } finally {
    await handle.close();
  }
}
