// Fills build/models, which electron-builder copies into the installed app's
// resources (see electron-builder.yml): `pancake models fetch` converts every
// backbone from its published original (downloaded and verified, or a verified
// copy already on this machine), so an installer ships exactly the files the
// manifest pins.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'build', 'models');

fs.rmSync(out, { recursive: true, force: true });
const cli = path.join(root, 'dist/main/cli/pancake.js');
const run = spawnSync(process.execPath, [cli, 'models', 'fetch', '--dir', out], { stdio: 'inherit' });
if (run.status !== 0) process.exit(run.status ?? 1);
