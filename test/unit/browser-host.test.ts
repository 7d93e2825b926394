import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { PancakeCore } from '../../main/core/core.js';
import { startBrowserHost } from '../../main/host/browser-host.js';
import { encodeCall, type WireResult } from '../../main/api/wire.js';
import { repoRoot, tempDir } from '../helpers/temp.js';

const home = tempDir();
const core = new PancakeCore({ stateDir: home, host: 'browser' });
const host = await startBrowserHost({ core, rendererDir: path.join(repoRoot, 'dist/renderer') });
after(async () => {
  core.shutdown();
  await host.close();
});

function request(
  pathname: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Uint8Array } = {},
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: host.port, path: pathname, method: opts.method ?? 'GET', headers: opts.headers },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString(), headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const call = async (method: string, params: unknown, token = host.token): Promise<WireResult> => {
  const res = await request(`/api/${method}`, { method: 'POST', headers: { 'x-pancake-token': token }, body: encodeCall(params) });
  assert.equal(res.status, 200);
  return JSON.parse(res.body) as WireResult;
};

test('the host listens on 127.0.0.1 only and prints a URL carrying its token', () => {
  assert.match(host.url, new RegExp(`^http://127\\.0\\.0\\.1:${host.port}/#token=${host.token}$`));
  assert.ok(host.token.length >= 32);
});

test('API calls without the right token are refused', async () => {
  assert.equal((await request('/api/appInfo', { method: 'POST', body: encodeCall({}) })).status, 401);
  assert.equal(
    (await request('/api/appInfo', { method: 'POST', headers: { 'x-pancake-token': 'guess' }, body: encodeCall({}) })).status,
    401,
  );
  assert.equal((await request('/api/events')).status, 401);
  assert.equal((await request('/media/thumb/1')).status, 401);
});

test('requests naming another host are refused (DNS rebinding)', async () => {
  const res = await request('/api/appInfo', {
    method: 'POST',
    headers: { host: `evil.example:${host.port}`, 'x-pancake-token': host.token },
    body: encodeCall({}),
  });
  assert.equal(res.status, 403);
});

test('a valid call answers through the shared contract', async () => {
  const res = await call('appInfo', {});
  assert.equal(res.ok, true);
  assert.equal((res as { result: { host: string } }).result.host, 'browser');
});

test('arguments crossing the boundary are validated', async () => {
  const bad = await call('labelSet', { imageIds: ['x'], classId: 1 });
  assert.deepEqual(bad, { ok: false, error: { name: 'ValidationError', message: 'params.imageIds[0] must be a finite number (got string)' } });
  const extra = await call('appInfo', { sneaky: true });
  assert.equal(extra.ok, false);
  const unknown = await call('dropDatabase', {});
  assert.equal(unknown.ok, false);
  const noProject = await call('listImages', {});
  assert.deepEqual(noProject, {
    ok: false,
    error: { name: 'CoreError', message: 'No project is open. Create a new project or open one first.' },
  });
});

test('static files cannot escape the renderer folder', async () => {
  const res = await request('/..%2f..%2fpackage.json');
  assert.equal(res.status, 404);
  const index = await request('/');
  assert.equal(index.status, 200);
  assert.match(String(index.headers['content-security-policy']), /default-src 'self'/);
});
