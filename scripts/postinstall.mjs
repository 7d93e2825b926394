// `npm install`: fetch the default backbone when no models folder has it, so
// `npm start` works on a fresh machine. It never fails the install: offline,
// or when anything goes wrong, it says what to run later. Beside ../shared
// (our machines and CI) or with PANCAKE_MODELS_DIR holding the weights it
// returns at once, without compiling anything.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const ID = 'mobilenet_v2_1.0_224';
const ONNX = path.join(ID, 'onnx', `${ID}.onnx`);
const STEP_LIMIT_MS = 3 * 60_000;
const LATER = 'Run `npx pancake models fetch` when you are online (or see "Working offline" in README.md); the app also offers the download in its Train view.';

function say(line) {
  console.log(`pancake: ${line}`);
}

const quick = [process.env.PANCAKE_MODELS_DIR, path.join(root, '..', 'shared', 'models')].filter(Boolean);
if (quick.some((dir) => fs.existsSync(path.join(dir, ONNX)))) process.exit(0);

/** Runs a step with a time limit; returns its stdout, or null after saying why it failed (unless quiet). */
function step(what, command, args, inherit, quiet = false) {
  const r = spawnSync(command, args, {
    cwd: root,
    timeout: STEP_LIMIT_MS,
    killSignal: 'SIGTERM',
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', inherit ? 'inherit' : 'pipe'],
  });
  if (quiet && (r.error || r.status !== 0)) return null;
  if (r.error?.code === 'ETIMEDOUT') {
    say(`${what} took longer than ${STEP_LIMIT_MS / 60_000} minutes and was stopped. ${LATER}`);
    return null;
  }
  if (r.status !== 0) {
    // With stderr shown as it happens, the step's own sentence is already on screen.
    const reason = inherit ? null : ((r.stderr ?? '').trim().split('\n').filter(Boolean).at(-1) ?? r.error?.message ?? `exit ${r.status}`);
    say(`${what} did not work${reason ? ` (${reason.replace(/^Error: /, '')})` : ''}. ${LATER}`);
    return null;
  }
  return r.stdout;
}

// The CLI is what knows every models folder. It needs dist/, which a fresh clone does not have yet (and
// an older build may predate `pancake models`), so it is compiled only when asking it fails.
const cli = path.join(root, 'dist', 'main', 'cli', 'pancake.js');
const list = (quiet) => step('Looking for the weights', process.execPath, [cli, 'models', '--json'], false, quiet);
let listed = fs.existsSync(cli) ? list(true) : null;
if (listed === null) {
  say('compiling Pancake to look for its backbone weights…');
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (step('Compiling', process.execPath, [tsc, '-p', 'tsconfig.json'], false) === null) process.exit(0);
  listed = list(false);
  if (listed === null) process.exit(0);
}
if (JSON.parse(listed).find((m) => m.id === ID)?.status === 'ready') process.exit(0);

say('downloading the default backbone (MobileNetV2, 3.6 MB) once; later runs work offline.');
const fetched = step('Downloading the backbone', process.execPath, [cli, 'models', 'fetch', ID], true);
if (fetched !== null) process.stdout.write(fetched);
