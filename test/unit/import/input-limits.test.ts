// One set of input limits everywhere: hostile files get the same outcome and
// the same one-sentence reason from `pancake import`, `pancake predict
// --json`, `pancake evaluate --json` and Try it (predictFiles), with sane exit
// codes and no stack trace.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { PancakeCore } from '../../../main/core/core.js';
import { MAX_FILE_BYTES } from '../../../main/import/read-file.js';
import { pancake, type CliResult } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/temp.js';

const home = tempDir();
const project = path.join(home, 'limits.pancake');
/** Evaluate reads <folder>/<class>/*; predict and import are given the class folder itself. */
const evalFolder = path.join(home, 'hostile');
const hostile = path.join(evalFolder, 'red');

/** A BMP header claiming 20000x20000 24-bit pixels, followed by a little data. */
function hugeBmp(): Buffer {
  const [w, h] = [20_000, 20_000];
  const rowBytes = Math.ceil((w * 3) / 4) * 4;
  const header = Buffer.alloc(54);
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(54 + rowBytes * h, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(w, 18);
  header.writeInt32LE(h, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(24, 28);
  header.writeUInt32LE(rowBytes * h, 34);
  return Buffer.concat([header, Buffer.alloc(4096)]);
}

/** A valid PNG whose IDAT chunk carries a wrong CRC. */
async function badCrcPng(): Promise<Buffer> {
  const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c33' } }).png().toBuffer();
  const idat = png.indexOf('IDAT');
  png[idat + 4 + png.readUInt32BE(idat - 4)]! ^= 0xff;
  return png;
}

/** Expected reason per file; null: accepted as an image everywhere. */
const EXPECTED: Record<string, RegExp | null> = {
  'huge.bmp': /^image too large \(20000x20000 pixels; the limit is 100 megapixels\)$/,
  'drawing.svg': /^unsupported format \(SVG\)$/,
  'oversized.jpg': /^file too large \(300 MB; the limit is 200 MB\)$/,
  'notes.jpg': /^not an image \(looks like a text file\)$/,
  'bad-crc.png': null,
};

const noStackTrace = (r: CliResult) => assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at .+:\d+:\d+/, r.stderr);

before(async () => {
  // A tiny trained project: two classes of generated pictures.
  const train = path.join(home, 'train');
  for (const [cls, colour] of [['red', [200, 40, 40]], ['blue', [40, 60, 200]]] as const) {
    fs.mkdirSync(path.join(train, cls), { recursive: true });
    for (let i = 0; i < 8; i++) {
      const noise = Buffer.alloc(96 * 72 * 3);
      for (let p = 0; p < noise.length; p++) noise[p] = Math.max(0, Math.min(255, colour[p % 3]! + ((p * 7919 + i * 104729) % 61) - 30));
      await sharp(noise, { raw: { width: 96, height: 72, channels: 3 } }).jpeg().toFile(path.join(train, cls, `${i}.jpg`));
    }
  }
  assert.equal((await pancake(['import', project, train], { home })).code, 0);
  const trained = await pancake(['train', project, '--no-augment'], { home });
  assert.equal(trained.code, 0, trained.stderr);

  fs.mkdirSync(hostile, { recursive: true });
  fs.writeFileSync(path.join(hostile, 'huge.bmp'), hugeBmp());
  fs.writeFileSync(path.join(hostile, 'drawing.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="red"/></svg>');
  fs.writeFileSync(path.join(hostile, 'bad-crc.png'), await badCrcPng());
  fs.writeFileSync(path.join(hostile, 'notes.jpg'), 'These are my notes, not a photo.\n');
  // A JPEG that a sparse tail makes 300 MB: refused from its size before anything is read.
  const oversized = path.join(hostile, 'oversized.jpg');
  fs.writeFileSync(oversized, await sharp({ create: { width: 32, height: 32, channels: 3, background: '#c33' } }).jpeg().toBuffer());
  fs.truncateSync(oversized, 300 * 1024 * 1024);
  assert.ok(fs.statSync(oversized).size > MAX_FILE_BYTES);
});

function checkReasons(entry: string, reasons: Map<string, string | null>, names = Object.keys(EXPECTED)): void {
  assert.deepEqual([...reasons.keys()].sort(), [...names].sort(), entry);
  for (const file of names) {
    const want = EXPECTED[file]!;
    const got = reasons.get(file);
    if (want === null) assert.equal(got, null, `${entry} refused ${file}: ${got}`);
    else assert.match(got ?? '(accepted)', want, `${entry}, ${file}`);
  }
}

test('import refuses each hostile file with its reason and keeps the rest', async () => {
  const r = await pancake(['import', path.join(home, 'import.pancake'), hostile, '--json'], { home });
  assert.equal(r.code, 0, r.stderr);
  noStackTrace(r);
  const report = JSON.parse(r.stdout) as { added: number; skipped: { file: string; reason: string }[] };
  const reasons = new Map<string, string | null>(report.skipped.map((s) => [path.basename(s.file), s.reason]));
  reasons.set('bad-crc.png', null);
  assert.equal(report.added, 1);
  checkReasons('import', reasons);
});

test('predict --json gives the import\'s reasons, classifies what the import accepts, and exits 1', async () => {
  const r = await pancake(['predict', project, hostile, '--json'], { home });
  assert.equal(r.code, 1, r.stderr);
  noStackTrace(r);
  const results = JSON.parse(r.stdout) as { file: string; predictions: unknown[]; error?: string }[];
  checkReasons('predict', new Map(results.map((p) => [path.basename(p.file), p.error ?? (p.predictions.length > 0 ? null : 'no predictions')])));
});

test('evaluate --json scores what the import accepts and reports the rest with the import\'s reasons', async () => {
  const r = await pancake(['evaluate', project, evalFolder, '--json'], { home });
  assert.equal(r.code, 0, r.stderr);
  noStackTrace(r);
  const result = JSON.parse(r.stdout) as { n: number; failed: { file: string; reason: string }[] };
  assert.equal(result.n, 1);
  const reasons = new Map<string, string | null>(result.failed.map((f) => [path.basename(f.file), f.reason]));
  reasons.set('bad-crc.png', null);
  checkReasons('evaluate', reasons);
});

test('evaluate on a folder where nothing can be scored says so in one sentence', async () => {
  const folder = path.join(home, 'unreadable');
  fs.mkdirSync(path.join(folder, 'blue'), { recursive: true });
  fs.copyFileSync(path.join(hostile, 'notes.jpg'), path.join(folder, 'blue', 'notes.jpg'));
  const r = await pancake(['evaluate', project, folder], { home });
  assert.equal(r.code, 1);
  noStackTrace(r);
  assert.match(r.stderr, /None of the 1 files under .* could be scored; notes\.jpg: not an image \(looks like a text file\)\./);
});

test('Try it (predictFiles) gives the same reasons for the same bytes', async () => {
  const core = new PancakeCore({ stateDir: tempDir(), host: 'cli' });
  try {
    await core.api.projectOpen({ path: project });
    const names = Object.keys(EXPECTED).filter((n) => n !== 'oversized.jpg');
    const { results } = await core.api.predictFiles({ files: names.map((name) => ({ name, bytes: new Uint8Array(fs.readFileSync(path.join(hostile, name))) })) });
    const reasons = new Map<string, string | null>(results.map((p) => [p.file, p.error ?? (p.predictions.length > 0 ? null : 'no predictions')]));
    // The 300 MB file is left out: a browser host refuses such a body before it reaches the core.
    checkReasons('predictFiles', reasons, names);
  } finally {
    await core.embedders.closeAll();
    await core.api.projectClose({});
  }
});
