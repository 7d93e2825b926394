// Fills build/models, which electron-builder copies into the installed app's
// resources (see electron-builder.yml). A models folder that already holds
// every backbone (PANCAKE_MODELS_DIR, else ../shared/models beside the
// checkout) is copied as it is; otherwise `pancake models fetch` downloads,
// verifies and converts the published originals into it.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'build', 'models');
const { BACKBONES, DEFAULT_BACKBONE } = await import(path.join(root, 'dist/main/ml/backbones.js'));

const sha256 = (file) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
// Every backbone's ONNX, intact, and the default's TF.js copy, which TF.js export needs.
const ready = (dir) =>
  fs.existsSync(path.join(dir, DEFAULT_BACKBONE, 'tfjs', 'model.json')) &&
  BACKBONES.every((b) => {
    const file = path.join(dir, b.onnxFile);
    return fs.existsSync(file) && sha256(file) === b.sha256;
  });

const source = [process.env.PANCAKE_MODELS_DIR, path.join(root, '..', 'shared', 'models')].find((dir) => dir && ready(dir));

fs.rmSync(out, { recursive: true, force: true });
if (source) {
  // Only what the app runs (ONNX) and exports (TF.js): the .tflite originals stay out.
  for (const { id } of BACKBONES) {
    for (const format of ['onnx', 'tfjs']) {
      const from = path.join(source, id, format);
      if (fs.existsSync(from)) fs.cpSync(from, path.join(out, id, format), { recursive: true });
    }
  }
  console.log(`Copied the backbones from ${source} into ${out}.`);
} else {
  const cli = path.join(root, 'dist/main/cli/pancake.js');
  const run = spawnSync(process.execPath, [cli, 'models', 'fetch', '--dir', out], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
