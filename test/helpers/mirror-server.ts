// A content-addressed mirror on 127.0.0.1, as PANCAKE_MIRROR expects: each
// file is served at /<name> (a sha256, or an archive's file name). Tests use it
// to stand in for the public sources, and to serve damaged or cut-off files.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type MirrorBody = Buffer | { file: string } | { truncateAfter: Buffer; bytes: number } | { slowly: Buffer; bytesPerSecond: number };

export interface Mirror {
  /** Base URL, without a trailing slash: the value for PANCAKE_MIRROR. */
  url: string;
  /** Every path requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** Listens on 127.0.0.1, on `port` when given, else on any free port. */
export async function startMirror(files: Map<string, MirrorBody>, port = 0): Promise<Mirror> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').replace(/^\/+/, '').split('?')[0] ?? '');
    requests.push(name);
    const body = files.get(name);
    if (!body) {
      res.writeHead(404).end('not on this mirror');
      return;
    }
    if (Buffer.isBuffer(body)) {
      res.writeHead(200, { 'content-length': body.length }).end(body);
    } else if ('file' in body) {
      res.writeHead(200, { 'content-length': fs.statSync(body.file).size });
      fs.createReadStream(body.file).pipe(res);
    } else if ('slowly' in body) {
      // A slow network, so a download can be watched and cancelled part way.
      res.writeHead(200, { 'content-length': body.slowly.length });
      const chunk = Math.max(1, Math.round(body.bytesPerSecond / 10));
      let sent = 0;
      const timer = setInterval(() => {
        if (res.destroyed) return clearInterval(timer);
        res.write(body.slowly.subarray(sent, sent + chunk));
        sent += chunk;
        if (sent >= body.slowly.length) {
          clearInterval(timer);
          res.end();
        }
      }, 100);
      res.once('close', () => clearInterval(timer));
    } else {
      // Announces the whole length, sends only part of it, then drops the connection.
      res.writeHead(200, { 'content-length': body.truncateAfter.length });
      res.write(body.truncateAfter.subarray(0, body.bytes), () => res.destroy());
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
