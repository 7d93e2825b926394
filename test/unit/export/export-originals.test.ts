// The project keeps every image's original bytes: real photos imported as a
// browser upload (importBegin/importAdd/importEnd, where no path is known) and
// from paths on disk come back byte for byte from the dataset export after
// their source files are deleted, under their own names.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PancakeCore } from '../../../main/core/core.js';
import type { ImportReport } from '../../../contract/types.js';
import { datasetDir, datasetManifest, type DatasetFile } from '../../helpers/datasets.js';
import { tempDir } from '../../helpers/temp.js';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** A slice of every split and class, so both layouts and both classes are exercised without decoding all 398 photos. */
const PER_FOLDER = 12;
const source = datasetDir('hymenoptera');
const chosen: DatasetFile[] = [];
const seen = new Set<string>();
for (const f of datasetManifest('hymenoptera')) {
  if (chosen.filter((c) => c.split === f.split && c.className === f.className).length >= PER_FOLDER || seen.has(f.sha256)) continue;
  seen.add(f.sha256);
  chosen.push(f);
}
const relOf = (f: DatasetFile): string => `${f.split}/${f.className}/${f.file}`;
const totalBytes = chosen.reduce((n, f) => n + f.bytes, 0);

/** A private copy of the chosen photos, so the test can delete its "source files". */
function copyPhotos(): string {
  const dir = path.join(tempDir(), 'hymenoptera');
  for (const f of chosen) {
    fs.mkdirSync(path.join(dir, f.split, f.className), { recursive: true });
    fs.copyFileSync(path.join(source, relOf(f)), path.join(dir, relOf(f)));
  }
  return dir;
}

const core = new PancakeCore({ stateDir: tempDir(), host: 'browser' });
after(() => core.shutdown());

/** Exports the open project's dataset; returns each written file by its path in the export. */
async function exportedFiles(): Promise<{ notes: string[]; files: Map<string, Buffer> }> {
  const out = path.join(tempDir(), 'dataset');
  const r = await core.api.exportModel({ jobId: `export-${Math.random()}`, format: 'dataset', dir: out });
  const files = new Map<string, Buffer>();
  for (const e of fs.readdirSync(out, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || e.name === 'labels.csv') continue;
    files.set(path.relative(out, path.join(e.parentPath, e.name)).split(path.sep).join('/'), fs.readFileSync(path.join(e.parentPath, e.name)));
  }
  return { notes: r.notes, files };
}

/** Pancake's dataset export names the validation folder "val", as the source does. */
function assertSameAsSource(files: Map<string, Buffer>): void {
  assert.equal(files.size, chosen.length);
  for (const f of chosen) {
    const bytes = files.get(relOf(f));
    assert.ok(bytes, `${relOf(f)} is in the export under its own name`);
    assert.equal(sha256(bytes), f.sha256, `${relOf(f)} is byte for byte the original`);
  }
}

function assertCostReported(report: ImportReport): void {
  assert.equal(report.added, chosen.length);
  assert.equal(report.originalsBytes, totalBytes);
}

test('a browser upload keeps the originals: the export gives back the very bytes, after the files are gone', async () => {
  const photos = copyPhotos();
  await core.api.projectCreate({ path: path.join(tempDir(), 'uploaded.pancake') });
  const jobId = 'upload';
  await core.api.importBegin({ jobId, expected: chosen.length });
  for (let i = 0; i < chosen.length; i += 8) {
    const files = chosen.slice(i, i + 8).map((f) => ({ path: `hymenoptera/${relOf(f)}`, bytes: new Uint8Array(fs.readFileSync(path.join(photos, relOf(f)))) }));
    assert.equal((await core.api.importAdd({ jobId, files })).accepted, files.length);
  }
  const report = await core.api.importEnd({ jobId });
  fs.rmSync(photos, { recursive: true });

  assertCostReported(report);
  assert.equal((await core.api.projectInfo({}))!.originalsBytes, totalBytes);
  const { notes, files } = await exportedFiles();
  assertSameAsSource(files);
  assert.ok(!notes.some((n) => /JPEG copy/.test(n)), notes.join(' '));
});

test('an import from paths keeps the originals too: the export does not need the source folder', async () => {
  const photos = copyPhotos();
  await core.api.projectCreate({ path: path.join(tempDir(), 'from-disk.pancake') });
  const report = await core.api.importPaths({ jobId: 'paths', paths: [photos] });
  fs.rmSync(photos, { recursive: true });

  assertCostReported(report);
  assert.equal((await core.api.projectInfo({}))!.originalsBytes, totalBytes);
  assertSameAsSource((await exportedFiles()).files);
});
