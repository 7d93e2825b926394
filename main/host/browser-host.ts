// The browser host: plain Node serving the built renderer and the same API
// on 127.0.0.1 only. A secret token (kept across restarts by serve.ts, so an
// open tab reconnects) guards every API and media request, and the Host header is checked so that no other local page (nor a
// DNS-rebinding one) can call in.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { PancakeCore } from '../core/core.js';
import { decodeCall } from '../api/wire.js';
import type { ApiEvent } from '../api/types.js';
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
}

const MAX_BODY = 256 * 1024 * 1024;

const CSP = [
  "default-src 'self'",
  "img-src 'self' blob: data:",
  "style-src 'self' 'unsafe-inline'",
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

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('The request is too large.'));
        req.destroy();
        return;
      }
      parts.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
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
  const token = opts.token ?? crypto.randomBytes(24).toString('base64url');
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
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return send(res, 403, 'Forbidden host');
    const url = new URL(req.url ?? '/', `http://${host}`);
    const authorized = () => safeEqual(String(req.headers['x-pancake-token'] ?? url.searchParams.get('token') ?? ''), token);

    if (url.pathname.startsWith('/api/')) {
      if (!authorized()) return send(res, 401, 'Unauthorized');
      if (url.pathname === '/api/events' && req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        res.write(': connected\n\n');
        streams.add(res);
        req.on('close', () => streams.delete(res));
        return;
      }
      if (req.method !== 'POST') return send(res, 405, 'Use POST');
      const method = url.pathname.slice('/api/'.length);
      let params: unknown;
      try {
        params = decodeCall(await readBody(req));
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        return send(res, 200, JSON.stringify({ ok: false, error: { name: 'ValidationError', message } }), 'application/json');
      }
      const result = await core.call(method, params);
      return send(res, 200, JSON.stringify(result), 'application/json');
    }

    if (url.pathname === '/upload/project') {
      if (!authorized()) return send(res, 401, 'Unauthorized');
      if (req.method !== 'POST') return send(res, 405, 'Use POST');
      const result = await receiveProjectUpload(core, req, url.searchParams.get('name'));
      return send(res, 200, JSON.stringify(result), 'application/json');
    }

    if (url.pathname.startsWith('/media/')) {
      if (!authorized()) return send(res, 401, 'Unauthorized');
      const [, , kind, idText] = url.pathname.split('/');
      const id = Number(idText);
      if ((kind !== 'thumb' && kind !== 'preview') || !Number.isInteger(id)) return send(res, 404, 'Not found');
      const media = core.media(kind, id);
      if (!media) return send(res, 404, 'Not found');
      res.writeHead(200, { 'content-type': media.mime, 'cache-control': 'private, max-age=3600', 'x-content-type-options': 'nosniff' });
      res.end(media.bytes);
      return;
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method not allowed');
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
    const file = path.resolve(root, rel);
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
