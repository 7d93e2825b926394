// Class names that a spreadsheet would run as formulas, and a long name full
// of emoji and combining marks, through the real CLI: import, info, dataset
// export, training and model exports. labels.csv must give the names back
// exactly without any cell a spreadsheet would run, and the cut name must be
// whole characters everywhere it is stored or written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parseCsv } from '../../helpers/csv.js';
import { pancake } from '../../helpers/cli.js';
import { makeImageTree } from '../../helpers/images.js';
import { tempDir } from '../../helpers/temp.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const graphemes = (s: string): string[] => [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(s)].map((g) => g.segment);
const FORMULA_START = /^[=+\-@\t\r]/;

// 11 UTF-16 units: e + combining acute, a ZWJ family emoji (8 units), a space.
const UNIT = 'e\u0301\u{1F469}\u200D\u{1F469}\u200D\u{1F467} ';
// 150 units in 249 bytes (a folder name may have 255), placed so that a cut
// at 100 units lands inside the last emoji's surrogate pair.
const LONG = `Zzz${UNIT.repeat(9)}${'w'.repeat(48)}`;
const LONG_CUT = `Zzz${UNIT.repeat(8)}e\u0301`;
const FORMULAS = ['=1+1', '@SUM(A1)', '-2', '+3'];
// Starts with the escape character itself, so it must be escaped too.
const APOSTROPHE = "'90s";
const NAMES = [...FORMULAS, APOSTROPHE, LONG];

function run(r: { code: number; stdout: string; stderr: string }): string {
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/** Whole graphemes of `full`, from its start. */
function assertWholeStart(cut: string, full: string): void {
  const parts = graphemes(cut);
  assert.deepEqual(parts, graphemes(full).slice(0, parts.length), 'cut between whole characters');
}

test('formula-like and over-long class names survive import, exports and training intact and defused', async (t) => {
  assert.equal(LONG.length, 150);
  // A plain cut at 100 would keep half of a surrogate pair.
  assert.ok(/[\ud800-\udbff]/.test(LONG[99]!));

  const home = tempDir();
  const drop = path.join(tempDir(), 'drop');
  await makeImageTree(drop, Object.fromEntries(NAMES.map((n) => [n, 3])));
  const project = path.join(home, 'names.pancake');
  run(await pancake(['import', project, drop], { home }));

  // In the project: the names as imported, the long one cut to whole characters, stored as valid UTF-8.
  const info = JSON.parse(run(await pancake(['info', project, '--json'], { home }))) as { classes: { name: string }[] };
  const expected = [...FORMULAS, APOSTROPHE, LONG_CUT].sort();
  assert.deepEqual(info.classes.map((c) => c.name).sort(), expected);
  assertWholeStart(LONG_CUT, LONG);
  assert.ok(LONG_CUT.length <= 100);
  const db = new Database(project, { readonly: true });
  const raw = db.prepare('SELECT CAST(name AS BLOB) AS raw FROM classes').all() as { raw: Buffer }[];
  db.close();
  assert.deepEqual(raw.map((r) => strictUtf8.decode(r.raw)).sort(), expected);

  // labels.csv: no cell a spreadsheet would run; undoing the escapes gives the exact names and real files.
  const dataset = path.join(home, 'dataset');
  run(await pancake(['export', project, '--format', 'dataset', '--out', dataset], { home }));
  const csvBytes = fs.readFileSync(path.join(dataset, 'labels.csv'));
  const [header, ...rows] = parseCsv(strictUtf8.decode(csvBytes));
  const col = (name: string): number => header!.indexOf(name);
  assert.equal(rows.length, NAMES.length * 3);
  for (const row of rows) for (const cell of row) assert.doesNotMatch(cell, FORMULA_START, cell);
  const className = (cell: string): string => (cell.startsWith("'") ? cell.slice(1) : cell);
  assert.deepEqual([...new Set(rows.map((r) => className(r[col('class')]!)))].sort(), expected);
  assert.ok(rows.some((r) => r[col('class')] === "'=1+1" && r[col('file')]!.startsWith('./=1+1/')));
  assert.ok(rows.some((r) => r[col('class')] === "''90s"));
  for (const row of rows) assert.ok(fs.statSync(path.join(dataset, row[col('file')]!)).isFile(), row[col('file')]);
  // The long name's folder is cut to 100 bytes on a grapheme boundary too (a code-point cut would split the family emoji).
  const longFolder = fs.readdirSync(dataset).find((f) => f.startsWith('Zzz'))!;
  assert.equal(longFolder, `Zzz${'\u00e9\u{1F469}\u200D\u{1F469}\u200D\u{1F467} '.repeat(4)}\u00e9`);
  assert.ok(Buffer.byteLength(longFolder) <= 100);

  // Re-importing the export gives back the formula-like classes, as folders named exactly so.
  const copy = path.join(home, 'copy.pancake');
  run(await pancake(['import', copy, dataset], { home }));
  const copied = JSON.parse(run(await pancake(['info', copy, '--json'], { home }))) as { classes: { name: string }[] };
  for (const name of [...FORMULAS, APOSTROPHE]) assert.ok(copied.classes.some((c) => c.name === name), name);

  // labels.txt of both model exports: valid UTF-8, one whole name per line.
  const started = performance.now();
  run(await pancake(['train', project, '--epochs', '3'], { home }));
  t.diagnostic(`training took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  for (const format of ['onnx', 'tfjs']) {
    const out = path.join(home, format);
    run(await pancake(['export', project, '--format', format, '--out', out], { home }));
    const labels = strictUtf8.decode(fs.readFileSync(path.join(out, 'labels.txt')));
    assert.deepEqual(labels.split('\n').slice(0, -1).sort(), expected, format);
  }
});
