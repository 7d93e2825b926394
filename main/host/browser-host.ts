// The browser host: plain Node serving the built renderer and the same API
// on 127.0.0.1 only. A secret token (kept across restarts by serve.ts, so an
// open tab reconnects) guards every API call, a second
// secret in a cookie guards what a page cannot send a header with (images and
// the event stream), and the Host and Origin headers are checked so that no
// other page, local or DNS-rebinding, can call in. Anything it does not
// expect (odd paths, oversized bodies, repeated headers) is refused.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { PancakeCore } from '../core/core.js';
import { decodeCall } from '../../contract/wire.js';
import type { ApiEvent } from '../../contract/types.js';
import { receiveProjectUpload } from './project-upload.js';

export interface BrowserHost {
  url: string;
  port: number;
  token: string;
  /** The port asked for was in use, so another was taken. */
  portWasTaken: boolean;
  close(): Promise<void>;
}

export interface BrowserHostOptions {
  core: PancakeCore;
  rendererDir: string;
  /** Without one, a fresh token for this run only. */
  token?: string;
  /** 0 or none: any free port. */
  port?: number;
  /** Where the port is only a preference: take any free one when it is in use. */
  portFallback?: boolean;
  maxBodyBytes?: number;
}

/** The largest import batch: one file at the import limit (200 MiB) next to a full batch of small ones. */
const MAX_BODY = 256 * 1024 * 1024;

const CSP = [
  "default-src 'self'",
  "img-src 'self' blob: data:",
  "style-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

class BodyTooLarge extends Error {}

/** Reads a body up to `limit` bytes; past that it stops reading at once rather than buffering the rest. */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > limit) return reject(new BodyTooLarge());
    const parts: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        parts.length = 0;
        reject(new BodyTooLarge());
        return;
      }
      parts.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

/** How many times a header appears; Node keeps only the first of repeated Host and Origin headers. */
function headerCount(req: http.IncomingMessage, name: string): number {
  let n = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === name) n++;
  return n;
}

/**
 * The path of an origin-form request target, split into decoded segments, or
 * null when it is anything else: an absolute URL, bad percent-encoding or
 * UTF-8, or a segment that would climb or hide a separator. Nothing is
 * normalized, so what is routed is what was sent.
 */
function pathSegments(target: string): string[] | null {
  const raw = target.split('?', 1)[0]!;
  if (!raw.startsWith('/')) return null;
  const segments: string[] = [];
  for (const part of raw.slice(1).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(part);
    } catch {
      return null;
    }
    if (segment === '.' || segment === '..' || /[/\\\0]/.test(segment)) return null;
    segments.push(segment);
  }
  return segments;
}

function cookie(req: http.IncomingMessage, name: string): string {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return '';
}

/** At most this many thumbnails in one answer: more than a screen of the grid holds. */
export const THUMBS_PER_REQUEST = 100;

/**
 * Many thumbnails in one answer, `?ids=1,2,3`: the browser fetches only six
 * images at a time from one host, so a screen of them one by one takes six
 * round trips where this takes one. Each is framed as its id and byte
 * length (4 bytes each, big-endian) and its bytes; an image that is gone has
 * length 0.
 */
function sendThumbsOf(core: PancakeCore, res: http.ServerResponse, url: string): void {
  const text = new URLSearchParams(url.split('?')[1] ?? '').get('ids') ?? '';
  const ids = text.split(',');
  if (ids.length > THUMBS_PER_REQUEST || !ids.every((id) => /^[1-9][0-9]{0,9}$/.test(id) && Number(id) <= 0xffffffff)) return send(res, 400, 'Bad ids');
  const frames: Buffer[] = [];
  for (const id of ids) {
    const bytes = core.media('thumb', Number(id))?.bytes ?? Buffer.alloc(0);
    const head = Buffer.alloc(8);
    head.writeUInt32BE(Number(id), 0);
    head.writeUInt32BE(bytes.length, 4);
    frames.push(head, bytes);
  }
  send(res, 200, Buffer.concat(frames), 'application/octet-stream');
}

function send(res: http.ServerResponse, status: number, body: string | Buffer, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
  res.end(body);
}

function listen(server: http.Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (err: Error) => reject(err);
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', fail);
      resolve();
    });
  });
}

export async function startBrowserHost(opts: BrowserHostOptions): Promise<BrowserHost> {
  const { core, rendererDir } = opts;
  const maxBody = opts.maxBodyBytes ?? MAX_BODY;
  const token = opts.token ?? crypto.randomBytes(24).toString('base64url');
  // Cookies ignore ports, so any server on 127.0.0.1 the browser visits gets
  // this one: it is a secret of its own and only lets images and events be read.
  const readSecret = crypto.randomBytes(24).toString('base64url');
  const root = path.resolve(rendererDir);
  const streams = new Set<http.ServerResponse>();
  let port = 0;

  const broadcast = (event: ApiEvent) => {
    const frame = `data: ${JSON.stringify(event)}\n\n`;
    for (const s of streams) s.write(frame);
  };
  const unsubscribe = core.events.subscribe(broadcast);

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, String(err instanceof Error ? err.message : err));
      else res.destroy();
    });
  });
  server.requestTimeout = 0; // training and import calls stay open as long as they run

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const host = req.headers.host ?? '';
    if (headerCount(req, 'host') !== 1 || (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`)) {
      return send(res, 403, 'Forbidden host');
    }
    // Browsers send Origin on every cross-origin request that could change
    // something; a page of our own origin, or no browser at all, passes.
    const origin = req.headers.origin;
    if (headerCount(req, 'origin') > 1 || (origin !== undefined && origin !== `http://${host}`)) return send(res, 403, 'Forbidden origin');
    const segments = pathSegments(req.url ?? '');
    if (!segments) return send(res, 400, 'Bad request path');
    const cookieName = `pancake-${port}`;
    const hasToken = () => safeEqual(String(req.headers['x-pancake-token'] ?? ''), token);
    const hasCookie = () => safeEqual(cookie(req, cookieName), readSecret);
    const [top, ...rest] = segments;

    if (top === 'session' && rest.length === 0) {
      if (req.method !== 'POST') return send(res, 405, 'Use POST');
      if (!hasToken()) return send(res, 401, 'Unauthorized');
      res.writeHead(204, {
        'set-cookie': `${cookieName}=${readSecret}; Path=/; HttpOnly; SameSite=Strict`,
        'cache-control': 'no-store',
      });
      res.end();
      return;
    }

    if (top === 'api') {
      if (rest.length === 1 && rest[0] === 'events') {
        if (req.method !== 'GET') return send(res, 405, 'Use GET');
        if (!hasCookie()) return send(res, 401, 'Unauthorized');
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        res.write(': connected\n\n');
        streams.add(res);
        req.on('close', () => streams.delete(res));
        return;
      }
      if (!hasToken()) return send(res, 401, 'Unauthorized');
      // Matched on the path as sent, not decoded: /api/app%49nfo names no method.
      const method = /^\/api\/([A-Za-z][A-Za-z0-9]*)$/.exec((req.url ?? '').split('?', 1)[0]!)?.[1];
      if (!method) return send(res, 404, 'Not found');
      if (req.method !== 'POST') return send(res, 405, 'Use POST');
      let params: unknown;
      try {
        params = decodeCall(await readBody(req, maxBody));
      } catch (err) {
        if (err instanceof BodyTooLarge) {
          res.setHeader('connection', 'close');
          return send(res, 413, `The request is larger than ${maxBody} bytes.`);
        }
        const message = err instanceof Error ? err.message : String(err);
        return send(res, 200, JSON.stringify({ ok: false, error: { name: 'ValidationError', message } }), 'application/json');
      }
      const result = await core.call(method, params);
      return send(res, 200, JSON.stringify(result), 'application/json');
    }

    if (top === 'upload' && rest.length === 1 && rest[0] === 'project') {
      if (!hasToken()) return send(res, 401, 'Unauthorized');
      if (req.method !== 'POST') return send(res, 405, 'Use POST');
      const name = new URLSearchParams((req.url ?? '').split('?')[1] ?? '').get('name');
      const result = await receiveProjectUpload(core, req, name);
      return send(res, 200, JSON.stringify(result), 'application/json');
    }

    if (top === 'media') {
      if (!hasCookie()) return send(res, 401, 'Unauthorized');
      if (rest.length === 1 && rest[0] === 'thumbs') return sendThumbsOf(core, res, req.url ?? '');
      const [kind, idText] = rest;
      if (rest.length !== 2 || (kind !== 'thumb' && kind !== 'preview') || !/^[1-9][0-9]{0,15}$/.test(idText!)) return send(res, 404, 'Not found');
      const media = core.media(kind, Number(idText));
      if (!media) return send(res, 404, 'Not found');
      res.writeHead(200, { 'content-type': media.mime, 'cache-control': 'private, max-age=3600', 'x-content-type-options': 'nosniff' });
      res.end(media.bytes);
      return;
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method not allowed');
    const file = segments.length === 1 && segments[0] === '' ? path.join(root, 'index.html') : path.join(root, ...segments);
    if (!file.startsWith(root + path.sep)) return send(res, 404, 'Not found');
    let body: Buffer;
    try {
      body = await fs.promises.readFile(file);
    } catch {
      return send(res, 404, 'Not found');
    }
    res.writeHead(200, {
      'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  const wanted = opts.port ?? 0;
  let portWasTaken = false;
  try {
    await listen(server, wanted);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !opts.portFallback || wanted === 0) {
      unsubscribe();
      throw err;
    }
    portWasTaken = true;
    await listen(server, 0);
  }
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/#token=${token}`,
    port,
    token,
    portWasTaken,
    close: () =>
      new Promise<void>((resolve) => {
        unsubscribe();
        for (const s of streams) s.end();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
