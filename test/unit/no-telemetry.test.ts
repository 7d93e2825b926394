// Nothing leaves the machine: onnxruntime-node's usage telemetry stays off in
// every Pancake process. The real CLI imports, trains and predicts, and the
// real browser host predicts and then stays up past the moment the library
// would start uploading, all in a fresh HOME and TMPDIR and with every
// variable the library takes as "running in CI" removed (it keeps quiet there
// by itself, which would hide a regression in CI). Each child runs under
// strace, and the CLI also in a network namespace of its own when we are
// root, so a regression cannot reach the network from the test either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { resolveBackbone } from '../../main/ml/backbones.js';
import { encodeCall } from '../../contract/wire.js';
import { repoRoot, tempDir } from '../helpers/temp.js';

// What onnxruntime 1.30 reads to decide that it runs in CI.
const CI_VARIABLES = [
  'CI', 'TF_BUILD', 'GITHUB_ACTIONS', 'GITLAB_CI', 'CIRCLECI', 'TRAVIS', 'JENKINS_URL', 'CODEBUILD_BUILD_ID',
  'BUILDKITE', 'TEAMCITY_VERSION', 'APPVEYOR', 'BITBUCKET_BUILD_NUMBER',
];
// The library's first upload attempt came about ten seconds after a session was created.
const STAY_UP_MS = 20_000;

const root = tempDir('pancake-telemetry-');
const home = path.join(root, 'home');
const tmp = path.join(root, 'tmp');
const state = path.join(root, 'state');
const photos = path.join(root, 'photos');
const project = path.join(root, 'colours.pancake');
for (const dir of [home, tmp, state]) fs.mkdirSync(dir);

const env: NodeJS.ProcessEnv = { ...process.env };
for (const name of [...CI_VARIABLES, 'XDG_CACHE_HOME', 'ORT_DISABLE_TELEMETRY']) delete env[name];
Object.assign(env, { HOME: home, TMPDIR: tmp, PANCAKE_HOME: state, PANCAKE_MODELS_DIR: resolveBackbone().modelsDir, PANCAKE_NO_OPEN: '1' });

const isRoot = process.getuid?.() === 0;
const traces: string[] = [];

function traced(args: string[], opts: { isolate: boolean }): string[] {
  const trace = path.join(root, `trace-${traces.length}`);
  traces.push(trace);
  const strace = ['strace', '-f', '-qq', '-e', 'trace=execve,connect,sendto,sendmsg', '-o', trace, process.execPath, ...args];
  return opts.isolate && isRoot ? ['unshare', '-n', ...strace] : strace;
}

function cli(...args: string[]): { code: number | null; stderr: string } {
  const [cmd, ...rest] = traced([path.join(repoRoot, 'dist/main/cli/pancake.js'), ...args], { isolate: true });
  const r = spawnSync(cmd!, rest, { env, encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr };
}

async function colourPhotos(): Promise<void> {
  const colours = { red: [200, 40, 40], blue: [40, 40, 200] };
  for (const [name, [r, g, b]] of Object.entries(colours)) {
    fs.mkdirSync(path.join(photos, name), { recursive: true });
    for (let i = 0; i < 6; i++) {
      const background = { r: r! + i * 8, g: g! + i * 5, b: b! - i * 4 };
      await sharp({ create: { width: 64, height: 64, channels: 3, background } }).jpeg().toFile(path.join(photos, name, `${i}.jpg`));
    }
  }
}

/** Starts the real browser host on the project, predicts one photo through HTTP, and keeps it up a while. */
async function hostPredictsAndStaysUp(): Promise<void> {
  const [cmd, ...rest] = traced([path.join(repoRoot, 'dist/main/host/serve.js'), '--project', project], { isolate: false });
  const trace = traces.at(-1)!;
  const child = spawn(cmd!, rest, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  try {
    const url = await new Promise<URL>((resolve, reject) => {
      child.stdout.on('data', () => {
        const m = /running at (\S+)/.exec(out);
        if (m) resolve(new URL(m[1]!));
      });
      void exited.then(() => reject(new Error(`the browser host exited:\n${out}`)));
    });
    const token = new URLSearchParams(url.hash.slice(1)).get('token')!;
    const bytes = fs.readFileSync(path.join(photos, 'red', '0.jpg'));
    const res = await fetch(new URL('/api/predictFiles', url), {
      method: 'POST',
      headers: { 'x-pancake-token': token },
      body: encodeCall({ files: [{ name: '0.jpg', bytes: new Uint8Array(bytes) }] }),
    });
    const answer = (await res.json()) as { ok: boolean };
    assert.equal(answer.ok, true, JSON.stringify(answer));
    await new Promise((resolve) => setTimeout(resolve, STAY_UP_MS));
  } finally {
    // Stopped as a user stops it; strace ends with it. strace pads short pids, so the gap is any run of spaces.
    const hostPid = /^(\d+)\s+execve/.exec(fs.readFileSync(trace, 'utf8'))?.[1];
    if (hostPid) process.kill(Number(hostPid), 'SIGTERM');
    else child.kill('SIGTERM');
    await exited;
  }
}

/** Every path under dir, relative to it. */
function listAll(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

function networkAttempts(trace: string): string[] {
  return fs
    .readFileSync(trace, 'utf8')
    .split('\n')
    .filter((line) => /sa_family=AF_INET6?\b/.test(line))
    .filter((line) => /htons\(53\)/.test(line) || !/inet_addr\("127\.|inet_pton\(AF_INET6, "::1"/.test(line));
}

function tracedPids(): Set<string> {
  const pids = new Set<string>();
  for (const trace of traces) {
    for (const line of fs.readFileSync(trace, 'utf8').split('\n')) {
      const pid = /^(\d+) /.exec(line)?.[1];
      if (pid) pids.add(pid);
    }
  }
  return pids;
}

test('the CLI (import, train, predict) and the browser host leave no usage data behind and reach for no network', async () => {
  const started = Date.now();
  assert.equal(spawnSync('strace', ['-V']).status, 0, 'strace is needed for this test (apt-get install strace)');
  await colourPhotos();

  const imported = cli('import', project, photos);
  assert.equal(imported.code, 0, imported.stderr);
  const trained = cli('train', project);
  assert.equal(trained.code, 0, trained.stderr);
  const predicted = cli('predict', project, path.join(photos, 'blue'));
  assert.equal(predicted.code, 0, predicted.stderr);
  await hostPredictsAndStaysUp();

  for (const trace of traces) assert.deepEqual(networkAttempts(trace), [], `no connection out of the machine (${trace})`);
  assert.deepEqual(listAll(tmp), [], 'nothing is left in the temp folder');
  const inHome = listAll(home).filter((p) => /microsoft|onnxruntime/i.test(p));
  assert.deepEqual(inHome, [], 'no usage data in the home folder');
  const pids = tracedPids();
  assert.ok(pids.size > 0, 'strace recorded the processes');
  // Pids come round again: a file an older process of the same pid left before this test began is not ours.
  const elsewhere = fs
    .readdirSync(os.tmpdir())
    .filter((name) => [...pids].some((pid) => name.includes(`-${pid}.`)))
    .filter((name) => fs.statSync(path.join(os.tmpdir(), name)).mtimeMs >= started);
  assert.deepEqual(elsewhere, [], 'no debug log in the system temp folder');
});
