// `npm start`: fetches the default backbone where no models folder has it,
// then opens the Electron app where its binary is installed, else runs the
// browser host. Electron's binary is looked up on disk, never required,
// because requiring the package downloads it where it is missing.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { serve } from './host/serve.js';
import { ensureDefaultBackbone } from './models/ensure-default.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function electronBinary(): string | null {
  const pkg = path.join(root, 'node_modules', 'electron');
  try {
    const rel = fs.readFileSync(path.join(pkg, 'path.txt'), 'utf8').trim();
    const bin = path.join(pkg, 'dist', rel);
    return fs.existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

await ensureDefaultBackbone();
const bin = process.env.PANCAKE_BROWSER ? null : electronBinary();
if (bin) {
  const child = spawn(bin, [path.join(root, 'dist/main/electron/main.js')], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log('Electron is not installed on this machine, so Pancake runs in your browser instead.');
  await serve(process.argv.slice(2));
}
