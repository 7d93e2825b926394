// What the embedder is given, and how it becomes the raster the views are cut
// from. An import hands over the raster it decoded its original into (no
// decode here); an original outside the project (predict, evaluate, Try it)
// is decoded into that same raster, under the import's rules, so a photo gets
// one embedding wherever it comes from; a project's stored JPEG copy (later
// views, another backbone) is decoded once for all its views.
import { normalizeOriginal, type Original } from '../import/normalize-original.js';
import { decodeCopy, type Raw } from './preprocess.js';

export type ImageSource = { normalized: Uint8Array } | { raster: Raw } | Original;

/** Decodes a source's raster takes: none for an import's, one otherwise. */
export const decodesOf = (source: ImageSource): number => ('raster' in source ? 0 : 1);

export async function rasterOf(source: ImageSource): Promise<Raw> {
  if ('raster' in source) return source.raster;
  if ('normalized' in source) return decodeCopy(source.normalized);
  return normalizeOriginal(source);
}
