import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { INVALID_NAME_REASON, namedWithInvalidUtf8, walkFiles, type WalkEntry } from '../../../main/import/walk.js';
import { tempDir } from '../../helpers/temp.js';

async function collect(paths: string[]): Promise<WalkEntry[]> {
  const out: WalkEntry[] = [];
  for await (const entry of walkFiles(paths)) out.push(entry);
  return out.sort((a, b) => a.relPath.localeCompare(b.relPath));
}

function write(file: string, text = 'x'): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

test('walkFiles lists files below folders with paths from the dropped name, skipping junk and link loops', async () => {
  const base = tempDir();
  const root = path.join(base, 'pets');
  write(path.join(root, 'loose.jpg'));
  write(path.join(root, 'cats', 'a.jpg'));
  write(path.join(root, 'cats', 'deep', 'b.jpg'));
  write(path.join(root, '.hidden', 'c.jpg'));
  write(path.join(root, 'cats', '.DS_Store'));
  write(path.join(root, '__MACOSX', 'cats', '._a.jpg'));
  write(path.join(root, 'dogs', 'Thumbs.db'));
  fs.symlinkSync(root, path.join(root, 'cats', 'loop'));
  fs.symlinkSync(path.join(root, 'cats', 'a.jpg'), path.join(root, 'dogs', 'linked.jpg'));
  fs.symlinkSync(path.join(base, 'nowhere.jpg'), path.join(root, 'dogs', 'broken.jpg'));
  write(path.join(base, 'single.png'));

  const entries = await collect([root, path.join(base, 'single.png'), path.join(base, 'missing')]);
  assert.deepEqual(
    entries.map((e) => [e.relPath, e.problem ?? null]),
    [
      ['missing', 'could not open it (it does not exist)'],
      ['pets/cats/a.jpg', null],
      ['pets/cats/deep/b.jpg', null],
      ['pets/dogs/broken.jpg', 'broken link'],
      ['pets/dogs/linked.jpg', null],
      ['pets/loose.jpg', null],
      ['single.png', null],
    ],
  );
  assert.equal(entries.find((e) => e.relPath === 'pets/cats/deep/b.jpg')?.absPath, path.join(root, 'cats', 'deep', 'b.jpg'));
});

test('walkFiles visits a folder reached twice only once', async () => {
  const base = tempDir();
  const root = path.join(base, 'shots');
  write(path.join(root, 'a.jpg'));
  fs.symlinkSync(root, path.join(base, 'alias'));
  const entries = await collect([root, path.join(base, 'alias')]);
  assert.deepEqual(entries.map((e) => e.relPath), ['shots/a.jpg']);
});

test('walkFiles reports a folder it cannot open and carries on', async (t) => {
  // tempDir() is private to this user; the folders must be reachable by the unprivileged user below.
  const base = tempDir();
  fs.chmodSync(base, 0o755);
  const root = path.join(base, 'set');
  write(path.join(root, 'ok', 'a.jpg'));
  write(path.join(root, 'locked', 'b.jpg'));
  fs.chmodSync(path.join(root, 'locked'), 0);
  const expected = [
    ['set/locked', 'could not open the folder (permission denied)'],
    ['set/ok/a.jpg', null],
  ];
  try {
    if (process.getuid?.() !== 0) {
      const entries = await collect([root]);
      assert.deepEqual(entries.map((e) => [e.relPath, e.problem ?? null]), expected);
      return;
    }
    // Root reads through permission bits, so the walk runs in a child process as "nobody".
    t.diagnostic('running as root: walking as uid 65534');
    const module = pathToFileURL(path.resolve(import.meta.dirname, '../../../main/import/walk.js')).href;
    const script = `import { walkFiles } from ${JSON.stringify(module)};
      const out = [];
      for await (const e of walkFiles([${JSON.stringify(root)}])) out.push([e.relPath, e.problem ?? null]);
      console.log(JSON.stringify(out.sort((a, b) => a[0].localeCompare(b[0]))));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), expected);
  } finally {
    fs.chmodSync(path.join(root, 'locked'), 0o755);
  }
});

test('walkFiles reports names that are not valid UTF-8 as such, in folders and when named', async () => {
  const base = tempDir();
  const root = path.join(base, 'odd');
  write(path.join(root, 'fine.jpg'));
  // A name that holds U+FFFD itself is valid text and is listed as usual.
  write(path.join(root, 'real\uFFFD.jpg'));
  // Raw byte paths: "a\xff.jpg" and a folder "b\xff" with a file inside.
  const raw = (bytes: number[], below = ''): Buffer => Buffer.concat([Buffer.from(`${root}/`), Buffer.from(bytes), Buffer.from(below)]);
  fs.writeFileSync(raw([0x61, 0xff, 0x2e, 0x6a, 0x70, 0x67]), 'x');
  fs.mkdirSync(raw([0x62, 0xff]));
  fs.writeFileSync(raw([0x62, 0xff], '/c.jpg'), 'x');

  const entries = await collect([root, path.join(root, 'a\uFFFD.jpg'), path.join(root, 'gone\uFFFD.jpg')]);
  assert.deepEqual(
    entries.map((e) => [e.relPath, e.problem ?? null]),
    [
      ['a\uFFFD.jpg', INVALID_NAME_REASON],
      ['gone\uFFFD.jpg', 'could not open it (it does not exist)'],
      ['odd/a\uFFFD.jpg', INVALID_NAME_REASON],
      ['odd/b\uFFFD', INVALID_NAME_REASON],
      ['odd/fine.jpg', null],
      ['odd/real\uFFFD.jpg', null],
    ],
  );
  assert.equal(await namedWithInvalidUtf8(path.join(root, 'b\uFFFD', 'c.jpg')), true, 'a folder on the way');
  assert.equal(await namedWithInvalidUtf8(path.join(root, 'real\uFFFD.jpg')), false);
});
