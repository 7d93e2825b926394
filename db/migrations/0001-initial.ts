// Schema 1: initial.
import type { Database } from 'better-sqlite3';

export function migrate0001(db: Database): void {
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
}
