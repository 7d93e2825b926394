// Downloads one published file to disk, verified: redirects followed (the
// pinned GitHub URLs redirect to their raw host), size and sha256 checked
// while streaming, and written to a temp file beside the target that is
// renamed into place only once it is known good, so a failure leaves nothing.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { ModelFetchError, diskFullError, errorCode, isNoNetwork, megabytes } from './fetch-errors.js';

export interface DownloadRequest {
  url: string;
  /** Where the verified file ends up. */
  dest: string;
  bytes: number;
  sha256: string;
  /** Names the file in messages, e.g. "the MobileNetV2 weights". */
  what: string;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Until the server starts answering. */
  connectTimeoutMs?: number;
  /** Longest silence once the answer has started. */
  idleTimeoutMs?: number;
}

const MAX_REDIRECTS = 8;

/** With PANCAKE_MIRROR set, files come from a content-addressed mirror instead of their public source. */
export function sourceUrl(file: { url: string; sha256: string }, env: NodeJS.ProcessEnv = process.env): string {
  const mirror = env.PANCAKE_MIRROR?.trim();
  return mirror ? `${mirror.replace(/\/+$/, '')}/${file.sha256}` : file.url;
}

/** A bad file from a mirror is the mirror's fault; from the public source, a later try may get a good copy. */
function retryHint(): string {
  return process.env.PANCAKE_MIRROR?.trim() ? ` Check the mirror PANCAKE_MIRROR points to (${process.env.PANCAKE_MIRROR.trim()}).` : ' Try again later.';
}

class Timeout extends Error {
  constructor(readonly phase: 'connect' | 'idle') {
    super(phase);
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The download was cancelled.', 'AbortError');
}

function noNetwork(url: string, what: string, detail: string): ModelFetchError {
  const host = new URL(url).host;
  return new ModelFetchError(
    'network',
    `Could not download ${what}: ${host} cannot be reached (${detail}). Check the network connection (or set PANCAKE_MIRROR to a mirror you can reach) and try again.`,
  );
}

/** Opens the response at the end of any redirects; rejects with a ModelFetchError for HTTP errors and no network. */
function open(req: DownloadRequest, url: string, redirects: number): Promise<http.IncomingMessage> {
  const connectMs = req.connectTimeoutMs ?? 30_000;
  const idleMs = req.idleTimeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      reject(new ModelFetchError('http', `Could not download ${req.what}: ${url} is not a valid address.`));
      return;
    }
    const client = parsed.protocol === 'https:' ? https : parsed.protocol === 'http:' ? http : null;
    if (!client) {
      reject(new ModelFetchError('http', `Could not download ${req.what}: ${url} is neither an http nor an https address.`));
      return;
    }
    const r = client.get(parsed, { signal: req.signal, headers: { 'user-agent': 'pancake', accept: '*/*' } });
    const connectTimer = setTimeout(() => r.destroy(new Timeout('connect')), connectMs);
    r.setTimeout(idleMs, () => r.destroy(new Timeout('idle')));
    r.once('error', (err) => {
      clearTimeout(connectTimer);
      if (req.signal?.aborted) reject(abortReason(req.signal));
      else if (err instanceof Timeout) reject(noNetwork(url, req.what, `no answer within ${Math.round((err.phase === 'connect' ? connectMs : idleMs) / 1000)} s`));
      else if (isNoNetwork(err)) reject(noNetwork(url, req.what, errorCode(err) ?? err.message));
      else reject(new ModelFetchError('network', `Could not download ${req.what} from ${parsed.host}: ${err.message}. Try again.`));
    });
    r.once('response', (res) => {
      clearTimeout(connectTimer);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && location) {
        res.resume();
        if (redirects >= MAX_REDIRECTS) {
          reject(new ModelFetchError('http', `Could not download ${req.what}: ${parsed.host} redirected too many times.`));
          return;
        }
        open(req, new URL(location, parsed).toString(), redirects + 1).then(resolve, reject);
        return;
      }
      if (status !== 200) {
        res.resume();
        reject(
          new ModelFetchError(
            'http',
            `Could not download ${req.what}: ${parsed.host} answered ${status} ${res.statusMessage ?? ''}`.trimEnd() + ` for ${url}.`,
          ),
        );
        return;
      }
      resolve(res);
    });
  });
}

/** Downloads and verifies `req.url` into `req.dest`; on any failure nothing is left at either path. */
export async function download(req: DownloadRequest): Promise<void> {
  req.signal?.throwIfAborted();
  const dir = path.dirname(req.dest);
  const part = path.join(dir, `.${path.basename(req.dest)}.${process.pid}.part`);
  const res = await open(req, req.url, 0);
  const announced = Number(res.headers['content-length']);
  if (Number.isFinite(announced) && announced !== req.bytes) {
    res.destroy();
    throw new ModelFetchError(
      'size',
      `The file offered for ${req.what} is not the expected one (${megabytes(announced)} instead of ${megabytes(req.bytes)}), so it was not used.${retryHint()}`,
    );
  }
  const hash = crypto.createHash('sha256');
  let done = 0;
  let file: fs.promises.FileHandle | null = null;
  try {
    fs.mkdirSync(dir, { recursive: true });
    file = await fs.promises.open(part, 'w');
    const reading = (res as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await reading.next();
      } catch (err) {
        if (req.signal?.aborted) throw err;
        // The connection broke or went silent mid-file: the length check below reports the cut-off download.
        break;
      }
      if (next.done) break;
      const chunk = next.value;
      done += chunk.length;
      if (done > req.bytes) {
        throw new ModelFetchError('size', `The file offered for ${req.what} is larger than expected, so it was not used.${retryHint()}`);
      }
      hash.update(chunk);
      await file.write(chunk);
      req.onProgress?.(done, req.bytes);
    }
    await file.close();
    file = null;
    if (done < req.bytes) {
      throw new ModelFetchError(
        'truncated',
        `The download of ${req.what} was cut off after ${megabytes(done)} of ${megabytes(req.bytes)}, so nothing was installed. Try again.`,
      );
    }
    const digest = hash.digest('hex');
    if (digest !== req.sha256) {
      throw new ModelFetchError(
        'checksum',
        `What was downloaded as ${req.what} is not the expected file (sha256 ${digest.slice(0, 12)}… instead of ${req.sha256.slice(0, 12)}…), so it was not installed.${retryHint()}`,
      );
    }
    fs.renameSync(part, req.dest);
  } catch (err) {
    res.destroy();
    await file?.close().catch(() => undefined);
    fs.rmSync(part, { force: true });
    if (req.signal?.aborted) throw abortReason(req.signal);
    if (errorCode(err) === 'ENOSPC') throw diskFullError(dir, `${req.what} (${megabytes(req.bytes)})`);
    throw err;
  }
}
