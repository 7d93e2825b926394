// Serves a PANCAKE_MIRROR made from a shared folder, so the suite can run in a
// clone that has no ../shared beside it: each backbone's published original
// (`models/*/tflite/*.tflite`) under its sha256, and `hymenoptera_data.zip`
// built from `datasets/hymenoptera` in the public zip's layout.
//   node dist/test/tools/serve-mirror.js [--port 8765] [--shared DIR]
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { zipDataset } from '../helpers/dataset-zip.js';
import { startMirror, type Mirror, type MirrorBody } from '../helpers/mirror-server.js';
import { sharedDir } from '../helpers/temp.js';

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

let values: { port?: string; shared?: string };
try {
  ({ values } = parseArgs({ options: { port: { type: 'string' }, shared: { type: 'string' } } }));
} catch (err) {
  fail(`${(err as Error).message}. Usage: serve-mirror [--port N] [--shared DIR]`);
}
const port = Number(values.port ?? 8765);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a port number, not "${values.port}".`);
const shared = path.resolve(values.shared ?? sharedDir);
if (!fs.existsSync(shared)) fail(`There is no shared folder at ${shared}; pass --shared DIR.`);

const files = new Map<string, MirrorBody>();
const served: string[] = [];
const modelsDir = path.join(shared, 'models');
for (const id of fs.existsSync(modelsDir) ? fs.readdirSync(modelsDir).sort() : []) {
  const tflite = path.join(modelsDir, id, 'tflite');
  if (!fs.existsSync(tflite)) continue;
  for (const name of fs.readdirSync(tflite).filter((f) => f.endsWith('.tflite')).sort()) {
    const file = path.join(tflite, name);
    const sha256 = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    files.set(sha256, { file });
    served.push(`${sha256}  ${path.relative(shared, file)}`);
  }
}
const hymenoptera = path.join(shared, 'datasets', 'hymenoptera');
if (fs.existsSync(hymenoptera)) {
  const zip = Buffer.from(zipDataset(hymenoptera, { root: 'hymenoptera_data' }));
  files.set('hymenoptera_data.zip', zip);
  served.push(`hymenoptera_data.zip  (${(zip.length / 1e6).toFixed(1)} MB, from ${path.relative(shared, hymenoptera)})`);
}
if (files.size === 0) fail(`${shared} holds neither models/*/tflite/*.tflite nor datasets/hymenoptera: nothing to serve.`);

let mirror: Mirror;
try {
  mirror = await startMirror(files, port);
} catch (err) {
  fail(`Cannot listen on 127.0.0.1:${port}: ${(err as Error).message}.`);
}
for (const line of served) console.log(`serving ${line}`);
console.log(`PANCAKE_MIRROR=${mirror.url}`);
const stop = (): void => void mirror.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
