// Schema 4: image originals.
import type { Database } from 'better-sqlite3';

export function migrate0004(db: Database): void {
  // The bytes the user gave, kept whatever the host: a browser upload
  // leaves no path to copy them from later, and a file on disk can move.
  // Apart from the rows and the pixels for the same reason as those.
  db.exec(`
    CREATE TABLE image_originals (
      image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
      bytes BLOB NOT NULL
    ) STRICT;
  `);
}
