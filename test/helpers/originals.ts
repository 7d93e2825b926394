// The published .tflite originals on this machine: in ../shared/models where it
// exists, else in the models folder `test/prepare.ts` had `pancake models fetch`
// fill. Every folder Pancake reads weights from keeps them at <id>/tflite/.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { modelsDirCandidates } from '../../main/ml/backbones.js';
import { MODEL_MANIFEST, type ManifestEntry } from '../../main/models/manifest.js';

export function manifestEntry(id: string): ManifestEntry {
  const entry = MODEL_MANIFEST.find((m) => m.id === id);
  if (!entry) throw new Error(`No manifest entry for ${id}.`);
  return entry;
}

/** The path of the verified original of backbone `id`; throws when no models folder has it. */
export function originalFile(id: string): string {
  const { original } = manifestEntry(id);
  const searched = modelsDirCandidates();
  for (const dir of searched) {
    const file = path.join(dir, id, 'tflite', original.fileName);
    if (!fs.existsSync(file)) continue;
    const sum = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    if (sum === original.sha256) return file;
  }
  throw new Error(`No verified ${original.fileName} in ${searched.join(', ')}: run \`node dist/test/prepare.js\` first.`);
}
