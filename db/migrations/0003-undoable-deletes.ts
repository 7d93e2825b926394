// Schema 3: undoable deletes.
import type { Database } from 'better-sqlite3';

export function migrate0003(db: Database): void {
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
}
