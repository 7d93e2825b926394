// An import embeds what it adds as it goes: each original is decoded once and
// nothing else is (the backbone's inputs are cut from that raster, not from
// the stored JPEG copy), the project's warm backbone embeds it under the
// prediction views, and the vectors are those Try it gives the same file. A cancelled
// import leaves every image with all of those vectors or none (the rest are
// made later), and without weights the import still works and says so. A
// training with augmentation then decodes each image once for its new views.
// Real photos, the real backbone, a real SQLite file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ProjectStore } from '../../../db/project-store.js';
import { getEmbeddings } from '../../../db/ml-queries.js';
import type { ApiEvent, ImportEmbedding } from '../../../contract/types.js';
import { PancakeCore } from '../../../main/core/core.js';
import { originalDecodes } from '../../../main/import/decode.js';
import { ImportEmbeddings } from '../../../main/import/import-embeddings.js';
import { importPaths } from '../../../main/import/import-session.js';
import { DEFAULT_BACKBONE } from '../../../main/ml/backbones.js';
import { Embedder } from '../../../main/ml/embedder.js';
import { ensureEmbeddings } from '../../../main/ml/embedding-cache.js';
import { trainProject } from '../../../main/ml/train.js';
import { PREDICTION_VIEWS } from '../../../main/ml/views.js';
import { datasetDir } from '../../helpers/datasets.js';
import { tempDir } from '../../helpers/temp.js';
import { cosine } from '../../helpers/vectors.js';
import { projectSql } from '../../helpers/project-sql.js';

const DATASET = datasetDir('hymenoptera');

/** `perClass` photos of each class from the training split, copied into a fresh folder of class folders. */
function photoFolder(perClass: number, offset = 0): string {
  const root = tempDir();
  for (const cls of ['ants', 'bees']) {
    fs.mkdirSync(path.join(root, cls));
    const files = fs.readdirSync(path.join(DATASET, 'train', cls)).sort().slice(offset, offset + perClass);
    for (const f of files) fs.copyFileSync(path.join(DATASET, 'train', cls, f), path.join(root, cls, f));
  }
  return root;
}

/** Vectors per image id under the prediction views, and how many vectors belong to no image. */
function vectorCounts(store: ProjectStore): { perImage: Map<number, number>; orphans: number } {
  const perImage = new Map(store.listImages().map((i) => [i.id, 0]));
  const rows = projectSql(store).prepare('SELECT image_id AS id, view FROM embeddings WHERE backbone = ?').all(DEFAULT_BACKBONE) as { id: number; view: string }[];
  let orphans = 0;
  for (const r of rows) {
    if (!perImage.has(r.id)) orphans++;
    else if (PREDICTION_VIEWS.includes(r.view)) perImage.set(r.id, perImage.get(r.id)! + 1);
  }
  return { perImage, orphans };
}

let embedder: Embedder;

before(async () => {
  embedder = await Embedder.open(DEFAULT_BACKBONE);
});

after(async () => {
  await embedder.close();
});

test('the import embeds every added image as Try it would, with one decode per image', async (t) => {
  const home = tempDir();
  const core = new PancakeCore({ stateDir: home, host: 'cli' });
  const seen: ImportEmbedding[] = [];
  const unsubscribe = core.events.subscribe((e: ApiEvent) => {
    if (e.type === 'progress' && e.kind === 'import' && e.embedding) seen.push(e.embedding);
  });
  try {
    await core.api.projectCreate({ path: path.join(home, 'embedded.pancake') });
    const coreEmbedder = await core.embedders.get(DEFAULT_BACKBONE);
    const originalsBefore = originalDecodes();
    const embedderBefore = coreEmbedder.decodes;
    const report = await core.api.importPaths({ jobId: 'import', paths: [photoFolder(15)] });
    assert.equal(report.added, 30, JSON.stringify(report.skipped));
    assert.equal(originalDecodes() - originalsBefore, 30, 'each original is decoded once');
    assert.equal(coreEmbedder.decodes - embedderBefore, 0, 'the embedder decodes nothing the import already decoded');
    assert.equal(report.embedded, 30);
    assert.equal(report.embeddingNote, undefined);
    const { perImage, orphans } = vectorCounts(core.store);
    assert.deepEqual([...perImage.values()], new Array(30).fill(PREDICTION_VIEWS.length));
    assert.equal(orphans, 0);

    const last = seen.at(-1);
    assert.ok(last?.state === 'running', JSON.stringify(last));
    assert.equal(last.backbone, DEFAULT_BACKBONE);
    assert.equal(last.done, 30);
    assert.equal(last.total, 30);

    const ids = [...perImage.keys()];
    const again = await ensureEmbeddings(core.store, embedder, ids.flatMap((imageId) => PREDICTION_VIEWS.map((view) => ({ imageId, view }))));
    assert.equal(again.computed, 0, 'nothing is left for training to embed');
    assert.equal(again.decodes, 0);

    // What the import stored is what Try it gives for the same file's bytes:
    // the same decode, the same raster, the same crop.
    for (const view of PREDICTION_VIEWS) {
      const stored = new Map(getEmbeddings(core.store, DEFAULT_BACKBONE, ids, [view]).map((e) => [e.imageId, e.vector]));
      const images = core.store.listImages();
      const tried = await embedder.embedMany(images.map((i) => ({ name: i.fileName, bytes: fs.readFileSync(i.sourcePath) })), view);
      images.forEach((image, i) => {
        const v = tried[i];
        assert.ok(v instanceof Float32Array, String(v));
        assert.ok(cosine(stored.get(image.id)!, v) > 0.99999, `${image.fileName}, ${view}`);
      });
      // The stored JPEG copy, which later views are cut from, is close but
      // not the same picture (JPEG's chroma subsampling): docs/benchmarks.md.
      const fromCopies = await embedder.embedMany(ids.map((id) => ({ normalized: core.store.normalized(id)!.bytes })), view);
      const cosines = ids.map((id, i) => {
        const v = fromCopies[i];
        assert.ok(v instanceof Float32Array, String(v));
        return cosine(stored.get(id)!, v);
      });
      const mean = cosines.reduce((a, b) => a + b, 0) / cosines.length;
      t.diagnostic(`${view}: cosine of the stored copy's embedding to the import's, mean ${mean.toFixed(4)}, lowest ${Math.min(...cosines).toFixed(4)}`);
      assert.ok(Math.min(...cosines) > 0.95, `${view}: lowest cosine ${Math.min(...cosines)}`);
    }

    // A training with augmentation decodes each image that needs more views once, however many it needs.
    const vectorsOf = () =>
      new Map((projectSql(core.store).prepare('SELECT image_id AS id, COUNT(*) AS n FROM embeddings GROUP BY image_id').all() as { id: number; n: number }[]).map((r) => [r.id, r.n]));
    const beforeTraining = vectorsOf();
    const trained = await trainProject(core.store, { embedder, augment: true });
    const afterTraining = vectorsOf();
    const grown = ids.filter((id) => afterTraining.get(id)! > beforeTraining.get(id)!).length;
    assert.ok(grown > 0 && trained.embedded.computed > grown, `${grown} images got ${trained.embedded.computed} vectors`);
    assert.equal(trained.embedded.decodes, grown);
  } finally {
    unsubscribe();
    await core.embedders.closeAll();
    core.shutdown();
  }
});

test('a cancelled import leaves each image with all its prediction vectors or none, and the rest are made later', async (t) => {
  const store = ProjectStore.create(path.join(tempDir(), 'cancelled.pancake'));
  try {
    const controller = new AbortController();
    const report = await importPaths(store, [photoFolder(40, 15)], {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.added >= 12) controller.abort();
      },
      embeddings: (onChange) => new ImportEmbeddings(store, Promise.resolve(embedder), onChange, PREDICTION_VIEWS),
    });
    assert.equal(report.cancelled, true);
    assert.ok(report.added >= 12 && report.added < 80, `added ${report.added}`);
    const { perImage, orphans } = vectorCounts(store);
    assert.equal(perImage.size, report.added);
    for (const [id, n] of perImage) assert.ok(n === 0 || n === PREDICTION_VIEWS.length, `image ${id} has ${n} of its vectors`);
    assert.equal(orphans, 0);
    assert.equal([...perImage.values()].filter((n) => n > 0).length, report.embedded);
    t.diagnostic(`cancelled after ${report.added} images, ${report.embedded} of them embedded`);

    const later = await ensureEmbeddings(store, embedder, [...perImage.keys()].flatMap((imageId) => PREDICTION_VIEWS.map((view) => ({ imageId, view }))));
    assert.equal(later.computed, (report.added - report.embedded!) * PREDICTION_VIEWS.length);
    assert.deepEqual([...vectorCounts(store).perImage.values()], new Array(report.added).fill(PREDICTION_VIEWS.length));
  } finally {
    store.close();
  }
});

test('without weights the import still adds every image and says they will be embedded later', async () => {
  const saved = { ...process.env };
  const home = tempDir();
  process.env.PANCAKE_NO_CHECKOUT_MODELS = '1';
  process.env.HOME = home;
  delete process.env.XDG_DATA_HOME;
  delete process.env.PANCAKE_MODELS_DIR;
  const core = new PancakeCore({ stateDir: home, host: 'cli' });
  const seen: ImportEmbedding[] = [];
  const unsubscribe = core.events.subscribe((e: ApiEvent) => {
    if (e.type === 'progress' && e.embedding) seen.push(e.embedding);
  });
  try {
    await core.api.projectCreate({ path: path.join(home, 'no-weights.pancake') });
    const report = await core.api.importPaths({ jobId: 'import', paths: [photoFolder(2)] });
    assert.equal(report.added, 4);
    assert.equal(report.embedded, 0);
    assert.match(report.embeddingNote ?? '', /Images will be embedded when a model needs them\.$/);
    assert.ok(seen.some((e) => e.state === 'later'), JSON.stringify(seen));
    assert.equal((projectSql(core.store).prepare('SELECT COUNT(*) AS n FROM embeddings').get() as { n: number }).n, 0);
  } finally {
    unsubscribe();
    await core.embedders.closeAll();
    core.shutdown();
    process.env = saved;
  }
});
