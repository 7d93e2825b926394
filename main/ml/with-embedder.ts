// "Use the caller's warm embedder, or open one for this call and close it
// after": the way every one-off run (a training, a folder evaluation, a
// prediction over stored images) reaches a backbone.
import { Embedder, type EmbedderOptions } from './embedder.js';

/** Refuses an embedder that runs another backbone than the model or project needs: its vectors would mean nothing to the head. */
export function assertBackbone(embedder: Embedder, backbone: string): void {
  if (embedder.backbone.id !== backbone) {
    throw new Error(`The model uses ${backbone}, but the embedder runs ${embedder.backbone.id}.`);
  }
}

/** Runs `fn` with `opts.embedder` (which must run `backbone`), or with an embedder opened for the call and closed after it. */
export async function withEmbedder<T>(
  backbone: string,
  opts: EmbedderOptions & { embedder?: Embedder | undefined },
  fn: (embedder: Embedder) => Promise<T>,
): Promise<T> {
  if (opts.embedder) {
    assertBackbone(opts.embedder, backbone);
    return fn(opts.embedder);
  }
  const embedder = await Embedder.open(backbone, opts);
  try {
    return await fn(embedder);
  } finally {
    await embedder.close();
  }
}
