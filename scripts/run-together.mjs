// `npm run build`: runs the given npm scripts at the same time and fails when
// any of them fails. tsc and Vite are each mostly one thread, and they write
// apart (dist/ beside dist/renderer), so together they take the longer one's
// time instead of the sum. Portable where `a & b` in package.json is not
// (cmd.exe runs it one after the other, and sh's `wait` forgets exit codes).
import { spawn } from 'node:child_process';

const scripts = process.argv.slice(2);
if (scripts.length === 0) {
  console.error('run-together: name the npm scripts to run, e.g. `node scripts/run-together.mjs build:node build:renderer`.');
  process.exit(2);
}

const npm = process.env.npm_execpath;
const codes = await Promise.all(
  scripts.map(
    (name) =>
      new Promise((resolve) => {
        // Under npm, npm_execpath names its CLI script, run with this Node; else `npm` from PATH.
        const child = npm
          ? spawn(process.execPath, [npm, 'run', name], { stdio: 'inherit' })
          : spawn('npm', ['run', name], { stdio: 'inherit', shell: process.platform === 'win32' });
        child.on('error', (err) => {
          console.error(`run-together: ${name} could not start (${err.message}).`);
          resolve(1);
        });
        child.on('exit', (code, signal) => {
          if (code !== 0) console.error(`run-together: ${name} failed (${signal ?? `exit code ${code}`}).`);
          resolve(code ?? 1);
        });
      }),
  ),
);
process.exit(codes.some((c) => c !== 0) ? 1 : 0);
