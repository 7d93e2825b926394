// The real hymenoptera set, checked against its committed file list
// (test/data/hymenoptera.tsv, the same as its MANIFEST.tsv): every file,
// class, split and size, plus the GIF placeholder it ships with (a valid
// GIF, so it is imported like any other image).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ProjectStore } from '../../../db/project-store.js';
import type { Split } from '../../../contract/types.js';
import { importPaths } from '../../../main/import/import-session.js';
import { datasetDir, datasetManifest } from '../../helpers/datasets.js';
import { tempDir } from '../../helpers/temp.js';

const DATASET = datasetDir('hymenoptera');

interface ManifestRow {
  split: Split;
  className: string;
  width: number;
  height: number;
  format: string;
}

function readManifest(): Map<string, ManifestRow> {
  const rows = new Map<string, ManifestRow>();
  for (const f of datasetManifest('hymenoptera')) {
    rows.set(`${f.split}/${f.className}/${f.file}`, {
      split: f.split === 'val' ? 'validation' : (f.split as Split),
      className: f.className,
      width: f.width,
      height: f.height,
      format: f.format,
    });
  }
  return rows;
}

test('importing hymenoptera gives its classes, splits and sizes exactly', async () => {
  const manifest = readManifest();
  assert.equal(manifest.size, 398);
  const store = ProjectStore.create(path.join(tempDir(), 'hymenoptera.pancake'));
  const report = await importPaths(store, [DATASET], { onProgress: () => undefined });

  assert.equal(report.added, 398);
  assert.deepEqual(report.duplicates, []);
  // Both text files are taken up at once by the two decoders, so their order may vary.
  assert.deepEqual([...report.skipped].sort((a, b) => a.file.localeCompare(b.file)), [
    { file: 'hymenoptera/MANIFEST.tsv', reason: 'not an image (looks like a text file)' },
    { file: 'hymenoptera/SOURCE.md', reason: 'not an image (looks like a text file)' },
  ]);
  assert.deepEqual(report.classesCreated, ['ants', 'bees']);
  assert.deepEqual(report.bySplit, { train: 245, validation: 153, test: 0, none: 0 });

  const expected = new Map<string, Record<Split, number>>();
  for (const row of manifest.values()) {
    const splits = expected.get(row.className) ?? { train: 0, validation: 0, test: 0, none: 0 };
    splits[row.split]++;
    expected.set(row.className, splits);
  }
  assert.deepEqual(
    Object.fromEntries(store.classes().map((c) => [c.name, c.splits])),
    Object.fromEntries(expected),
  );
  assert.deepEqual(store.classes().find((c) => c.name === 'ants')!.splits, { train: 124, validation: 70, test: 0, none: 0 });
  assert.deepEqual(store.classes().find((c) => c.name === 'bees')!.splits, { train: 121, validation: 83, test: 0, none: 0 });

  const classNames = new Map(store.classes().map((c) => [c.id, c.name]));
  for (const image of store.listImages()) {
    const key = path.relative(DATASET, image.sourcePath).split(path.sep).join('/');
    const row = manifest.get(key);
    assert.ok(row, `${key} is not in the manifest`);
    assert.deepEqual(
      { split: image.split, className: classNames.get(image.classId!), width: image.width, height: image.height, format: image.format },
      { split: row.split, className: row.className, width: row.width, height: row.height, format: row.format },
      key,
    );
    assert.equal(image.labelSource, 'folder');
  }
  const gif = store.listImages().find((i) => i.fileName === 'imageNotFound.gif');
  assert.deepEqual([gif?.format, gif?.width, gif?.height, gif?.split], ['gif', 300, 300, 'train']);

  // Dropping the folder again adds nothing and says why.
  const again = await importPaths(store, [DATASET], { onProgress: () => undefined });
  assert.equal(again.added, 0);
  assert.equal(again.duplicates.length, 398);
  assert.ok(again.duplicates.every((d) => d.reason === `already in the project as ${path.posix.basename(d.file)}`));
  assert.equal(store.imageCount(), 398);
  store.close();
});
