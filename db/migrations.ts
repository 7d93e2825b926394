// Numbered schema migrations. Each runs once, in order, inside one
// transaction together with the bump of PRAGMA user_version, so a project
// file is always at exactly one known version.
import type { Database } from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'initial',
    up(db) {
      db.exec(`
        CREATE TABLE meta (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) STRICT;

        CREATE TABLE classes (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL UNIQUE COLLATE NOCASE,
          color TEXT NOT NULL,
          position INTEGER NOT NULL,
          created_at INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE imports (
          id INTEGER PRIMARY KEY,
          started_at INTEGER NOT NULL,
          finished_at INTEGER,
          report TEXT
        ) STRICT;

        -- AUTOINCREMENT: an id is never reused, so a cached thumbnail URL can never show another image.
        CREATE TABLE images (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          sha256 TEXT NOT NULL UNIQUE,
          file_name TEXT NOT NULL,
          source_path TEXT NOT NULL,
          width INTEGER NOT NULL,
          height INTEGER NOT NULL,
          format TEXT NOT NULL,
          byte_size INTEGER NOT NULL,
          split TEXT NOT NULL DEFAULT 'none' CHECK (split IN ('train', 'validation', 'test', 'none')),
          class_id INTEGER REFERENCES classes(id) ON DELETE SET NULL,
          label_source TEXT CHECK (label_source IN ('folder', 'user', 'suggestion')),
          label_batch INTEGER,
          labelled_at INTEGER,
          imported_at INTEGER NOT NULL,
          import_id INTEGER REFERENCES imports(id) ON DELETE SET NULL,
          CHECK ((class_id IS NULL) = (label_source IS NULL))
        ) STRICT;
        CREATE INDEX images_class ON images(class_id);

        -- Pixels live apart from the rows so that listing 20,000 images
        -- never pages through megabytes of blobs.
        CREATE TABLE image_pixels (
          image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
          normalized BLOB NOT NULL,
          normalized_width INTEGER NOT NULL,
          normalized_height INTEGER NOT NULL,
          thumbnail BLOB NOT NULL
        ) STRICT;

        -- Undo history of label changes, one batch per user action.
        CREATE TABLE label_batches (
          id INTEGER PRIMARY KEY,
          kind TEXT NOT NULL,
          description TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          undone INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE TABLE label_changes (
          batch_id INTEGER NOT NULL REFERENCES label_batches(id) ON DELETE CASCADE,
          image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
          before_class INTEGER,
          before_source TEXT,
          after_class INTEGER,
          after_source TEXT,
          PRIMARY KEY (batch_id, image_id)
        ) STRICT;

        -- One vector per (image, backbone, view); view 0 is the plain
        -- centre crop, higher views are augmentations.
        CREATE TABLE embeddings (
          image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
          backbone TEXT NOT NULL,
          view INTEGER NOT NULL,
          vector BLOB NOT NULL,
          PRIMARY KEY (image_id, backbone, view)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE model_versions (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL,
          note TEXT NOT NULL DEFAULT '',
          created_at INTEGER NOT NULL,
          backbone TEXT NOT NULL,
          classes TEXT NOT NULL,
          settings TEXT NOT NULL,
          data_fingerprint TEXT NOT NULL,
          metrics TEXT NOT NULL,
          head BLOB NOT NULL,
          duration_ms INTEGER NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 2,
    name: 'class folders',
    up(db) {
      // The folder names an import took into each class, so a class renamed
      // in Pancake still receives that folder's images on the next import.
      db.exec(`
        CREATE TABLE class_folders (
          folder TEXT PRIMARY KEY COLLATE NOCASE,
          class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE
        ) STRICT;
        CREATE INDEX class_folders_class ON class_folders(class_id);

        -- Before this table, a class holding images labelled by their folder
        -- came from a folder of its own name (unless renamed since, which
        -- nothing recorded).
        INSERT INTO class_folders (folder, class_id)
          SELECT name, id FROM classes
          WHERE EXISTS (SELECT 1 FROM images WHERE images.class_id = classes.id AND images.label_source = 'folder');
      `);
    },
  },
  {
    version: 3,
    name: 'undoable deletes',
    up(db) {
      // A deleted image stays until the undo history lets it go: removing its
      // delete step (a new action clears the redo stack, a vanished class
      // forgets its steps) removes the image with its pixels and vectors.
      db.exec(`
        ALTER TABLE images ADD COLUMN deleted_batch INTEGER REFERENCES label_batches(id) ON DELETE CASCADE;
        CREATE INDEX images_deleted ON images(deleted_batch) WHERE deleted_batch IS NOT NULL;

        -- Which images a delete step took, kept while it is undone so redo can take them again.
        CREATE TABLE image_deletions (
          batch_id INTEGER NOT NULL REFERENCES label_batches(id) ON DELETE CASCADE,
          image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
          PRIMARY KEY (batch_id, image_id)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX image_deletions_image ON image_deletions(image_id);
      `);
    },
  },
  {
    version: 4,
    name: 'image originals',
    up(db) {
      // The bytes the user gave, kept whatever the host: a browser upload
      // leaves no path to copy them from later, and a file on disk can move.
      // Apart from the rows and the pixels for the same reason as those.
      db.exec(`
        CREATE TABLE image_originals (
          image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
          bytes BLOB NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 5,
    name: 'view keys',
    up(db) {
      // Embeddings were cached under a view's position in the catalogue, so
      // a catalogue reordered or changed would have served one view's vector
      // for another. They are now cached under the view's key (main/ml/views.ts
      // spells it from the view's parameters). The positions 0..5 meant these
      // views then; a row under any other position cannot be named and goes.
      db.exec(`
        CREATE TABLE embeddings_keyed (
          image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
          backbone TEXT NOT NULL,
          view TEXT NOT NULL,
          vector BLOB NOT NULL,
          PRIMARY KEY (image_id, backbone, view)
        ) STRICT, WITHOUT ROWID;
        INSERT INTO embeddings_keyed (image_id, backbone, view, vector)
          SELECT image_id, backbone, CASE view
              WHEN 0 THEN 'plain'
              WHEN 1 THEN 'flip'
              WHEN 2 THEN 'zoom1.25_x0.2_y0.25'
              WHEN 3 THEN 'zoom1.25_x0.8_y0.75_flip'
              WHEN 4 THEN 'rotate10_brightness1.12_saturation1.2'
              WHEN 5 THEN 'rotate-10_brightness0.88_saturation0.8_flip'
            END, vector
          FROM embeddings WHERE view BETWEEN 0 AND 5;
        DROP TABLE embeddings;
        ALTER TABLE embeddings_keyed RENAME TO embeddings;
      `);
    },
  },
];

export const LATEST_VERSION = migrations.reduce((max, m) => Math.max(max, m.version), 0);
