// Installs a backbone into a models folder: download the published original,
// verify it, convert it off the main thread, check what the converter wrote
// against the manifest, and move the finished folder into place with one
// rename. Work happens in a staging folder inside the models folder (same
// disk, so the rename is atomic); a crashed or failed run leaves only a
// staging folder, which the next run removes.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { getBackbone, modelsDirCandidates } from '../ml/backbones.js';
import { MODEL_MANIFEST, type ManifestEntry } from './manifest.js';
import { download, sourceUrl } from './download.js';
import { ModelFetchError, diskFullError, errorCode, megabytes } from './fetch-errors.js';
import { userModelsDir } from './user-models-dir.js';
import type { ConvertJob, ConvertReply } from './convert-worker.js';
import { workerOutcome } from '../workers/worker-outcome.js';
import type { ConvertedOutput } from './convert/convert-backbone.js';

export type InstallPhase = 'downloading' | 'converting' | 'installing';

export interface InstallProgress {
  phase: InstallPhase;
  /** Bytes downloaded while downloading; 0 otherwise. */
  done: number;
  total: number | null;
  etaSeconds: number | null;
}

export interface InstallOptions {
  /** Where to install; the user's models folder by default. */
  modelsDir?: string;
  onProgress?: (p: InstallProgress) => void;
  signal?: AbortSignal;
}

export interface InstallResult {
  id: string;
  modelsDir: string;
  /** The installed `<modelsDir>/<id>` folder. */
  dir: string;
  /** False when a verified original already on this machine was reused. */
  downloaded: boolean;
}

export function manifestEntry(id: string): ManifestEntry {
  getBackbone(id);
  const entry = MODEL_MANIFEST.find((m) => m.id === id);
  if (!entry) throw new ModelFetchError('converter', `Pancake does not know where to download ${id} from.`);
  return entry;
}

const sha256 = (data: Uint8Array) => crypto.createHash('sha256').update(data).digest('hex');

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errorCode(err) === 'EPERM';
  }
}

/**
 * Removes what an earlier run left behind: staging folders of runs no longer alive, and an old copy
 * moved aside during a swap that never finished (put back when the new one never arrived).
 */
function cleanStale(modelsDir: string, id: string): void {
  const prefix = `.${id}.`;
  for (const name of fs.readdirSync(modelsDir)) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(staging|old)-(\d+)-/.exec(name.slice(prefix.length));
    if (!m || pidAlive(Number(m[2]))) continue;
    const full = path.join(modelsDir, name);
    const target = path.join(modelsDir, id);
    if (m[1] === 'old' && !fs.existsSync(target)) fs.renameSync(full, target);
    else fs.rmSync(full, { recursive: true, force: true });
  }
}

function convertInWorker(id: string, tflite: Uint8Array, signal: AbortSignal | undefined): Promise<ConvertedOutput[]> {
  const job: ConvertJob = { id, tflite };
  const worker = new Worker(new URL('./convert-worker.js', import.meta.url), { workerData: job });
  return workerOutcome<ConvertedOutput[], ConvertReply>(worker, {
    signal,
    onMessage: (reply, settle) =>
      reply.ok
        ? settle.resolve(reply.outputs)
        : settle.reject(new ModelFetchError('converter', `Pancake could not convert ${id}: ${reply.message}. Please report this as a bug.`)),
    // The converter is plain JavaScript with no native code, so stopping its worker mid-way is safe.
    onCancel: () => void worker.terminate(),
    failed: ({ error }) =>
      new ModelFetchError('converter', error ? `Pancake could not convert ${id}: ${error.message}. Please report this as a bug.` : `The conversion of ${id} stopped unexpectedly.`),
  });
}

/** Every output must be a file the manifest lists, byte for byte: the converter is deterministic. */
function checkOutputs(entry: ManifestEntry, outputs: ConvertedOutput[]): void {
  const wrong = (detail: string) =>
    new ModelFetchError('converter', `The conversion of ${entry.id} did not give the expected files (${detail}), so nothing was installed. Please report this as a bug.`);
  const expected = new Map(entry.converted.map((c) => [c.path, c]));
  for (const o of outputs) {
    const want = expected.get(o.path);
    if (!want) throw wrong(`unexpected ${o.path}`);
    if (o.data.byteLength !== want.bytes || sha256(o.data) !== want.sha256) throw wrong(`${o.path} differs`);
    expected.delete(o.path);
  }
  if (expected.size > 0) throw wrong(`missing ${[...expected.keys()].join(', ')}`);
}

/** Puts `staged` at `target`, moving any earlier copy aside first and back again if the move fails. */
function swapIntoPlace(modelsDir: string, id: string, staged: string): void {
  const target = path.join(modelsDir, id);
  if (!fs.existsSync(target)) {
    fs.renameSync(staged, target);
    return;
  }
  const old = path.join(modelsDir, `.${id}.old-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  fs.renameSync(target, old);
  try {
    fs.renameSync(staged, target);
  } catch (err) {
    fs.renameSync(old, target);
    throw err;
  }
  fs.rmSync(old, { recursive: true, force: true });
}

function readIfVerified(file: string, bytes: number, sum: string): Buffer | null {
  try {
    if (fs.statSync(file).size !== bytes) return null;
    const data = fs.readFileSync(file);
    return sha256(data) === sum ? data : null;
  } catch {
    return null;
  }
}

function localOriginal(dirs: string[], rel: string, bytes: number, sum: string): Buffer | null {
  for (const dir of dirs) {
    const data = readIfVerified(path.join(dir, rel), bytes, sum);
    if (data) return data;
  }
  return null;
}

export async function installBackbone(id: string, opts: InstallOptions = {}): Promise<InstallResult> {
  const entry = manifestEntry(id);
  const spec = getBackbone(id);
  const { original } = entry;
  const name = spec.label.replace(/\s*\(.*\)$/, '');
  const modelsDir = path.resolve(opts.modelsDir ?? userModelsDir());
  const progress = (p: InstallProgress) => opts.onProgress?.(p);
  try {
    fs.mkdirSync(modelsDir, { recursive: true });
  } catch (err) {
    if (errorCode(err) === 'ENOSPC') throw diskFullError(path.dirname(modelsDir), 'the models folder');
    throw new ModelFetchError('folder', `The models folder ${modelsDir} cannot be created: ${err instanceof Error ? err.message : String(err)}.`);
  }
  cleanStale(modelsDir, id);
  const staging = path.join(modelsDir, `.${id}.staging-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  const staged = path.join(staging, id);
  const originalRel = path.join(id, 'tflite', original.fileName);
  try {
    fs.mkdirSync(path.join(staging, id, 'tflite'), { recursive: true });
    // The original is content-addressed: a verified copy already in this folder (beside damaged
    // conversions, say) or in any folder Pancake reads weights from is the very file a download would give.
    let tflite = localOriginal([modelsDir, ...modelsDirCandidates()], originalRel, original.bytes, original.sha256);
    const downloaded = tflite === null;
    if (tflite) {
      fs.writeFileSync(path.join(staging, originalRel), tflite);
    } else {
      const started = Date.now();
      await download({
        url: sourceUrl(original),
        dest: path.join(staging, originalRel),
        bytes: original.bytes,
        sha256: original.sha256,
        what: `the ${name} weights (${megabytes(original.bytes)})`,
        ...(opts.signal ? { signal: opts.signal } : {}),
        onProgress: (done, total) => {
          const seconds = (Date.now() - started) / 1000;
          const etaSeconds = done > 0 && seconds > 0.5 ? ((total - done) * seconds) / done : null;
          progress({ phase: 'downloading', done, total, etaSeconds });
        },
      });
      tflite = fs.readFileSync(path.join(staging, originalRel));
    }
    progress({ phase: 'converting', done: 0, total: null, etaSeconds: null });
    const outputs = await convertInWorker(id, tflite, opts.signal);
    checkOutputs(entry, outputs);
    progress({ phase: 'installing', done: 0, total: null, etaSeconds: null });
    for (const o of outputs) {
      const rel = path.normalize(o.path);
      if (!rel.startsWith(id + path.sep)) throw new ModelFetchError('converter', `The conversion of ${id} wrote outside its folder (${o.path}).`);
      const file = path.join(staging, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, o.data);
    }
    opts.signal?.throwIfAborted();
    swapIntoPlace(modelsDir, id, staged);
    return { id, modelsDir, dir: path.join(modelsDir, id), downloaded };
  } catch (err) {
    if (errorCode(err) === 'ENOSPC') throw diskFullError(modelsDir, `the ${name} weights`);
    throw err;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
