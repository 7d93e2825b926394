// Project files under the ways they break on real machines: a kill while the
// file is made, a full disk, a read-only file or folder, and damaged pages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { ProjectStore } from '../../../db/project-store.js';
import { PancakeCore } from '../../../main/core/core.js';
import { importPaths } from '../../../main/import/import-session.js';
import { pancake, type CliResult } from '../../helpers/cli.js';
import { repoRoot, tempDir } from '../../helpers/temp.js';
import { projectSql } from '../../helpers/project-sql.js';

const isRoot = process.getuid?.() === 0;
const CLI = path.join(repoRoot, 'dist/main/cli/pancake.js');

/** Distinct photos-like JPEGs, so none is a duplicate of another. */
async function makeImages(dir: string, n: number, size = 64): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const raw = Buffer.alloc(size * size * 3);
    for (let j = 0; j < raw.length; j++) raw[j] = (j * (i + 7) + ((j >> 5) ^ i) * 31) & 255;
    const file = path.join(dir, `img${i}.jpg`);
    await sharp(raw, { raw: { width: size, height: size, channels: 3 } }).jpeg({ quality: 90 }).toFile(file);
    files.push(file);
  }
  return files;
}

/** A sentence for a person: no stack frame, no Node crash banner. */
function assertOneSentence(r: CliResult): void {
  assert.doesNotMatch(r.stderr, /^\s+at |SqliteError|Node\.js v/m, r.stderr);
}

test('a kill at any moment of creating a project never leaves a file that Pancake refuses', async () => {
  const dir = tempDir();
  const home = path.join(dir, 'home');
  const [photo] = await makeImages(path.join(dir, 'photos'), 1);
  const file = path.join(dir, 'z.pancake');
  // Killed as the hidden file being built appears, and as the project appears under its name.
  for (const watched of [path.join(dir, '.z.pancake.creating'), file, path.join(dir, '.z.pancake.creating'), file]) {
    for (const f of fs.readdirSync(dir)) if (f.includes('z.pancake')) fs.rmSync(path.join(dir, f));
    const child = spawn(process.execPath, [CLI, 'import', file, photo!], { env: { ...process.env, PANCAKE_HOME: home }, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    while (!fs.existsSync(watched) && child.exitCode === null) await new Promise((r) => setImmediate(r));
    child.kill('SIGKILL');
    await exited;
    if (fs.existsSync(file)) assert.ok(fs.statSync(file).size > 0, 'never an empty file under the real name');
    const again = await pancake(['import', file, photo!], { home });
    assert.equal(again.code, 0, again.stderr);
    const info = await pancake(['info', file, '--json'], { home });
    assert.equal(info.code, 0, info.stderr);
    assert.equal(JSON.parse(info.stdout).images, 1);
  }
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('z.pancake')), ['z.pancake'], 'no half-made file left behind');
});

test('an empty file left by an interrupted creation is created over, not refused for ever', async () => {
  const dir = tempDir();
  const [photo] = await makeImages(path.join(dir, 'photos'), 1);
  const file = path.join(dir, 'empty.pancake');
  fs.writeFileSync(file, '');
  const r = await pancake(['import', file, photo!], { home: path.join(dir, 'home') });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(ProjectStore.open(file).info().images, 1);
});

/** Fills what is left of the disk; returns the filler so it can be removed. */
function fillDisk(dir: string): string {
  const filler = path.join(dir, 'filler');
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
  } finally {
    fs.closeSync(fd);
  }
  return filler;
}

test('a full disk is one sentence, loses nothing saved, and a project switch still works', { skip: isRoot ? false : 'mounting a small tmpfs needs root' }, async (t) => {
  const dir = tempDir();
  const disk = path.join(dir, 'disk');
  fs.mkdirSync(disk);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=5m', 'tmpfs', disk]);
  assert.equal(mounted.status, 0, mounted.stderr.toString());
  t.after(() => spawnSync('umount', [disk]));
  const home = path.join(dir, 'home');
  const first = await makeImages(path.join(dir, 'first'), 5);
  const more = await makeImages(path.join(dir, 'more'), 20, 256);
  const file = path.join(disk, 'p.pancake');

  assert.equal((await pancake(['import', file, ...first], { home })).code, 0);
  const filler = fillDisk(disk);
  const full = await pancake(['import', file, path.join(dir, 'more')], { home });
  assert.equal(full.code, 1);
  assertOneSentence(full);
  assert.match(full.stderr, /disk holding the project is full/);
  assert.equal(full.stderr.trim().split('\n').filter((l) => l.startsWith('Error')).length, 1, full.stderr);

  const info = await pancake(['info', file, '--json'], { home });
  assert.equal(info.code, 0, info.stderr);
  assert.equal(info.stderr, '');
  assert.equal(JSON.parse(info.stdout).images, 5, 'what was saved before is kept');

  // The app switches away from a project it cannot fold its -wal back into.
  const core = new PancakeCore({ stateDir: path.join(dir, 'state'), host: 'cli' });
  await core.api.projectOpen({ path: file });
  fs.rmSync(filler);
  fillDisk(disk);
  const other = path.join(dir, 'other.pancake');
  const next = await core.api.projectCreate({ path: other });
  assert.equal(next.path, other);
  assert.equal((await core.api.projectInfo({}))?.path, other);
  core.shutdown();

  fs.rmSync(path.join(disk, 'filler'));
  const after = await pancake(['import', file, ...more.slice(0, 3)], { home });
  assert.equal(after.code, 0, after.stderr);
  const store = ProjectStore.open(file);
  assert.equal(store.info().images, 8);
  store.close();
  assert.deepEqual(fs.readdirSync(disk).sort(), ['p.pancake'], 'closed cleanly once there is room again');
});

test('a read-only project opens to look at, refuses changes in one sentence, and leaves no -wal or -shm', async () => {
  const dir = tempDir();
  fs.chmodSync(dir, 0o755);
  const home = path.join(dir, 'home');
  fs.mkdirSync(home, { mode: 0o777 });
  fs.chmodSync(home, 0o777);
  const photos = await makeImages(path.join(dir, 'photos'), 3);
  for (const p of [path.join(dir, 'photos'), ...photos]) fs.chmodSync(p, 0o755);
  const folder = path.join(dir, 'projects');
  fs.mkdirSync(folder);
  const file = path.join(folder, 'p.pancake');
  const store = ProjectStore.create(file);
  await importPaths(store, photos.slice(0, 2), { onProgress: () => undefined });
  store.close();

  // Root ignores file modes, so the CLI runs as nobody there, as a user would.
  const run = (args: string[]): CliResult => {
    const argv = [process.execPath, CLI, ...args];
    const cmd = isRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...argv] : argv;
    const r = spawnSync(cmd[0]!, cmd.slice(1), { env: { ...process.env, PANCAKE_HOME: home }, encoding: 'utf8' });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };

  for (const [fileMode, folderMode] of [[0o444, 0o777], [0o444, 0o555], [0o644, 0o555]] as const) {
    fs.chmodSync(file, fileMode);
    fs.chmodSync(folder, folderMode);
    if (isRoot && fileMode === 0o644) fs.chownSync(file, 65534, 65534);
    const info = run(['info', file]);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /^p: 2 images/);
    assert.match(info.stdout, /Open read-only/);
    const change = run(['import', file, photos[2]!]);
    assert.equal(change.code, 1);
    assertOneSentence(change);
    assert.match(change.stderr, /^Error: .* is open read-only \(Pancake cannot write to the file or its folder\), so it cannot be changed\.\n$/);
    assert.deepEqual(fs.readdirSync(folder), ['p.pancake'], `no -wal or -shm beside a ${fileMode.toString(8)} file in a ${folderMode.toString(8)} folder`);
  }
  fs.chmodSync(folder, 0o755);
  fs.chmodSync(file, 0o644);
  if (isRoot) fs.chownSync(file, 0, 0);

  // A file left in WAL mode (by an older Pancake, or a close that could not switch) reads only where SQLite may make a -shm.
  const open = ProjectStore.open(file);
  assert.equal(open.info().images, 2, 'nothing saved was lost');
  projectSql(open).pragma('wal_checkpoint(TRUNCATE)');
  const walFolder = path.join(dir, 'wal-mode');
  fs.mkdirSync(walFolder, { mode: 0o777 });
  fs.chmodSync(walFolder, 0o777);
  const walFile = path.join(walFolder, 'p.pancake');
  fs.copyFileSync(file, walFile);
  open.close();
  fs.chmodSync(walFile, 0o444);
  const walInfo = run(['info', walFile]);
  assert.equal(walInfo.code, 0, walInfo.stderr);
  assert.deepEqual(fs.readdirSync(walFolder), ['p.pancake'], 'the -wal and -shm SQLite made to read it are gone');
  fs.chmodSync(walFolder, 0o555);
  const noRoom = run(['info', walFile]);
  assert.equal(noRoom.code, 1);
  assertOneSentence(noRoom);
  assert.match(noRoom.stderr, /is read-only and was last closed in a way that needs a writable folder to read it; copy it to a folder you can write to/);
});

test('damaged pages are found on open, and recover copies the readable rows into a new project', async () => {
  const dir = tempDir();
  const home = path.join(dir, 'home');
  // Big enough that pixels fill the middle of the file, where the damage goes (a thumbnail is never larger than its photo).
  const photos = await makeImages(path.join(dir, 'photos'), 60, 240);
  const file = path.join(dir, 'damaged.pancake');
  const store = ProjectStore.create(file);
  const report = await importPaths(store, photos, { onProgress: () => undefined });
  assert.equal(report.added, 60);
  const pageSize = projectSql(store).pragma('page_size', { simple: true }) as number;
  // Twenty pages in a row that hold only image data (pixels, and the originals an import writes beside
  // them), at least one of them pixels, so the damage costs images and never a page every row depends
  // on, wherever the file's layout happens to put those.
  const pagesOf = (table: string) =>
    new Set(projectSql(store).prepare("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'overflow'").pluck().all(table) as number[]);
  const pixelPages = pagesOf('image_pixels');
  const dataPages = new Set([...pixelPages, ...pagesOf('image_originals')]);
  const run = (p: number) => Array.from({ length: 20 }, (_, i) => p + i);
  const runs = [...dataPages]
    .sort((a, b) => a - b)
    .filter((p) => run(p).every((q) => dataPages.has(q)) && run(p).some((q) => pixelPages.has(q)));
  assert.ok(runs.length > 0, 'twenty image-data pages in a row');
  const start = runs[Math.floor(runs.length / 2)]!;
  store.close();

  const fd = fs.openSync(file, 'r+');
  // Page numbers count from 1.
  for (let p = start; p < start + 20; p++) fs.writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (p - 1) * pageSize);
  fs.closeSync(fd);

  assert.throws(() => ProjectStore.open(file), /damaged\.pancake is damaged \(SQLite's check found/);
  const info = await pancake(['info', file], { home });
  assert.equal(info.code, 1);
  assertOneSentence(info);
  assert.match(info.stderr, /^Error: \S+ is damaged \(SQLite's check found .*\); copy what can still be read into a new project with `pancake recover .*`\.\n$/);

  const out = path.join(dir, 'recovered.pancake');
  const recovered = await pancake(['recover', file, out, '--json'], { home });
  assert.equal(recovered.code, 0, recovered.stderr);
  const result = JSON.parse(recovered.stdout) as { tables: { table: string; copied: number; gaps: number }[] };
  assert.ok(result.tables.some((t) => t.gaps > 0), 'the damage was met');

  const copy = ProjectStore.open(out);
  const copyInfo = copy.info();
  assert.ok(copyInfo.images >= 40 && copyInfo.images < 60, `most images kept, those on damaged pages dropped (${copyInfo.images})`);
  assert.deepEqual(copyInfo.classes.map((c) => c.name), []);
  assert.deepEqual(projectSql(copy).pragma('integrity_check', { simple: true }), 'ok');
  assert.deepEqual(projectSql(copy).pragma('foreign_key_check'), []);
  for (const image of copy.listImages()) assert.ok(copy.thumbnail(image.id), `image ${image.id} has its pixels`);
  copy.close();
});
