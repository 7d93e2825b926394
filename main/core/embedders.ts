// One warm embedder per backbone, shared by training, prediction and
// evaluation: opening one loads the weights into a worker (about half a
// second), which "try it" on a single image cannot afford every time.
import { Embedder } from '../ml/embedder.js';
import type { ModelsLocation } from '../ml/backbones.js';

export class Embedders {
  private readonly open = new Map<string, Promise<Embedder>>();

  constructor(private readonly location: () => ModelsLocation) {}

  async get(backbone: string): Promise<Embedder> {
    const cached = this.open.get(backbone);
    if (cached) {
      const embedder = await cached.catch(() => null);
      if (embedder?.usable) return embedder;
      this.open.delete(backbone);
    }
    return this.load(backbone);
  }

  private load(backbone: string): Promise<Embedder> {
    let e = this.open.get(backbone);
    if (!e) {
      e = Embedder.open(backbone, this.location());
      // A failed open (missing weights) must not be cached: the user may fix it.
      e.catch(() => this.open.delete(backbone));
      this.open.set(backbone, e);
    }
    return e;
  }

  /** After the models folder changes, later calls load the weights afresh. */
  async closeAll(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((p) => p.then((e) => e.close()).catch(() => undefined)));
  }
}
