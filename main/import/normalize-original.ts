// An original photo outside the project (a file named to predict or evaluate,
// bytes dropped on Try it) made into the normalized copy an import would
// store, under the import's rules: the same file-size cap, sniffing, pixel
// limit and decoder, and the same reasons when a file is refused.
import path from 'node:path';
import { decodeNormalized } from './decode.js';
import { MAX_FILE_BYTES, readImageFile, tooLargeReason } from './read-file.js';
import { ImportSkipError } from './skip-error.js';

export type Original = { path: string } | { name: string; bytes: Uint8Array };

/** The normalized JPEG; throws ImportSkipError with the import's reason. */
export async function normalizeOriginal(original: Original): Promise<Buffer> {
  if ('path' in original) return decodeNormalized(await readImageFile(original.path), path.basename(original.path));
  const { bytes, name } = original;
  if (bytes.length > MAX_FILE_BYTES) throw new ImportSkipError(tooLargeReason(bytes.length));
  return decodeNormalized(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), name);
}
