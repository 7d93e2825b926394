// The test photos' own supply line: a local mirror serves hymenoptera's zip
// (made from ../shared, or from the cache where ../shared is absent), and
// ensureDataset fills an empty cache from it only when every file matches the
// committed checksums; a damaged, incomplete or cut-off zip is refused by name
// and leaves no half-filled cache behind.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { datasetDir, datasetManifest, ensureDataset, findDataset } from '../helpers/datasets.js';
import { zipDataset } from '../helpers/dataset-zip.js';
import { startMirror, type MirrorBody } from '../helpers/mirror-server.js';
import { tempDir } from '../helpers/temp.js';

const ZIP = 'hymenoptera_data.zip';
const files = datasetManifest('hymenoptera');
const source = datasetDir('hymenoptera');
// Extras like those a zip made on a Mac carries: they must be ignored, not copied.
const good = Buffer.from(
  zipDataset(source, { root: 'hymenoptera_data', entries: { '__MACOSX/hymenoptera_data/train/ants/._x.jpg': new Uint8Array([0, 5, 22, 7]) } }),
);
const served = new Map<string, MirrorBody>([[ZIP, good]]);
const mirror = await startMirror(served);
after(() => mirror.close());

const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const victim = files.find((f) => f.split === 'val' && f.className === 'bees')!;
const victimEntry = `hymenoptera_data/val/bees/${victim.file}`;

test('an empty cache is filled from the mirror, every file verified, and then reused without a download', async () => {
  const cache = tempDir();
  const requestsBefore = mirror.requests.length;
  const got = await ensureDataset('hymenoptera', { cacheRoot: cache, mirror: `${mirror.url}/` });
  assert.deepEqual(mirror.requests.slice(requestsBefore), [ZIP]);
  assert.equal(got.dir, path.join(cache, 'hymenoptera'));
  assert.equal(got.downloaded, true);
  for (const f of files) assert.equal(sha256(path.join(got.dir, f.split, f.className, f.file)), f.sha256, `${f.split}/${f.className}/${f.file}`);
  // Exactly the listed photos, plus the two notes the shared copy has too.
  const written = fs.readdirSync(got.dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
  assert.equal(written, files.length + 2);
  assert.deepEqual(fs.readdirSync(got.dir).sort(), ['MANIFEST.tsv', 'SOURCE.md', 'train', 'val']);
  assert.deepEqual(fs.readdirSync(cache), ['hymenoptera'], 'no staging folder is left');
  assert.deepEqual(fs.readdirSync(path.join(got.dir, 'train')).sort(), ['ants', 'bees']);

  const again = await ensureDataset('hymenoptera', { cacheRoot: cache, mirror: mirror.url });
  assert.deepEqual(again, { dir: got.dir, downloaded: false });
  assert.equal(mirror.requests.length, requestsBefore + 1, 'a filled cache is not downloaded again');
  // Where ../shared is absent the lookup finds the cache; beside ../shared, the shared copy wins.
  const found = findDataset('hymenoptera', cache);
  assert.ok(found);
  if (found.origin === 'cache') assert.equal(found.dir, got.dir);
});

test('a zip with one altered photo is refused by name, leaves no cache, and a rerun with a good zip recovers', async () => {
  const cache = tempDir();
  const altered = new Uint8Array(fs.readFileSync(path.join(source, 'val', 'bees', victim.file)));
  const middle = altered.length >> 1;
  altered[middle] = altered[middle]! ^ 0xff;
  served.set(ZIP, Buffer.from(zipDataset(source, { root: 'hymenoptera_data', entries: { [victimEntry]: altered } })));
  try {
    await assert.rejects(ensureDataset('hymenoptera', { cacheRoot: cache, mirror: mirror.url }), {
      name: 'DatasetError',
      message: `The download from ${mirror.url}/${ZIP} was refused: ${victimEntry} does not match its sha256 ${victim.sha256}. Nothing was added to the cache ${cache}.`,
    });
    assert.deepEqual(fs.readdirSync(cache), [], 'nothing half-filled is left');

    served.set(ZIP, Buffer.from(zipDataset(source, { root: 'hymenoptera_data', omit: [victimEntry] })));
    await assert.rejects(ensureDataset('hymenoptera', { cacheRoot: cache, mirror: mirror.url }), {
      name: 'DatasetError',
      message: new RegExp(`refused: ${victimEntry.replace(/[.]/g, '\\.')} is missing from it\\.`),
    });
    assert.deepEqual(fs.readdirSync(cache), []);

    served.set(ZIP, { truncateAfter: good, bytes: good.length >> 1 });
    await assert.rejects(ensureDataset('hymenoptera', { cacheRoot: cache, mirror: mirror.url }), {
      name: 'DownloadError',
      message: new RegExp(`^The download of ${mirror.url}/${ZIP} was cut off after \\d+`),
    });
    assert.deepEqual(fs.readdirSync(cache), []);
  } finally {
    served.set(ZIP, good);
  }
  const recovered = await ensureDataset('hymenoptera', { cacheRoot: cache, mirror: mirror.url });
  assert.equal(recovered.downloaded, true);
  assert.equal(sha256(path.join(recovered.dir, 'val', 'bees', victim.file)), victim.sha256);
  assert.deepEqual(fs.readdirSync(cache), ['hymenoptera']);
});

test('a damaged cached copy is noticed and replaced; a mirror without the zip gets a clear message', async () => {
  const cache = tempDir();
  const { dir } = await ensureDataset('hymenoptera', { cacheRoot: cache, mirror: mirror.url });
  const file = path.join(dir, 'val', 'bees', victim.file);
  fs.truncateSync(file, 100);
  assert.equal(findDataset('hymenoptera', cache)?.origin === 'cache', false, 'a cut-off cached photo does not count as the dataset');
  const refilled = await ensureDataset('hymenoptera', { cacheRoot: cache, mirror: mirror.url });
  assert.equal(refilled.downloaded, true);
  assert.equal(sha256(file), victim.sha256);

  const empty = await startMirror(new Map());
  try {
    await assert.rejects(ensureDataset('hymenoptera', { cacheRoot: tempDir(), mirror: empty.url }), {
      name: 'DownloadError',
      message: `Cannot download ${empty.url}/${ZIP}: the server answered 404 Not Found.`,
    });
  } finally {
    await empty.close();
  }
});
