// The renderer's own origin, app://pancake: files under dist/renderer and
// nothing else. Served from a privileged scheme rather than file:// so the
// page's CSP 'self' means the app's files, not every file on the disk.
import fs from 'node:fs/promises';
import path from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'pancake';
export const APP_INDEX_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** Whether a URL belongs to the app's own origin (custom schemes have an opaque WHATWG origin, so scheme and host are compared). */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/** The file an app:// URL names inside `root`, or null for another origin or a path that would leave `root`. */
export function rendererFile(root: string, url: string): string | null {
  if (!isAppUrl(url)) return null;
  let rel: string;
  try {
    // Decoded after the URL parser's own dot-segment removal, so encoded
    // separators and dots are caught by the containment check below.
    rel = decodeURIComponent(new URL(url).pathname);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  if (rel === '/' || rel === '') rel = '/index.html';
  const base = path.resolve(root);
  const file = path.resolve(base, `.${path.sep}${rel}`);
  const inside = path.relative(base, file);
  if (inside === '' || inside === '..' || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside)) return null;
  return file;
}

/** The protocol handler: the named renderer file, or 404 for anything else. */
export function rendererHandler(root: string): (request: Request) => Promise<Response> {
  return async (request) => {
    const file = request.method === 'GET' ? rendererFile(root, request.url) : null;
    if (!file) return new Response('Not found', { status: 404 });
    try {
      const body = await fs.readFile(file);
      return new Response(new Uint8Array(body), {
        headers: { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream', 'x-content-type-options': 'nosniff' },
      });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  };
}
