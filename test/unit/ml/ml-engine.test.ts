// Training end to end on the real hymenoptera set, imported by the real
// importer into a real project file, with the real backbone: accuracy,
// the embedding cache, reproducibility, cancellation, prediction and
// evaluation of a folder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ProjectStore } from '../../../db/project-store.js';
import { countEmbeddings, listModelVersions } from '../../../db/ml-queries.js';
import { importPaths } from '../../../main/import/import-session.js';
import { Embedder } from '../../../main/ml/embedder.js';
import { evaluateFolder } from '../../../main/ml/evaluate-folder.js';
import { predictImages } from '../../../main/ml/predict.js';
import { predictStoredImages } from '../../../main/ml/predict-project.js';
import type { TrainPhase } from '../../../contract/types.js';
import { trainProject } from '../../../main/ml/train.js';
import { activeVersion, loadHead } from '../../../main/ml/versions.js';
import { datasetDir } from '../../helpers/datasets.js';
import { tempDir } from '../../helpers/temp.js';
import { projectSql } from '../../helpers/project-sql.js';

const DATASET = datasetDir('hymenoptera');
let store: ProjectStore;
let embedder: Embedder;

before(async () => {
  store = ProjectStore.create(path.join(tempDir(), 'hymenoptera.pancake'));
  await importPaths(store, [DATASET], { onProgress: () => undefined });
  embedder = await Embedder.open();
});

after(async () => {
  await embedder.close();
  store.close();
});

test('default training reaches 95% on hymenoptera, and a second run reuses every embedding and gives the same weights', async () => {
  const phases: TrainPhase[] = [];
  let epochs = 0;
  const first = await trainProject(store, { embedder, onPhase: (p) => phases.push(p), onEpoch: () => epochs++ });
  assert.deepEqual(phases, ['embedding', 'training', 'evaluating', 'saving']);
  assert.ok(epochs > 0 && epochs === first.metrics.history.length);
  const validation = first.metrics.validation!;
  assert.equal(validation.n, 153);
  assert.ok(validation.accuracy >= 0.95, `validation accuracy ${validation.accuracy}`);
  assert.equal(first.metrics.predictions.length, 153);
  assert.ok(first.embedded.computed > 0);
  assert.equal(activeVersion(store)?.id, first.versionId);

  const second = await trainProject(store, { embedder });
  assert.equal(second.embedded.computed, 0);
  assert.equal(second.embedded.cached, first.embedded.computed + first.embedded.cached);
  const [a, b] = [loadHead(store, first.versionId), loadHead(store, second.versionId)];
  assert.deepEqual(b.output.weights, a.output.weights);
  assert.deepEqual(b.output.bias, a.output.bias);
  assert.equal(activeVersion(store)?.id, second.versionId);
});

test('the active version classifies new files, stored images and a labelled folder', async () => {
  const head = loadHead(store, activeVersion(store)!.id);
  const ant = path.join(DATASET, 'val', 'ants', fs.readdirSync(path.join(DATASET, 'val', 'ants'))[0]!);
  const bee = path.join(DATASET, 'val', 'bees', fs.readdirSync(path.join(DATASET, 'val', 'bees'))[0]!);
  const [p1, p2, broken] = await predictImages(embedder, head, [{ path: ant }, { name: 'bee.jpg', bytes: fs.readFileSync(bee) }, { name: 'broken.jpg', bytes: new Uint8Array([1, 2, 3]) }], { topK: 2 });
  assert.ok(p1?.ok && p2?.ok);
  assert.equal(p1.top.length, 2);
  assert.ok(Math.abs(p1.probabilities.reduce((s, v) => s + v, 0) - 1) < 1e-5);
  assert.deepEqual([p1.top[0]!.className, p2.top[0]!.className], ['ants', 'bees']);
  assert.equal(broken?.ok, false);

  // Images already in the project go through the embedding cache.
  const stored = store.listImages().filter((i) => i.split === 'validation').slice(0, 30);
  const fromStore = await predictStoredImages(store, stored.map((i) => i.id), { embedder, topK: 1 });
  assert.equal(fromStore.predictions.length, 30);
  const names = new Map(store.classes().map((c) => [c.id, c.name]));
  const right = fromStore.predictions.filter((p, k) => p.top[0]!.className === names.get(stored[k]!.classId!)).length;
  assert.ok(right >= 27, `${right}/30 right`);

  // A folder laid out as <class>/*, with one folder the model does not know.
  const folder = tempDir();
  for (const cls of ['ANTS', 'Bees']) {
    fs.mkdirSync(path.join(folder, cls));
    for (const f of fs.readdirSync(path.join(DATASET, 'val', cls.toLowerCase())).slice(0, 10)) {
      fs.copyFileSync(path.join(DATASET, 'val', cls.toLowerCase(), f), path.join(folder, cls, f));
    }
  }
  fs.mkdirSync(path.join(folder, 'wasps'));
  fs.copyFileSync(ant, path.join(folder, 'wasps', 'x.jpg'));
  const result = await evaluateFolder(store, folder, { embedder });
  assert.equal(result.n, 20);
  assert.deepEqual(result.unknownClasses, ['wasps']);
  assert.deepEqual(result.confusion.labels, ['ants', 'bees']);
  assert.ok(result.accuracy >= 0.85, `folder accuracy ${result.accuracy}`);
  assert.equal(result.perClass.ants!.n + result.perClass.bees!.n, 20);
});

test('cancelling while embedding keeps what was computed and saves no version; the next run only adds the rest', async () => {
  const backbone = 'mobilenet_v3_small_1.0_224';
  const versions = listModelVersions(store).length;
  const active = activeVersion(store)!.id;
  const controller = new AbortController();
  await assert.rejects(
    trainProject(store, {
      backbone,
      augment: false,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'embedding' && p.done >= 40) controller.abort();
      },
    }),
    (e: Error) => e.name === 'AbortError',
  );
  const kept = countEmbeddings(store, backbone);
  assert.ok(kept >= 40, `kept ${kept}`);
  assert.equal(listModelVersions(store).length, versions);
  assert.equal(activeVersion(store)!.id, active);
  assert.equal(projectSql(store).pragma('integrity_check', { simple: true }), 'ok');

  // Cancel during training: nothing saved either.
  const duringTraining = new AbortController();
  await assert.rejects(
    trainProject(store, { backbone, augment: false, signal: duringTraining.signal, onEpoch: () => duringTraining.abort() }),
    (e: Error) => e.name === 'AbortError',
  );
  assert.equal(listModelVersions(store).length, versions);
  const total = countEmbeddings(store, backbone);
  // Every image under the plain and the mirrored view.
  assert.equal(total, 2 * (245 + 153));
  const again = await trainProject(store, { backbone, augment: false, epochs: 5 });
  assert.equal(again.embedded.computed, 0);
  assert.equal(activeVersion(store)!.id, again.versionId);
});
