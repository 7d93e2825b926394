// Every file a user names, or that a walk finds, gets a line in the import
// report: the real CLI, with hidden files named on the command line and
// names that are not valid UTF-8.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { ImportReport } from '../../../contract/types.js';
import { finished, pancake, PANCAKE, type CliResult } from '../../helpers/cli.js';
import { makeImage } from '../../helpers/images.js';
import { tempDir } from '../../helpers/temp.js';

const NOT_UTF8 = [0x61, 0xff, 0x2e, 0x6a, 0x70, 0x67]; // "a\xff.jpg"

test('hidden files named on the command line are imported, and odd names get their real reason; one report line per file', async () => {
  const home = tempDir();
  const base = tempDir();
  const drop = path.join(base, 'drop');
  await makeImage(path.join(drop, 'cats', 'one.jpg'));
  await makeImage(path.join(drop, 'cats', 'two.png'), 'png');
  fs.writeFileSync(path.join(drop, 'cats', 'notes.txt'), 'not a picture\n');
  // Hidden inside a folder: skipped while walking, so neither found nor reported.
  await makeImage(path.join(drop, 'cats', '.cache.jpg'));
  await makeImage(path.join(drop, 'cats', 'bad.jpg'));
  fs.renameSync(path.join(drop, 'cats', 'bad.jpg'), Buffer.concat([Buffer.from(`${drop}/cats/`), Buffer.from(NOT_UTF8)]));
  // Named by the user: imported although hidden, whatever its folder.
  const hidden = path.join(base, '.hidden.jpg');
  await makeImage(hidden);
  const alsoHidden = path.join(base, '.DS_Store');
  fs.writeFileSync(alsoHidden, Buffer.from([0, 0, 0, 1, 0x42, 0x75, 0x64, 0x31]));

  const project = path.join(home, 'p.pancake');
  const r = await pancake(['import', project, drop, hidden, alsoHidden, '--json'], { home });
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as ImportReport;
  const named = 2;
  const found = 4; // one.jpg, two.png, notes.txt, a\xff.jpg
  assert.equal(report.added + report.duplicates.length + report.skipped.length, named + found);
  assert.equal(report.added, 3);
  assert.deepEqual(
    report.skipped.map((s) => [s.file, s.reason]).sort(),
    [
      ['.DS_Store', 'not an image (unrecognised contents)'],
      ['drop/cats/a\uFFFD.jpg', 'its name is not valid UTF-8 (the \uFFFD stands for bytes that are not text); rename it'],
      ['drop/cats/notes.txt', 'not an image (looks like a text file)'],
    ].sort(),
  );
});

/** The CLI with raw bytes in one argument, as a shell passes them (Node's own spawn takes only text). */
function pancakeWithRawArg(args: string[], rawLast: Buffer, home: string): Promise<CliResult> {
  const script = 'exec "$@" "$(printf "$PANCAKE_RAW_ARG")"';
  const octal = [...rawLast].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
  return finished(
    spawn('/bin/sh', ['-c', script, 'sh', process.execPath, PANCAKE, ...args], {
      env: { ...process.env, PANCAKE_HOME: home, PANCAKE_RAW_ARG: octal },
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
  );
}

test('a file named on the command line whose name is not valid UTF-8 is refused with that reason, not "does not exist"', async () => {
  const home = tempDir();
  const dir = tempDir();
  const file = Buffer.concat([Buffer.from(`${dir}/`), Buffer.from(NOT_UTF8)]);
  fs.writeFileSync(file, 'x');
  const project = path.join(home, 'p.pancake');
  const r = await pancakeWithRawArg(['import', project], file, home);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /a\uFFFD\.jpg cannot be opened: its name is not valid UTF-8 .*; rename it\./);
  assert.doesNotMatch(r.stderr, /does not exist|at .*\.js:\d+/);
  assert.equal(fs.existsSync(project), false, 'no project is made for a refused command');

  // A name that is merely missing still says so.
  const missing = await pancake(['import', project, path.join(dir, 'gone\uFFFD.jpg')], { home });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /gone\uFFFD\.jpg does not exist\./);
});
