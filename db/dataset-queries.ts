// The images a dataset export writes, in the order it writes them.
import type { ImageFormat, LabelSource, Split } from '../contract/types.js';
import { connectionOf } from './connection.js';
import type { ProjectStore } from './project-store.js';

export interface ExportedImage {
  id: number;
  sha256: string;
  fileName: string;
  sourcePath: string;
  format: ImageFormat;
  byteSize: number;
  split: Split;
  classId: number;
  labelSource: LabelSource;
}

/** Ordered so that each output folder's images come together: by split, then by class in the project's order. */
export function exportedImages(store: ProjectStore): ExportedImage[] {
  return connectionOf(store)
    .prepare(
      `SELECT i.id, i.sha256, i.file_name AS fileName, i.source_path AS sourcePath, i.format, i.byte_size AS byteSize,
              i.split, i.class_id AS classId, i.label_source AS labelSource
       FROM images i JOIN classes c ON c.id = i.class_id
       WHERE i.deleted_batch IS NULL
       ORDER BY CASE i.split WHEN 'train' THEN 0 WHEN 'validation' THEN 1 WHEN 'test' THEN 2 ELSE 3 END,
                c.position, c.id, i.id`,
    )
    .all() as ExportedImage[];
}

export function unlabelledCount(store: ProjectStore): number {
  return (
    connectionOf(store).prepare('SELECT COUNT(*) AS n FROM images WHERE class_id IS NULL AND deleted_batch IS NULL').get() as { n: number }
  ).n;
}
