// The Electron shell's wiring, checked without Electron's binary: the
// compiled main process runs in a child Node process against a stand-in
// `electron` (test/helpers/electron-stand-in.ts), with the real core behind
// it, and the test speaks to it as Electron would on a page's behalf.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { DriverRequest } from '../../helpers/electron-shell-driver.js';
import { makeImageTree } from '../../helpers/images.js';
import { repoRoot, tempDir } from '../../helpers/temp.js';

type WireResult = { ok: true; result: unknown } | { ok: false; error: { name: string; message: string } };

let child: ChildProcess;
let home: string;
let nextId = 1;
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

function ask<T>(req: DriverRequest): Promise<T> {
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    child.send({ id, req });
  });
}

const call = (method: string, params: unknown, sender: 'app' | 'foreign-origin' | 'subframe' | 'other-window' = 'app') =>
  ask<WireResult>({ op: 'call', sender, method, params });

before(async () => {
  assert.ok(fs.existsSync(path.join(repoRoot, 'dist/renderer/index.html')), 'the renderer is built (npm run build:renderer)');
  home = tempDir('pancake-shell-');
  child = fork(path.join(repoRoot, 'dist/test/helpers/electron-shell-driver.js'), [], {
    env: { ...process.env, HOME: home, PANCAKE_STAND_IN_APP_DATA: path.join(home, 'app-data') },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the main process exited (${code}) before it was ready`)));
    child.on('message', (msg: { ready?: true; id?: number; result?: unknown; error?: string }) => {
      if (msg.ready) return resolve();
      const waiter = pending.get(msg.id!);
      pending.delete(msg.id!);
      if (msg.error !== undefined) waiter?.reject(new Error(msg.error));
      else waiter?.resolve(msg.result);
    });
  });
});

after(() => {
  child.kill();
});

test('the window is sandboxed, isolated, without Node, and loads the app from its own scheme', async () => {
  const { options, url, schemes } = await ask<{
    options: { webPreferences: Record<string, unknown> };
    url: string;
    schemes: { scheme: string; privileges: Record<string, boolean> }[];
  }>({ op: 'window' });
  const prefs = options.webPreferences;
  assert.equal(prefs.sandbox, true);
  assert.equal(prefs.contextIsolation, true);
  assert.equal(prefs.nodeIntegration, false);
  assert.equal(prefs.nodeIntegrationInSubFrames, false);
  assert.equal(prefs.webSecurity, true);
  assert.equal(prefs.allowRunningInsecureContent, false);
  assert.equal(prefs.webviewTag, false);
  assert.ok(fs.existsSync(String(prefs.preload)), `the preload (${String(prefs.preload)}) is the compiled bridge`);
  assert.equal(url, 'app://pancake/index.html');
  const appScheme = schemes.find((s) => s.scheme === 'app');
  assert.ok(appScheme?.privileges.standard && appScheme.privileges.secure, 'app:// is a standard, secure scheme');
});

test('only the app window\'s own top frame reaches the core', async () => {
  const fromApp = await call('appInfo', {});
  assert.equal(fromApp.ok, true, JSON.stringify(fromApp));
  for (const sender of ['foreign-origin', 'subframe', 'other-window'] as const) {
    const res = await call('appInfo', {}, sender);
    assert.equal(res.ok, false, `${sender} is refused`);
    assert.equal(!res.ok && res.error.name, 'Forbidden');
  }
});

test('paths from the page are refused unless the user picked them or they are the app\'s own', async () => {
  const outside = path.join(home, 'elsewhere');
  const project = path.join(outside, 'picked.pancake');
  const refused = await call('projectCreate', { path: project });
  assert.equal(refused.ok, false);
  assert.match(!refused.ok ? refused.error.message : '', /Choose that file or folder in a dialog first/);
  assert.equal(fs.existsSync(project), false, 'nothing was created');

  await ask({ op: 'dialog', paths: [project] });
  const picked = await call('pickPaths', { kind: 'new-project' });
  assert.deepEqual(picked.ok && picked.result, { paths: [project] });
  const created = await call('projectCreate', { path: project });
  assert.equal(created.ok, true, JSON.stringify(created));
  assert.ok(fs.existsSync(project));

  // Exports go to a picked folder or the app's projects folder, nowhere else.
  const copyOutside = await call('exportProject', { path: path.join(outside, 'copy.pancake') });
  assert.equal(copyOutside.ok, false);
  const copyHome = await call('exportProject', { path: path.join(home, 'Pancake', 'copy.pancake') });
  assert.equal(copyHome.ok, true, JSON.stringify(copyHome));
  assert.ok(fs.existsSync(path.join(home, 'Pancake', 'copy.pancake')));

  // A dropped folder may be imported; a path the page made up may not, even
  // when only one of several is foreign.
  const photos = path.join(home, 'photos');
  await makeImageTree(photos, { cats: 2 });
  const foreign = await call('importPaths', { jobId: 'j1', paths: [path.join(home, 'secret')] });
  assert.equal(foreign.ok, false);
  await ask({ op: 'drop', sender: 'app', path: photos });
  const mixed = await call('importPaths', { jobId: 'j2', paths: [photos, path.join(home, 'secret')] });
  assert.equal(mixed.ok, false);
  const dropped = await call('importPaths', { jobId: 'j3', paths: [path.join(photos, 'cats')] });
  assert.equal(dropped.ok, true, JSON.stringify(dropped));

  // A drop reported from another window grants nothing.
  const other = path.join(home, 'other');
  await ask({ op: 'drop', sender: 'other-window', path: other });
  assert.equal((await call('settingsSet', { modelsDir: other })).ok, false);
});

test('the app scheme serves the renderer\'s files and nothing outside them', async () => {
  const index = fs.readFileSync(path.join(repoRoot, 'dist/renderer/index.html'), 'utf8');
  type Fetched = { status: number; type: string | null; body: string };
  const page = await ask<Fetched>({ op: 'fetch', url: 'app://pancake/index.html' });
  assert.equal(page.status, 200);
  assert.match(page.type ?? '', /^text\/html/);
  assert.equal(page.body, index);
  assert.equal((await ask<Fetched>({ op: 'fetch', url: 'app://pancake/' })).body, index);

  const script = fs.readdirSync(path.join(repoRoot, 'dist/renderer/assets')).find((f) => f.endsWith('.js'))!;
  const js = await ask<Fetched>({ op: 'fetch', url: `app://pancake/assets/${script}` });
  assert.equal(js.status, 200);
  assert.match(js.type ?? '', /^text\/javascript/);

  // dist/main/electron/main.js exists one folder above the renderer's.
  for (const url of [
    'app://pancake/..%2fmain%2felectron%2fmain.js',
    'app://pancake/%2e%2e%2fmain/electron/main.js',
    'app://pancake/assets/..%2f..%2fmain%2felectron%2fmain.js',
    `app://pancake/${encodeURIComponent(path.join(repoRoot, 'package.json'))}`,
    'app://other/index.html',
  ]) {
    const res = await ask<Fetched>({ op: 'fetch', url });
    assert.equal(res.status, 404, `${url} is refused`);
  }
  assert.equal((await ask<Fetched>({ op: 'fetch', url: 'app://pancake/index.html', method: 'POST' })).status, 404);
});

test('permissions: only the clipboard write the UI uses, and only for the app window', async () => {
  type Decision = { requested: boolean; checked: boolean };
  for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read', 'fullscreen', 'midi']) {
    assert.deepEqual(await ask<Decision>({ op: 'permission', sender: 'app', permission }), { requested: false, checked: false }, permission);
  }
  assert.deepEqual(await ask<Decision>({ op: 'permission', sender: 'app', permission: 'clipboard-sanitized-write' }), { requested: true, checked: true });
  assert.deepEqual(await ask<Decision>({ op: 'permission', sender: 'other-window', permission: 'clipboard-sanitized-write' }), {
    requested: false,
    checked: false,
  });
});

test('the page can neither navigate away nor open windows', async () => {
  assert.deepEqual(await ask({ op: 'navigate', url: 'https://example.org/' }), { prevented: true });
  assert.deepEqual(await ask({ op: 'open-window', url: 'https://example.org/' }), { action: 'deny' });
});
