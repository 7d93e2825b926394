// `node dist/test/tools/embed-dataset.js <dataset-folder> <out-folder>`: a
// measurement tool for choosing the training defaults. Imports the folder
// into a throwaway project with the real importer, embeds every image under
// every view of main/ml/views.ts with the real backbone, times what each
// group of views costs, and leaves the project (for test/tools/kfold-heads.ts)
// and the vectors (for test/tools/logreg.py) in the out folder. Never commit
// its output.
import '../../main/ml/telemetry-off.js';
import fs from 'node:fs';
import path from 'node:path';
import { ProjectStore } from '../../db/project-store.js';
import { getEmbeddings, labelledImages } from '../../db/ml-queries.js';
import { importPaths } from '../../main/import/import-session.js';
import { Embedder } from '../../main/ml/embedder.js';
import { ensureEmbeddings } from '../../main/ml/embedding-cache.js';
import { ALL_VIEWS, extraTrainingViews, FLIP_VIEW, PLAIN_VIEW, type ViewKey } from '../../main/ml/views.js';

export interface EmbeddedDataset {
  dim: number;
  views: number;
  /** Row i of the vector file holds views * dim floats of images[i]. */
  images: { id: number; sha256: string; className: string; split: string }[];
  /** Milliseconds per image for each group of views, embedded in separate runs. */
  costMs: Record<string, number>;
}

async function main(): Promise<void> {
  const [dataset, out] = process.argv.slice(2);
  if (!dataset || !out) throw new Error('usage: embed-dataset <dataset-folder> <out-folder>');
  fs.mkdirSync(out, { recursive: true });
  fs.rmSync(path.join(out, 'project.pancake'), { force: true });
  const store = ProjectStore.create(path.join(out, 'project.pancake'));
  const embedder = await Embedder.open();
  try {
    await importPaths(store, [dataset], { onProgress: () => undefined });
    const images = labelledImages(store);
    const groups: [string, ViewKey[]][] = [
      ['plain', [PLAIN_VIEW]],
      ['mirror', [FLIP_VIEW]],
      ['four augmented', extraTrainingViews()],
    ];
    const costMs: Record<string, number> = {};
    for (const [name, views] of groups) {
      const started = performance.now();
      const r = await ensureEmbeddings(store, embedder, images.flatMap((img) => views.map((view) => ({ imageId: img.id, view }))));
      if (r.failed.length > 0) throw new Error(`${r.failed.length} embeddings failed: ${r.failed[0]!.message}`);
      costMs[name] = (performance.now() - started) / images.length;
      console.log(`${name}: ${costMs[name]!.toFixed(1)} ms per image`);
    }
    const dim = embedder.backbone.dim;
    const all = [...ALL_VIEWS];
    const x = new Float32Array(images.length * all.length * dim);
    for (const [row, img] of images.entries()) {
      for (const e of getEmbeddings(store, embedder.backbone.id, [img.id], all)) x.set(e.vector, (row * all.length + all.indexOf(e.view)) * dim);
    }
    fs.writeFileSync(path.join(out, 'vectors.f32'), new Uint8Array(x.buffer));
    const meta: EmbeddedDataset = {
      dim,
      views: all.length,
      images: images.map((i) => ({ id: i.id, sha256: i.sha256, className: i.className, split: i.split })),
      costMs,
    };
    fs.writeFileSync(path.join(out, 'meta.json'), JSON.stringify(meta));
  } finally {
    await embedder.close();
    store.close();
  }
}

await main();
