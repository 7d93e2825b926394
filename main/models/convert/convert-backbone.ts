// TEMP stand-in converter (drop at merge: the real converter replaces this file).
// It checks the original's checksum and returns the staged conversions from
// ../shared/models so the fetch and install path can be built and tested first.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MODEL_MANIFEST } from '../manifest.js';
import { findRepoRoot } from '../../ml/backbones.js';

export interface ConvertedOutput {
  path: string;
  data: Uint8Array;
}

export function convertBackbone(id: string, tflite: Uint8Array): ConvertedOutput[] {
  const entry = MODEL_MANIFEST.find((m) => m.id === id);
  if (!entry) throw new Error(`No manifest entry for ${id}.`);
  if (crypto.createHash('sha256').update(tflite).digest('hex') !== entry.original.sha256) throw new Error('Not the original file.');
  const root = findRepoRoot();
  if (!root) throw new Error('No checkout.');
  const models = path.resolve(root, '..', 'shared', 'models');
  const out: ConvertedOutput[] = [];
  for (const sub of ['onnx', 'tfjs']) {
    const dir = path.join(models, id, sub);
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir).sort()) out.push({ path: `${id}/${sub}/${name}`, data: fs.readFileSync(path.join(dir, name)) });
  }
  return out;
}
