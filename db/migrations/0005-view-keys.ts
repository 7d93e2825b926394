// Schema 5: view keys.
import type { Database } from 'better-sqlite3';

export function migrate0005(db: Database): void {
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
}
