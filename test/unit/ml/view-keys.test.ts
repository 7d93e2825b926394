// Views are cached by a key spelled from their parameters, not by their
// place in the catalogue: a changed or reordered view list never reads a
// vector computed for another view, schema 5 keeps the vectors cached under
// the old positions under the right keys, and one run decodes each image
// once for all of its views. Real photos, real backbone, real SQLite files.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { ProjectStore } from '../../../db/project-store.js';
import { APPLICATION_ID } from '../../../db/open.js';
import { migrations } from '../../../db/migrations.js';
import { getEmbeddings, missingEmbeddings } from '../../../db/ml-queries.js';
import { importPaths } from '../../../main/import/import-session.js';
import { DEFAULT_BACKBONE } from '../../../main/ml/backbones.js';
import { Embedder } from '../../../main/ml/embedder.js';
import { ensureEmbeddings } from '../../../main/ml/embedding-cache.js';
import { cutView, decodeCopy } from '../../../main/ml/preprocess.js';
import { ALL_VIEWS, FLIP_VIEW, PLAIN_VIEW, PREDICTION_VIEWS, trainingViews, viewKey, viewSpec, type ViewSpec } from '../../../main/ml/views.js';
import { datasetDir } from '../../helpers/datasets.js';
import { tempDir } from '../../helpers/temp.js';
import { projectSql } from '../../helpers/project-sql.js';

const plain: ViewSpec = { flip: false, zoom: 1, x: 0.5, y: 0.5, rotate: 0, brightness: 1, saturation: 1 };
/** The catalogue as it stood when embeddings were cached by position (schema 4 and before), position by position. */
const SCHEMA_4_VIEWS: ViewSpec[] = [
  plain,
  { ...plain, flip: true },
  { ...plain, zoom: 1.25, x: 0.2, y: 0.25 },
  { ...plain, zoom: 1.25, x: 0.8, y: 0.75, flip: true },
  { ...plain, rotate: 10, brightness: 1.12, saturation: 1.2 },
  { ...plain, rotate: -10, brightness: 0.88, saturation: 0.8, flip: true },
];

const PHOTOS = 6;
const dir = tempDir();
let store: ProjectStore;
let embedder: Embedder;
let ids: number[];

before(async () => {
  const folder = path.join(dir, 'photos', 'ants');
  fs.mkdirSync(folder, { recursive: true });
  const source = path.join(datasetDir('hymenoptera'), 'val', 'ants');
  for (const f of fs.readdirSync(source).sort().slice(0, PHOTOS)) fs.copyFileSync(path.join(source, f), path.join(folder, f));
  store = ProjectStore.create(path.join(dir, 'views.pancake'));
  // No embedder given to the import: the cache starts empty.
  await importPaths(store, [path.dirname(folder)], { onProgress: () => undefined });
  ids = store.listImages().map((i) => i.id);
  assert.equal(ids.length, PHOTOS);
  embedder = await Embedder.open(DEFAULT_BACKBONE);
});

after(async () => {
  await embedder.close();
  store.close();
});

test('every view has its own key, and the key reads back as the view', () => {
  assert.equal(new Set(ALL_VIEWS).size, ALL_VIEWS.length);
  assert.equal(ALL_VIEWS[0], PLAIN_VIEW);
  for (const key of ALL_VIEWS) assert.equal(viewKey(viewSpec(key)), key);
  assert.deepEqual(viewSpec(viewKey(SCHEMA_4_VIEWS[5]!)), SCHEMA_4_VIEWS[5]);
  for (const p of ['zoom', 'x', 'y', 'rotate', 'brightness', 'saturation'] as const) {
    assert.notEqual(viewKey({ ...SCHEMA_4_VIEWS[2]!, [p]: SCHEMA_4_VIEWS[2]![p] + 0.01 }), viewKey(SCHEMA_4_VIEWS[2]!), p);
  }
  assert.notEqual(viewKey({ ...plain, flip: true }), viewKey(plain));
  for (const bad of ['', 'zoom', 'zoomx', 'plain_flip', 'flip_zoom1.25', 'zoom1', 'tilt3']) assert.throws(() => viewSpec(bad), RangeError, bad);
});

test('a changed or reordered view list never reads vectors computed for another view', async () => {
  const before = [PLAIN_VIEW, viewKey(SCHEMA_4_VIEWS[2]!)];
  const first = await ensureEmbeddings(store, embedder, ids.flatMap((imageId) => before.map((view) => ({ imageId, view }))));
  assert.equal(first.computed, ids.length * 2);
  const stored = getEmbeddings(store, DEFAULT_BACKBONE, ids, before);

  // Reordered: everything is cached, and each key still holds its own view's vector.
  const reordered = [...before].reverse();
  assert.equal(missingEmbeddings(store, DEFAULT_BACKBONE, ids.flatMap((imageId) => reordered.map((view) => ({ imageId, view })))).length, 0);
  assert.deepEqual(getEmbeddings(store, DEFAULT_BACKBONE, ids, reordered), stored);

  // Changed: the zoomed view with another zoom is a new key, computed afresh, and differs from the cached one.
  const changed = viewKey({ ...SCHEMA_4_VIEWS[2]!, zoom: 1.4 });
  const second = await ensureEmbeddings(store, embedder, ids.flatMap((imageId) => [PLAIN_VIEW, changed].map((view) => ({ imageId, view }))));
  assert.equal(second.computed, ids.length);
  assert.equal(second.cached, ids.length);
  const old = new Map(stored.filter((e) => e.view === before[1]).map((e) => [e.imageId, e.vector]));
  for (const e of getEmbeddings(store, DEFAULT_BACKBONE, ids, [changed])) {
    assert.notDeepEqual(e.vector, old.get(e.imageId), `image ${e.imageId}`);
  }
});

test('one run decodes each image once, however many views it wants', async () => {
  const views = trainingViews(true);
  assert.ok(views.length >= 4);
  const fresh = ids.slice(0, 4);
  // Cleared, so these images need every view afresh.
  projectSql(store).prepare(`DELETE FROM embeddings WHERE image_id IN (${fresh.join(',')})`).run();
  const result = await ensureEmbeddings(store, embedder, fresh.flatMap((imageId) => views.map((view) => ({ imageId, view }))));
  assert.equal(result.computed, fresh.length * views.length);
  assert.equal(result.decodes, fresh.length);
  assert.deepEqual(result.failed, []);
});

test('the plain view cut from the decoded copy is the crop sharp makes from the JPEG itself, and the mirror view its flop', async () => {
  for (const id of ids) {
    const jpeg = store.normalized(id)!.bytes;
    const direct = await sharp(Buffer.from(jpeg)).resize(224, 224, { fit: 'cover', position: 'centre', kernel: 'lanczos3' }).toColourspace('srgb').raw().toBuffer();
    const decoded = await decodeCopy(jpeg);
    const cut = await cutView(decoded, viewSpec(PLAIN_VIEW), 224);
    assert.ok(Buffer.from(cut.buffer, cut.byteOffset, cut.byteLength).equals(direct), `image ${id}`);
    // And the mirror view is that crop flopped by sharp, pixel for pixel.
    const flopped = await sharp(direct, { raw: { width: 224, height: 224, channels: 3 } }).flop().raw().toBuffer();
    const mirror = await cutView(decoded, viewSpec(FLIP_VIEW), 224);
    assert.ok(Buffer.from(mirror.buffer, mirror.byteOffset, mirror.byteLength).equals(flopped), `image ${id}, mirrored`);
  }
});

test('schema 5 keeps the vectors cached by position under the keys of the views those positions meant', () => {
  const file = path.join(dir, 'schema4.pancake');
  const db = new Database(file);
  db.pragma(`application_id = ${APPLICATION_ID}`);
  db.pragma('foreign_keys = ON');
  for (const m of migrations.filter((m) => m.version <= 4)) m.up(db);
  db.pragma('user_version = 4');
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('created_at', String(Date.now()));
  db.prepare(
    `INSERT INTO images (id, sha256, file_name, source_path, width, height, format, byte_size, imported_at) VALUES (1, 'aa', 'a.jpg', 'a.jpg', 4, 4, 'jpeg', 10, 0)`,
  ).run();
  const vector = (position: number) => Buffer.from(new Float32Array([position, position + 0.5]).buffer);
  const insert = db.prepare('INSERT INTO embeddings (image_id, backbone, view, vector) VALUES (1, ?, ?, ?)');
  for (let position = 0; position < SCHEMA_4_VIEWS.length; position++) insert.run(DEFAULT_BACKBONE, position, vector(position));
  insert.run('other_backbone', 1, vector(1));
  insert.run(DEFAULT_BACKBONE, 9, vector(9));
  db.close();

  const migrated = ProjectStore.open(file);
  try {
    const rows = getEmbeddings(migrated, DEFAULT_BACKBONE, [1], SCHEMA_4_VIEWS.map(viewKey));
    assert.equal(rows.length, SCHEMA_4_VIEWS.length);
    SCHEMA_4_VIEWS.forEach((spec, position) => {
      const row = rows.find((r) => r.view === viewKey(spec));
      assert.ok(row, `no vector under ${viewKey(spec)}`);
      assert.deepEqual([...row.vector], [position, position + 0.5]);
    });
    assert.deepEqual(getEmbeddings(migrated, 'other_backbone', [1], [viewKey(SCHEMA_4_VIEWS[1]!)]).map((r) => r.vector[0]), [1]);
    // A position no view ever had cannot be named, so it is gone.
    assert.equal((projectSql(migrated).prepare('SELECT COUNT(*) AS n FROM embeddings').get() as { n: number }).n, SCHEMA_4_VIEWS.length + 1);
    assert.deepEqual(PREDICTION_VIEWS, [viewKey(SCHEMA_4_VIEWS[0]!), viewKey(SCHEMA_4_VIEWS[1]!)]);
  } finally {
    migrated.close();
  }
});
