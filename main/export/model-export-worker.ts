// Builds an exported model off the main thread: TF.js assembly takes a
// second or two of solid CPU, which would stall every API call meanwhile.
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { decodeHead } from '../ml/head-codec.js';
import { buildWholeOnnx } from './onnx-export.js';
import { buildWholeTfjs } from './tfjs-export.js';
import type { ExportMeta } from './export-meta.js';

export interface ModelExportJob {
  format: 'onnx' | 'tfjs';
  /** The backbone's ONNX file (onnx) or its TF.js folder (tfjs). */
  backbonePath: string;
  head: Uint8Array;
  meta: ExportMeta;
}

export type ModelExportReply = { ok: true; files: [string, Uint8Array][] } | { ok: false; message: string };

// Silences tfjs's "install tfjs-node" banner, which a user exporting cannot act on.
tf.env().set('PROD', true);

async function build(job: ModelExportJob): Promise<[string, Uint8Array][]> {
  const head = decodeHead(job.head);
  if (job.format === 'onnx') {
    return [['model.onnx', buildWholeOnnx(await fs.promises.readFile(job.backbonePath), head, job.meta)]];
  }
  const { files } = await buildWholeTfjs(job.backbonePath, head, job.meta);
  return [...files];
}

build(workerData as ModelExportJob).then(
  (files) => parentPort!.postMessage({ ok: true, files } satisfies ModelExportReply),
  (err: unknown) => parentPort!.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) } satisfies ModelExportReply),
);
