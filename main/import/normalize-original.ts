// An original photo outside the project (a file named to predict or evaluate,
// bytes dropped on Try it) decoded into the raster an import would cut its
// backbone inputs from, under the import's rules: the same file-size cap,
// sniffing, pixel limit and decoder, and the same reasons when a file is
// refused.
import path from 'node:path';
import type { Raw } from '../ml/preprocess.js';
import { decodeOriginal } from './decode.js';
import { MAX_FILE_BYTES, readImageFile, tooLargeReason } from './read-file.js';
import { ImportSkipError } from './skip-error.js';

export type Original = { path: string } | { name: string; bytes: Uint8Array };

/** Oriented, sRGB, longest side at most 512; throws ImportSkipError with the import's reason. */
export async function normalizeOriginal(original: Original): Promise<Raw> {
  if ('path' in original) return decodeOriginal(await readImageFile(original.path), path.basename(original.path));
  const { bytes, name } = original;
  if (bytes.length > MAX_FILE_BYTES) throw new ImportSkipError(tooLargeReason(bytes.length));
  return decodeOriginal(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), name);
}
