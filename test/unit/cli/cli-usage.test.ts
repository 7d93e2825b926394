// The CLI keeps up with its user, through the real `pancake` command: unknown
// options are refused with the usage line, long commands show progress on
// stderr while stdout stays clean for --json, a refusal to overwrite names
// the flag that allows it, and a project copy says where it went.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pancake } from '../../helpers/cli.js';
import { makeImageTree } from '../../helpers/images.js';
import { tempDir } from '../../helpers/temp.js';

const home = tempDir();
const work = tempDir();
const project = path.join(work, 'colours.pancake');
await makeImageTree(path.join(work, 'photos'), { 'train/red': 10, 'train/blue': 10, 'val/red': 4, 'val/blue': 4 });
await makeImageTree(path.join(work, 'holdout'), { red: 4, blue: 4 });

test('an unknown option is an error with the usage line, and a near miss is named', async () => {
  const r = await pancake(['train', project, '--epoch', '5'], { home });
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^Unknown option --epoch\. Did you mean --epochs\?\nUsage: pancake train <project-file> .*--epochs N/);

  const flag = await pancake(['info', project, '--json=yes'], { home });
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /^--json takes no value\.\nUsage: pancake info /);

  const missing = await pancake(['export', project, '--format', 'onnx', '--out'], { home });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^--out needs a value\.\nUsage: pancake export /);

  const help = await pancake(['evaluate', '--help'], { home });
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: pancake evaluate <project-file> <folder>/);
});

test('import, train and evaluate show progress on stderr; --json keeps stdout to the result', async () => {
  const imported = await pancake(['import', project, path.join(work, 'photos'), '--json'], { home });
  assert.equal(imported.code, 0, imported.stderr);
  assert.equal((JSON.parse(imported.stdout) as { added: number }).added, 28);
  assert.match(imported.stderr, /^importing: 28\/28/m);

  const trained = await pancake(['train', project, '--epochs', '3', '--no-augment', '--json'], { home });
  assert.equal(trained.code, 0, trained.stderr);
  assert.match(trained.stderr, /^epoch +3 /m);
  assert.doesNotThrow(() => JSON.parse(trained.stdout));

  const evaluated = await pancake(['evaluate', project, path.join(work, 'holdout'), '--json'], { home });
  assert.equal(evaluated.code, 0, evaluated.stderr);
  assert.equal((JSON.parse(evaluated.stdout) as { n: number }).n, 8);
  assert.match(evaluated.stderr, /^loading the backbone…\n/m);
  assert.match(evaluated.stderr, /^evaluating: 8\/8/m);

  const predicted = await pancake(['predict', project, path.join(work, 'holdout'), '--json'], { home });
  assert.equal(predicted.code, 0, predicted.stderr);
  assert.equal((JSON.parse(predicted.stdout) as unknown[]).length, 8);
  assert.match(predicted.stderr, /^predicting: 8\/8/m);
});

test('export refuses to overwrite without --overwrite and says so; a project copy into a folder says where it wrote', async () => {
  const out = path.join(work, 'dataset');
  const first = await pancake(['export', project, '--format', 'dataset', '--out', out], { home });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /^exporting: 28\/28/m);

  const again = await pancake(['export', project, '--format', 'dataset', '--out', out], { home });
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^Error: .+ already exists; choose another folder, or add --overwrite to replace it\n$/m);
  const replaced = await pancake(['export', project, '--format', 'dataset', '--out', out, '--overwrite'], { home });
  assert.equal(replaced.code, 0, replaced.stderr);

  const backups = path.join(work, 'backups');
  fs.mkdirSync(backups);
  const copied = await pancake(['export', project, '--format', 'project', '--out', backups], { home });
  assert.equal(copied.code, 0, copied.stderr);
  const written = path.join(backups, 'colours.pancake');
  assert.ok(fs.statSync(written).size > 0);
  assert.match(copied.stdout, new RegExp(`^Copied the project to ${written.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\([\\d.]+ MB\\)\\.\\n$`));
  assert.match(copied.stderr, /^copying pages: (\d+)\/\1$/m);

  const twice = await pancake(['export', project, '--format', 'project', '--out', backups], { home });
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /--overwrite/);
});
