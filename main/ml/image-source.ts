// What the embedder is given. Every image reaches the backbone through its
// normalized copy: a project's stored one, or one made in memory from an
// original exactly as an import would make it, so a photo has one embedding
// wherever it comes from.
import { normalizeOriginal, type Original } from '../import/normalize-original.js';

export type ImageSource = { normalized: Uint8Array } | Original;

export async function normalizedCopy(source: ImageSource): Promise<Uint8Array> {
  return 'normalized' in source ? source.normalized : normalizeOriginal(source);
}
