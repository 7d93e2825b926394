// A project saved by any earlier Pancake opens with every row it held: for
// each earlier schema version, a file is built at that version and filled
// the way the app fills it (classes and their folders, an import, images
// labelled by folder, by hand and by suggestion, one deleted, pixels,
// originals, vectors, a model version, the undo history with an undone
// step), then opened by ProjectStore, which migrates it, and compared row
// by row with what it held before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { LATEST_VERSION, migrations } from '../../../db/migrations.js';
import { APPLICATION_ID } from '../../../db/open.js';
import { ProjectStore } from '../../../db/project-store.js';
import { tempDir } from '../../helpers/temp.js';

const dir = tempDir();

function tables(db: Database.Database): string[] {
  return db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
}

const columns = (db: Database.Database, table: string) =>
  (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]);

/** Every row of a table (of the given columns) as text, blobs as hex, in a stable order. */
function rows(db: Database.Database, table: string, cols = columns(db, table)): string[] {
  return (db.prepare(`SELECT ${cols.map((c) => `"${c}"`).join(', ')} FROM "${table}"`).all() as Record<string, unknown>[])
    .map((r) => JSON.stringify(Object.entries(r).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('hex') : v])))
    .sort();
}

const vector = (x: number) => Buffer.from(new Float32Array([x, x + 0.25, -x]).buffer);

/** A project file at `version`, holding rows in every table that version has. */
function projectAt(version: number): string {
  const file = path.join(dir, `schema${version}.pancake`);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`application_id = ${APPLICATION_ID}`);
  db.pragma('foreign_keys = ON');
  for (const m of migrations.filter((m) => m.version <= version)) m.up(db);
  db.pragma(`user_version = ${version}`);
  const has = new Set(tables(db));
  const run = (sql: string, ...params: unknown[]) => db.prepare(sql).run(...params);

  run("INSERT INTO meta (key, value) VALUES ('created_at', '1700000000000'), ('active_model_version', '1')");
  run("INSERT INTO classes (id, name, color, position, created_at) VALUES (1, 'ants', '#e6194b', 0, 1), (2, 'Bees', '#3cb44b', 1, 2)");
  if (has.has('class_folders')) run("INSERT INTO class_folders (folder, class_id) VALUES ('ants', 1), ('abeilles', 2)");
  run(`INSERT INTO imports (id, started_at, finished_at, report) VALUES (1, 10, 20, '{"id":1,"added":4}')`);
  const image = db.prepare(
    `INSERT INTO images (id, sha256, file_name, source_path, width, height, format, byte_size, split, class_id, label_source, label_batch, labelled_at, imported_at, import_id)
     VALUES (?, ?, ?, ?, 640, 480, 'jpeg', ?, ?, ?, ?, ?, ?, 15, 1)`,
  );
  image.run(1, 'a1', 'ant.jpg', '/photos/ants/ant.jpg', 1000, 'train', 1, 'folder', null, 15);
  image.run(2, 'b2', 'bee.jpg', '/photos/bee.jpg', 1001, 'validation', 2, 'user', 1, 30);
  image.run(3, 'c3', 'what.png', '/photos/what.png', 1002, 'none', null, null, null, null);
  image.run(4, 'd4', 'gone.jpg', '/photos/gone.jpg', 1003, 'test', 2, 'suggestion', 2, 40);
  for (const id of [1, 2, 3, 4]) {
    run('INSERT INTO image_pixels (image_id, normalized, normalized_width, normalized_height, thumbnail) VALUES (?, ?, 512, 384, ?)', id, Buffer.from(`jpeg${id}`), Buffer.from(`thumb${id}`));
    // Before schema 5 a view was its position in the catalogue; since, its key.
    for (const view of [0, 1]) {
      run("INSERT INTO embeddings (image_id, backbone, view, vector) VALUES (?, 'mobilenet_v2_1.0_224', ?, ?)", id, version >= 5 ? VIEW_AT[view] : view, vector(id * 10 + view));
    }
  }
  run("INSERT INTO embeddings (image_id, backbone, view, vector) VALUES (1, 'efficientnet_lite0', 0, ?)", vector(99));
  run(
    `INSERT INTO label_batches (id, kind, description, created_at, undone) VALUES
       (1, 'labels', 'label 1 image as Bees', 30, 0), (2, 'suggestion', 'accept 1 suggested label (1 Bees)', 40, 0), (3, 'labels', 'label 1 image as ants', 50, 1)`,
  );
  run(
    `INSERT INTO label_changes (batch_id, image_id, before_class, before_source, after_class, after_source) VALUES
       (1, 2, NULL, NULL, 2, 'user'), (2, 4, NULL, NULL, 2, 'suggestion'), (3, 3, NULL, NULL, 1, 'user')`,
  );
  if (has.has('image_deletions')) {
    run("INSERT INTO label_batches (id, kind, description, created_at, undone) VALUES (4, 'delete', 'delete 1 image', 60, 0)");
    run('INSERT INTO image_deletions (batch_id, image_id) VALUES (4, 4)');
    run('UPDATE images SET deleted_batch = 4 WHERE id = 4');
  }
  if (has.has('image_originals')) {
    for (const id of [1, 2, 3, 4]) run('INSERT INTO image_originals (image_id, bytes) VALUES (?, ?)', id, Buffer.from(`original${id}`));
  }
  run(
    `INSERT INTO model_versions (id, name, note, created_at, backbone, classes, settings, data_fingerprint, metrics, head, duration_ms)
     VALUES (1, 'v1', 'first try', 70, 'mobilenet_v2_1.0_224', '["ants","Bees"]', '{"epochs":20,"views":[0,1],"hidden":64}', 'fp', '{"accuracy":0.5}', ?, 1234)`,
    Buffer.from('head weights'),
  );
  db.close();
  return file;
}

/** Schema 5 names vectors by view key; the positions 0 and 1 meant the plain and the mirrored crop. */
const VIEW_AT = ['plain', 'flip'];

for (const version of migrations.map((m) => m.version).filter((v) => v < LATEST_VERSION)) {
  test(`a populated project of schema ${version} opens at schema ${LATEST_VERSION} with every row it held`, () => {
    const file = projectAt(version);
    const old = new Database(file, { readonly: true });
    const before = new Map(tables(old).map((t) => [t, { columns: columns(old, t), rows: rows(old, t) }]));
    old.close();

    const store = ProjectStore.open(file);
    const info = store.info();
    store.close();

    const db = new Database(file, { readonly: true });
    try {
      assert.equal(db.pragma('user_version', { simple: true }), LATEST_VERSION);
      for (const [table, was] of before) {
        assert.ok(tables(db).includes(table), `${table} is gone`);
        // Only the columns it had then: later versions add some.
        const now = rows(db, table, was.columns);
        const renamed = (entries: [string, unknown][], key: string, to: (v: unknown) => unknown) =>
          JSON.stringify(entries.map(([k, v]) => [k, k === key ? to(v) : v]));
        const expected =
          table === 'embeddings' && version < 5
            ? was.rows.map((r) => renamed(JSON.parse(r) as [string, unknown][], 'view', (v) => VIEW_AT[v as number]))
            : table === 'model_versions'
              ? // Schema 6: the settings' hidden layer size is hiddenUnits.
                was.rows.map((r) =>
                  renamed(JSON.parse(r) as [string, unknown][], 'settings', (v) => {
                    const { hidden, ...rest } = JSON.parse(v as string) as Record<string, unknown>;
                    return JSON.stringify({ ...rest, hiddenUnits: hidden });
                  }),
                )
              : was.rows;
        assert.deepEqual(now, expected.sort(), table);
      }
    } finally {
      db.close();
    }

    // And the project reads as the app shows it.
    assert.deepEqual(info.classes.map((c) => [c.name, c.count]), version >= 3 ? [['ants', 1], ['Bees', 1]] : [['ants', 1], ['Bees', 2]]);
    assert.equal(info.unlabelled, 1);
    assert.equal(info.canRedo, true);
    assert.equal(info.originalsBytes, version >= 4 ? 1000 + 1001 + 1002 + 1003 : 0);
  });
}
