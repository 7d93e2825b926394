// Fetches a whole file into memory over http or https, following redirects,
// giving up on a silent connection, and refusing a body shorter than announced.
import http from 'node:http';
import https from 'node:https';

export interface DownloadOptions {
  /** Longest silence on the connection before giving up. */
  idleTimeoutMs?: number;
  maxRedirects?: number;
  onProgress?: (received: number, total: number | null) => void;
}

export class DownloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DownloadError';
  }
}

export function download(url: string, options: DownloadOptions = {}, redirects = 0): Promise<Uint8Array> {
  const { idleTimeoutMs = 30_000, maxRedirects = 5 } = options;
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? https.get : url.startsWith('http:') ? http.get : null;
    if (!get) {
      reject(new DownloadError(`Cannot download ${url}: only http and https addresses are supported.`));
      return;
    }
    const req = get(url, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirects >= maxRedirects) {
          reject(new DownloadError(`Cannot download ${url}: more than ${maxRedirects} redirects.`));
          return;
        }
        resolve(download(new URL(res.headers.location, url).href, options, redirects + 1));
        return;
      }
      if (status !== 200) {
        res.resume();
        reject(new DownloadError(`Cannot download ${url}: the server answered ${status} ${res.statusMessage ?? ''}`.trimEnd() + '.'));
        return;
      }
      const announced = res.headers['content-length'] === undefined ? null : Number(res.headers['content-length']);
      const chunks: Buffer[] = [];
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        options.onProgress?.(received, announced);
      });
      res.on('end', () => {
        if (announced !== null && received !== announced) {
          reject(new DownloadError(`The download of ${url} was cut off after ${received} of ${announced} bytes.`));
        } else {
          resolve(new Uint8Array(Buffer.concat(chunks)));
        }
      });
      res.on('aborted', () => reject(new DownloadError(`The download of ${url} was cut off after ${received} bytes.`)));
      res.on('error', (err) => reject(new DownloadError(`The download of ${url} failed after ${received} bytes: ${err.message}.`)));
    });
    req.setTimeout(idleTimeoutMs, () => req.destroy(new DownloadError(`Cannot download ${url}: no answer for ${idleTimeoutMs / 1000} s.`)));
    req.on('error', (err) =>
      reject(err instanceof DownloadError ? err : new DownloadError(`Cannot download ${url}: ${err.message} (no network, or the address is wrong).`)),
    );
  });
}
