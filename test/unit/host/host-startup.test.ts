// The browser host as `npm start` runs it: the same port and token after a
// restart (so an open tab finds it again), another port only when that one
// is taken, a private token file, a clean stop on SIGTERM, and a project
// upload that lands in the Pancake folder without replacing anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import http from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { loadHostToken, TOKEN_FILE } from '../../../main/host/host-token.js';
import { wantsBrowserOpened } from '../../../main/host/open-browser.js';
import { PancakeCore } from '../../../main/core/core.js';
import { startBrowserHost } from '../../../main/host/browser-host.js';
import { repoRoot, tempDir } from '../../helpers/temp.js';

interface Running {
  child: ChildProcess;
  url: URL;
  token: string;
  out: string[];
}

async function startServe(home: string): Promise<Running> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist/main/host/serve.js')], {
    env: { ...process.env, PANCAKE_HOME: home, HOME: home, PANCAKE_NO_OPEN: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  child.stderr!.on('data', (d: Buffer) => out.push(d.toString()));
  const url = await new Promise<URL>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out.push(d.toString());
      const m = /running at (\S+)/.exec(out.join(''));
      if (m) resolve(new URL(m[1]!));
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${out.join('')}`)));
  });
  return { child, url, token: new URLSearchParams(url.hash.slice(1)).get('token') ?? '', out };
}

async function stop(run: Running): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => run.child.once('exit', (code) => resolve(code)));
  run.child.kill('SIGTERM');
  return exited;
}

test('the token file is private (0600), reused while intact, replaced when others could read it or it is damaged', { skip: process.platform === 'win32' }, () => {
  const dir = tempDir();
  const first = loadHostToken(dir);
  const file = path.join(dir, TOKEN_FILE);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.ok(first.length >= 32);
  assert.equal(loadHostToken(dir), first);
  assert.deepEqual(fs.readdirSync(dir), [TOKEN_FILE], 'no temporary file is left behind');

  fs.chmodSync(file, 0o644);
  const second = loadHostToken(dir);
  assert.notEqual(second, first);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);

  fs.writeFileSync(file, 'short', { mode: 0o600 });
  const third = loadHostToken(dir);
  assert.notEqual(third, 'short');
  assert.equal(loadHostToken(dir), third);
});

test('--no-open and PANCAKE_NO_OPEN=1 keep the browser closed', () => {
  assert.equal(wantsBrowserOpened([], {}), true);
  assert.equal(wantsBrowserOpened(['--no-open'], {}), false);
  assert.equal(wantsBrowserOpened([], { PANCAKE_NO_OPEN: '1' }), false);
});

test('a restart keeps the port and the token; a taken port moves the host and says so; SIGTERM stops it with exit 0', async () => {
  const home = tempDir();
  const first = await startServe(home);
  assert.ok(first.token.length >= 32);
  assert.equal(await stop(first), 0);
  assert.match(first.out.join(''), /Pancake stopped/);
  const state = JSON.parse(fs.readFileSync(path.join(home, 'state.json'), 'utf8')) as { hostPort: number };
  assert.equal(String(state.hostPort), first.url.port);

  const second = await startServe(home);
  assert.equal(second.url.port, first.url.port);
  assert.equal(second.token, first.token);
  assert.equal(await stop(second), 0);

  // Something else now holds that port.
  const squatter = net.createServer();
  await new Promise<void>((resolve) => squatter.listen(Number(first.url.port), '127.0.0.1', resolve));
  try {
    const third = await startServe(home);
    assert.notEqual(third.url.port, first.url.port);
    assert.equal(third.token, first.token);
    assert.match(third.out.join(''), new RegExp(`Port ${first.url.port} is in use by another program`));
    assert.equal(await stop(third), 0);
  } finally {
    await new Promise((resolve) => squatter.close(resolve));
  }
});

function upload(port: number, token: string, name: string, body: Buffer): Promise<{ ok: boolean; error?: { message: string } }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: `/upload/project?name=${encodeURIComponent(name)}`, headers: { 'x-pancake-token': token } },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(parts).toString()) as { ok: boolean; error?: { message: string } }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test('an uploaded project goes into the Pancake folder beside, never over, a file of that name, and opens; a file that is not a project is refused and removed', async () => {
  const home = tempDir();
  const pancakeDir = path.join(home, 'Pancake');
  const maker = new PancakeCore({ stateDir: path.join(home, 'maker'), host: 'cli' });
  const source = path.join(home, 'elsewhere', 'birds.pancake');
  await maker.api.projectCreate({ path: source });
  await maker.api.classCreate({ name: 'heron' });
  maker.shutdown();

  const core = new PancakeCore({ stateDir: path.join(home, 'state'), host: 'browser' });
  const previousHome = process.env.HOME;
  process.env.HOME = home; // the Pancake folder is ~/Pancake
  const host = await startBrowserHost({ core, rendererDir: path.join(repoRoot, 'dist/renderer') });
  try {
    fs.mkdirSync(pancakeDir, { recursive: true });
    fs.writeFileSync(path.join(pancakeDir, 'birds.pancake'), 'keep me');

    const res = await upload(host.port, host.token, 'birds.pancake', fs.readFileSync(source));
    assert.equal(res.ok, true, res.error?.message);
    assert.equal(fs.readFileSync(path.join(pancakeDir, 'birds.pancake'), 'utf8'), 'keep me');
    assert.equal(core.store.file, path.join(pancakeDir, 'birds (2).pancake'));
    assert.deepEqual(core.store.info().classes.map((c) => c.name), ['heron']);

    const bad = await upload(host.port, host.token, 'notes.pancake', Buffer.from('not a database at all, just words'));
    assert.equal(bad.ok, false);
    assert.ok(bad.error!.message.length > 0);
    assert.equal(fs.existsSync(path.join(pancakeDir, 'notes.pancake')), false);
    assert.deepEqual(fs.readdirSync(pancakeDir).filter((f) => f.endsWith('.part')), []);
    assert.equal(core.store.file, path.join(pancakeDir, 'birds (2).pancake'), 'the open project stays open');

    const names = (await core.api.appInfo({})).folderProjects.map((p) => p.name).sort();
    assert.deepEqual(names, ['birds', 'birds (2)']);
  } finally {
    process.env.HOME = previousHome;
    core.shutdown();
    await host.close();
  }
});
