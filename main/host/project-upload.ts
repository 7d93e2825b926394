// A project file sent from the browser, where the page cannot know (or
// name) a path on this machine: it is streamed into the user's Pancake
// folder under a name no other file has, then opened. Nothing already in
// that folder is ever replaced.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type http from 'node:http';
import type { PancakeCore } from '../core/core.js';
import { PROJECT_EXTENSION } from '../../db/open.js';
import { safeFileName } from '../export/safe-names.js';
import type { WireResult } from '../../contract/wire.js';

/** Projects hold every image's copy and every model; a large one is a few GB. */
export const MAX_PROJECT_UPLOAD = 32 * 1024 ** 3;

class TooLarge extends Error {}

function baseName(requested: string | null): string {
  const name = path.basename((requested ?? '').replace(/\\/g, '/'));
  const stem = name.toLowerCase().endsWith(PROJECT_EXTENSION) ? name.slice(0, -PROJECT_EXTENSION.length) : name;
  return safeFileName(stem.trim() === '' ? 'Uploaded project' : stem);
}

/** Links the finished file in: a link fails where the name exists, so a file that appeared meanwhile is kept. */
function placeUnderFreeName(tmp: string, dir: string, stem: string): string {
  for (let n = 1; ; n++) {
    const file = path.join(dir, `${n === 1 ? stem : `${stem} (${n})`}${PROJECT_EXTENSION}`);
    try {
      fs.linkSync(tmp, file);
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

function refusal(message: string): WireResult {
  return { ok: false, error: { name: 'ValidationError', message } };
}

export async function receiveProjectUpload(core: PancakeCore, req: http.IncomingMessage, requestedName: string | null): Promise<WireResult> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  const tooLarge = `That file is larger than ${MAX_PROJECT_UPLOAD / 1024 ** 3} GB, more than a Pancake project can be.`;
  if (declared > MAX_PROJECT_UPLOAD) {
    req.resume();
    return refusal(tooLarge);
  }
  const dir = core.appState.defaultProjectDir();
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.upload-${crypto.randomBytes(6).toString('hex')}.part`);
  let size = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      done(size > MAX_PROJECT_UPLOAD ? new TooLarge() : null, chunk);
    },
  });
  try {
    await pipeline(req, limit, fs.createWriteStream(tmp, { flags: 'wx' }));
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    if (err instanceof TooLarge) return refusal(tooLarge);
    return refusal('The upload stopped before the whole file arrived. Try again.');
  }
  if (size === 0) {
    fs.rmSync(tmp, { force: true });
    return refusal('That file is empty, so it is not a Pancake project.');
  }
  let file: string;
  try {
    file = placeUnderFreeName(tmp, dir, baseName(requestedName));
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  const opened = await core.call('projectOpen', { path: file });
  // A file that is not a project would only clutter the Pancake folder.
  if (!opened.ok) for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  return opened;
}
