import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { PancakeCore } from '../../../main/core/core.js';
import { startBrowserHost } from '../../../main/host/browser-host.js';
import { encodeCall, type WireResult } from '../../../contract/wire.js';
import { makeImage } from '../../helpers/images.js';
import { repoRoot, tempDir } from '../../helpers/temp.js';

const home = tempDir();
const core = new PancakeCore({ stateDir: home, host: 'browser' });
const MAX_BODY = 64 * 1024;
const host = await startBrowserHost({ core, rendererDir: path.join(repoRoot, 'dist/renderer'), maxBodyBytes: MAX_BODY });
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
  assert.equal(res.status, 400);
  const index = await request('/');
  assert.equal(index.status, 200);
  assert.match(String(index.headers['content-security-policy']), /default-src 'self'/);
});

/** Sends bytes exactly as given on a fresh connection and returns what comes back until the host closes it or answers. */
function raw(text: string | Buffer, opts: { end?: boolean } = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(host.port, '127.0.0.1');
    let got = '';
    const done = () => {
      socket.destroy();
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0), text: got });
    };
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('\r\n\r\n')) done();
    });
    socket.on('end', done);
    socket.on('error', (err: NodeJS.ErrnoException) => (got ? done() : reject(err)));
    socket.write(text);
    if (opts.end) socket.end();
  });
}

const hostLine = () => `Host: 127.0.0.1:${host.port}\r\n`;
const tokenLine = () => `X-Pancake-Token: ${host.token}\r\n`;

async function session(): Promise<string> {
  const res = await request('/session', { method: 'POST', headers: { 'x-pancake-token': host.token } });
  assert.equal(res.status, 204);
  const setCookie = res.headers['set-cookie']?.[0] ?? '';
  assert.match(setCookie, /; HttpOnly/);
  assert.match(setCookie, /; SameSite=Strict/);
  return setCookie.split(';')[0]!;
}

test('a repeated Host header is refused even when the first one is ours', async () => {
  const res = await raw(`POST /api/appInfo HTTP/1.1\r\n${hostLine()}Host: evil.example\r\n${tokenLine()}Content-Length: 0\r\n\r\n`);
  assert.equal(res.status, 403);
});

test('only our own origin, or none, may call', async () => {
  const cases = [`http://evil.example`, 'null', `http://127.0.0.1:${host.port + 1}`, `https://127.0.0.1:${host.port}`];
  for (const origin of cases) {
    const res = await request('/api/appInfo', { method: 'POST', headers: { origin, 'x-pancake-token': host.token }, body: encodeCall({}) });
    assert.equal(res.status, 403, origin);
  }
  const twice = await raw(`POST /api/appInfo HTTP/1.1\r\n${hostLine()}Origin: http://127.0.0.1:${host.port}\r\nOrigin: http://evil.example\r\n${tokenLine()}Content-Length: 0\r\n\r\n`);
  assert.equal(twice.status, 403);
  const own = await request('/api/appInfo', {
    method: 'POST',
    headers: { origin: `http://127.0.0.1:${host.port}`, 'x-pancake-token': host.token },
    body: encodeCall({}),
  });
  assert.equal(own.status, 200);
});

// The old host waited for the whole declared body: a timeout turns that hang into a failure.
test('a body over the limit is answered 413 without being read', { timeout: 60_000 }, async () => {
  const declared = await raw(`POST /api/appInfo HTTP/1.1\r\n${hostLine()}${tokenLine()}Content-Length: ${256 * 1024 * 1024}\r\n\r\n`);
  assert.equal(declared.status, 413);
  // A chunked body gives no size up front: the host stops once it has passed the limit.
  const chunk = Buffer.alloc(16 * 1024, 1);
  const head = `POST /api/appInfo HTTP/1.1\r\n${hostLine()}${tokenLine()}Transfer-Encoding: chunked\r\n\r\n`;
  const chunks = Array.from({ length: MAX_BODY / chunk.length + 2 }, () => Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
  const streamed = await raw(Buffer.concat([Buffer.from(head), ...chunks]));
  assert.equal(streamed.status, 413);
  // Just under the limit still goes through.
  const fits = await call('appInfo', {});
  assert.equal(fits.ok, true);
});

test('malformed or normalizing paths are refused, and method names are taken as sent', async () => {
  for (const target of ['/%E0%A4%A', '/%C3%28', '/api/%FF', '/assets/%00.js', '/a/../index.html', '/./index.html', 'http://127.0.0.1/index.html']) {
    const res = await raw(`GET ${target} HTTP/1.1\r\n${hostLine()}\r\n`);
    assert.equal(res.status, 400, target);
  }
  // `new URL` would turn this into /api/projectClose; it must not run that method.
  const climbed = await raw(`POST /api/appInfo/../projectClose HTTP/1.1\r\n${hostLine()}${tokenLine()}Content-Length: 0\r\n\r\n`);
  assert.equal(climbed.status, 400);
  for (const target of ['/api/appInfo/x', '/api/app%49nfo', '/api/', '/api/__proto__']) {
    const res = await raw(`POST ${target} HTTP/1.1\r\n${hostLine()}${tokenLine()}Content-Length: 0\r\n\r\n`);
    assert.equal(res.status, 404, target);
  }
  for (const method of ['constructor', 'toString', 'hasOwnProperty']) {
    assert.deepEqual(await call(method, {}), { ok: false, error: { name: 'UnknownMethod', message: `Unknown method ${method}.` } });
  }
});

test('the token is taken from its header only, and images and events from the cookie the page is given', async () => {
  assert.equal((await request(`/api/appInfo?token=${host.token}`, { method: 'POST', body: encodeCall({}) })).status, 401);
  assert.equal((await request(`/api/events?token=${host.token}`)).status, 401);
  assert.equal((await request(`/media/thumb/1?token=${host.token}`)).status, 401);
  assert.equal((await request('/session', { method: 'POST' })).status, 401);
  assert.equal((await request('/session', { headers: { 'x-pancake-token': host.token } })).status, 405);

  const cookie = await session();
  assert.ok(!cookie.includes(host.token), 'the cookie is not the token');
  assert.equal((await request('/media/thumb/1', { headers: { cookie } })).status, 404, 'no such image, but allowed to ask');
  assert.equal((await request('/media/thumb/1', { headers: { cookie: `${cookie.split('=')[0]}=guess` } })).status, 401);
  // The cookie reads; it does not call.
  assert.equal((await request('/api/appInfo', { method: 'POST', headers: { cookie }, body: encodeCall({}) })).status, 401);
  const events = await new Promise<number>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: host.port, path: '/api/events', headers: { cookie } }, (res) => {
      resolve(res.statusCode ?? 0);
      res.destroy();
    });
    req.on('error', reject);
  });
  assert.equal(events, 200);
});

test('fields that exist only on Object.prototype are not known fields', async () => {
  for (const params of [{ constructor: 1 }, { toString: 'x' }, { hasOwnProperty: true }, JSON.parse('{"__proto__": {"x": 1}}') as unknown]) {
    const res = await call('appInfo', params);
    assert.equal(res.ok, false, JSON.stringify(params));
    assert.match((res as { error: { message: string } }).error.message, /is not a known field/);
  }
});

test('a body that is not UTF-8 is a validation error, not a crash', async () => {
  const body = Buffer.from([2, 0, 0, 0, 0xc3, 0x28]);
  const res = await request('/api/appInfo', { method: 'POST', headers: { 'x-pancake-token': host.token }, body });
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(res.body), { ok: false, error: { name: 'ValidationError', message: 'The request is not valid UTF-8.' } });
});

/** GET with the page's cookie, the body as bytes. */
function getBytes(pathname: string, cookie: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: host.port, path: pathname, headers: { cookie } }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
      })
      .on('error', reject);
  });
}

test('many thumbnails come in one answer, each framed by its id and length, with the cookie only', async () => {
  const photos = tempDir();
  await makeImage(path.join(photos, 'a.jpg'));
  await makeImage(path.join(photos, 'b.jpg'));
  assert.equal((await call('projectCreate', { path: path.join(tempDir(), 'thumbs.pancake') })).ok, true);
  const imported = await call('importPaths', { jobId: 'thumbs', paths: [photos] });
  assert.equal(imported.ok, true);
  const listed = (await call('listImages', {})) as { ok: true; result: { images: { id: number }[] } };
  const ids = listed.result.images.map((i) => i.id);
  assert.equal(ids.length, 2);
  const cookie = await session();

  const res = await getBytes(`/media/thumbs?ids=${ids.join(',')},999999`, cookie);
  assert.equal(res.status, 200);
  const frames: { id: number; bytes: Buffer }[] = [];
  for (let at = 0; at < res.body.length; ) {
    const length = res.body.readUInt32BE(at + 4);
    frames.push({ id: res.body.readUInt32BE(at), bytes: res.body.subarray(at + 8, at + 8 + length) });
    at += 8 + length;
  }
  assert.deepEqual(
    frames.map((f) => f.id),
    [...ids, 999999],
  );
  for (const [i, id] of ids.entries()) {
    const one = await getBytes(`/media/thumb/${id}`, cookie);
    assert.equal(one.status, 200);
    assert.deepEqual(frames[i]!.bytes, one.body, 'the same bytes as the thumbnail on its own');
  }
  assert.equal(frames[2]!.bytes.length, 0, 'an image that is not there has no bytes');

  assert.equal((await getBytes(`/media/thumbs?ids=${ids[0]}`, '')).status, 401);
  for (const bad of ['', 'x', '1,,2', '0', '-1', '99999999999', Array.from({ length: 101 }, (_, i) => i + 1).join(',')]) {
    assert.equal((await getBytes(`/media/thumbs?ids=${bad}`, cookie)).status, 400, bad.slice(0, 20));
  }
  assert.equal((await call('projectClose', {})).ok, true);
});
