// Loads a backbone and runs one tiny image through it, so the first image a
// person tries is answered by a warm model: opening the weights takes about
// half a second and onnxruntime's first run is slower than the rest.
import sharp from 'sharp';
import type { Embedder } from '../ml/embedder.js';

let blank: Promise<Buffer> | null = null;

export async function warmBackbone(embedder: Promise<Embedder>): Promise<number> {
  const started = performance.now();
  blank ??= sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } }).jpeg().toBuffer();
  await (await embedder).embedMany([{ normalized: await blank }]);
  return performance.now() - started;
}
