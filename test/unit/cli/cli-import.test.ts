import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pancake } from '../../helpers/cli.js';
import { makeImageTree } from '../../helpers/images.js';
import { tempDir } from '../../helpers/temp.js';

test('pancake import creates the project and reports; info --json has the promised shape', async () => {
  const home = tempDir();
  const bugs = path.join(tempDir(), 'bugs');
  await makeImageTree(bugs, { 'train/ants': 5, 'val/ants': 3, 'train/bees': 4, 'val/bees': 2 });
  const project = path.join(home, 'bugs.pancake');
  const imported = await pancake(['import', project, bugs], { home });
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(imported.stdout, /Import finished .*: 14 added, 0 duplicates/);
  assert.match(imported.stdout, /New classes: .*ants/);
  assert.ok(fs.existsSync(project));

  const info = await pancake(['info', project, '--json'], { home });
  assert.equal(info.code, 0, info.stderr);
  const parsed = JSON.parse(info.stdout) as {
    images: number;
    originalsBytes: number;
    unlabelled: number;
    classes: { name: string; count: number; splits: Record<string, number> }[];
  };
  assert.deepEqual(Object.keys(parsed), ['images', 'originalsBytes', 'classes', 'unlabelled']);
  assert.equal(parsed.images, 14);
  const given = fs.readdirSync(bugs, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  assert.equal(parsed.originalsBytes, given.reduce((n, e) => n + fs.statSync(path.join(e.parentPath, e.name)).size, 0));
  assert.match(imported.stdout, /^Originals kept: [\d.]+ MB /m);
  assert.equal(parsed.unlabelled, 0);
  const byName = Object.fromEntries(parsed.classes.map((c) => [c.name, c]));
  assert.deepEqual(byName.ants, { name: 'ants', count: 8, splits: { train: 5, validation: 3, test: 0, none: 0 } });
  assert.deepEqual(byName.bees, { name: 'bees', count: 6, splits: { train: 4, validation: 2, test: 0, none: 0 } });

  // The same folder again adds nothing: every file is a duplicate.
  const again = await pancake(['import', project, path.join(bugs, 'val/bees')], { home });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /0 added, 2 duplicates/);
});

test('the CLI explains bad input instead of crashing', async () => {
  const home = tempDir();
  const notProject = path.join(home, 'notes.txt');
  fs.writeFileSync(notProject, 'hello');
  const bad = await pancake(['info', notProject, '--json'], { home });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /not a Pancake project/);
  assert.equal(fs.readFileSync(notProject, 'utf8'), 'hello');

  const missing = await pancake(['import', path.join(home, 'p.pancake'), path.join(home, 'nowhere')], { home });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /does not exist/);

  const unknown = await pancake(['frobnicate'], { home });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown command "frobnicate"/);
});
