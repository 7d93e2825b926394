// Exports one model version as a folder that runs elsewhere: the whole model
// (backbone + head + softmax) and the files that travel with it.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ProjectStore } from '../../db/project-store.js';
import { resolveBackbone, type ModelsLocation } from '../ml/backbones.js';
import { activeVersion, getVersion, loadHeadBytes, type ModelVersion } from '../ml/versions.js';
import { decodeHead } from '../ml/head-codec.js';
import { readVersion } from '../core/version.js';
import { packageFiles, type ModelFormat } from './package-files.js';
import { workerOutcome } from '../workers/worker-outcome.js';
import { ExportError, writeFilesAtomically } from './write-files.js';
import type { ModelExportJob, ModelExportReply } from './model-export-worker.js';

export interface ModelExportResult {
  dir: string;
  versionId: number;
  files: { name: string; bytes: number }[];
}

function chooseVersion(store: ProjectStore, versionId: number | undefined): ModelVersion {
  if (versionId !== undefined) return getVersion(store, versionId);
  const active = activeVersion(store);
  if (!active) throw new ExportError('There is no model to export yet. Train one first.');
  return active;
}

function backbonePath(format: ModelFormat, version: ModelVersion, loc: ModelsLocation): string {
  const resolved = resolveBackbone(version.backbone, loc);
  if (format === 'onnx') return resolved.file;
  const dir = path.join(resolved.modelsDir, version.backbone, 'tfjs');
  if (!fs.existsSync(path.join(dir, 'model.json'))) {
    throw new ExportError(
      `TF.js export needs the TF.js copy of the ${resolved.spec.label} backbone, which is not in ${resolved.modelsDir}. ` +
        'Export as ONNX instead, or train with MobileNetV2.',
    );
  }
  return dir;
}

function runWorker(job: ModelExportJob, signal?: AbortSignal): Promise<Map<string, Uint8Array>> {
  const worker = new Worker(new URL('./model-export-worker.js', import.meta.url), { workerData: job });
  return workerOutcome<Map<string, Uint8Array>, ModelExportReply>(worker, {
    signal,
    onMessage: (reply, settle) =>
      reply.ok ? settle.resolve(new Map(reply.files)) : settle.reject(new ExportError(`The model could not be exported: ${reply.message}`)),
    cancelled: () => new ExportError('The export was cancelled; nothing was written.'),
    failed: ({ error, exitCode }) => error ?? new ExportError(`The model export stopped unexpectedly (exit code ${exitCode}).`),
    // The builder is plain JavaScript (no onnxruntime, no sharp), so stopping it mid-way is safe.
    onSettled: () => void worker.terminate(),
  });
}

export async function exportModelVersion(
  store: ProjectStore,
  opts: { format: ModelFormat; dir: string; versionId?: number; overwrite?: boolean; location?: ModelsLocation; signal?: AbortSignal },
): Promise<ModelExportResult> {
  const version = chooseVersion(store, opts.versionId);
  const headBytes = loadHeadBytes(store, version.id);
  const head = decodeHead(headBytes);
  const { spec } = resolveBackbone(version.backbone, opts.location ?? {});
  const meta = {
    versionId: version.id,
    versionName: version.name,
    backbone: version.backbone,
    createdAt: version.createdAt,
    appVersion: readVersion(),
    preprocessing: { imageSize: spec.inputSize, ...spec.scale },
    tta: version.settings.tta,
  };
  const files = await runWorker(
    { format: opts.format, backbonePath: backbonePath(opts.format, version, opts.location ?? {}), head: headBytes, meta },
    opts.signal,
  );
  for (const [name, data] of packageFiles(opts.format, head, meta, version.metrics.validation)) files.set(name, data);
  const dir = path.resolve(opts.dir);
  await writeFilesAtomically(dir, files, { overwrite: opts.overwrite ?? false });
  return { dir, versionId: version.id, files: [...files].map(([name, data]) => ({ name, bytes: data.byteLength })) };
}
