// Schema 2: class folders.
import type { Database } from 'better-sqlite3';

export function migrate0002(db: Database): void {
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
}
