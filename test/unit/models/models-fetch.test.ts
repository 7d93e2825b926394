// Getting the weights as a user without ../shared would: the real `pancake
// models fetch` in an empty HOME, from a local content-addressed mirror on
// 127.0.0.1, then import and train. Then every way a download can go wrong
// (corrupted, cut off, no network, full disk) is refused in one sentence,
// leaves no model behind, and a rerun recovers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { pancake, type CliResult } from '../../helpers/cli.js';
import { startMirror, type Mirror, type MirrorBody } from '../../helpers/mirror-server.js';
import { repoRoot, tempDir } from '../../helpers/temp.js';
import { originalFile } from '../../helpers/originals.js';
import { datasetDir, samplePhotos } from '../../helpers/datasets.js';
import { MODEL_MANIFEST } from '../../../main/models/manifest.js';
import { userModelsDir } from '../../../main/models/user-models-dir.js';

const DEFAULT = 'mobilenet_v2_1.0_224';
const v2 = MODEL_MANIFEST.find((m) => m.id === DEFAULT)!;

function goodFiles(): Map<string, MirrorBody> {
  return new Map(MODEL_MANIFEST.map((m) => [m.original.sha256, { file: originalFile(m.id) }]));
}

interface User {
  home: string;
  models: string;
  run(args: string[], mirror: string): Promise<CliResult>;
}

/** A user with an empty home: no models folder, no XDG_DATA_HOME, no checkout fallback. */
function newUser(): User {
  const home = tempDir('pancake-user-');
  return {
    home,
    models: path.join(home, '.local', 'share', 'pancake', 'models'),
    run: (args, mirror) =>
      pancake(args, {
        home: path.join(home, 'state'),
        env: { HOME: home, XDG_DATA_HOME: undefined, PANCAKE_MODELS_DIR: undefined, PANCAKE_NO_CHECKOUT_MODELS: '1', PANCAKE_MIRROR: mirror },
      }),
  };
}

interface Listed {
  id: string;
  name: string;
  status: 'ready' | 'missing' | 'damaged';
  folder: string | null;
  download: { url: string; sha256: string; bytes: number };
}

async function listed(user: User, mirror: string): Promise<Map<string, Listed>> {
  const r = await user.run(['models', '--json'], mirror);
  assert.equal(r.code, 0, r.stderr);
  return new Map((JSON.parse(r.stdout) as Listed[]).map((m) => [m.id, m]));
}

/** A refusal is one sentence on stderr, exit 1, never a stack trace. */
function assertRefused(r: CliResult, pattern: RegExp): void {
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const lines = r.stderr.trim().split('\n');
  const error = lines.at(-1)!;
  assert.match(error, /^Error: /);
  assert.match(error, pattern);
  assert.doesNotMatch(r.stderr, /^\s+at /m);
}

/** Nothing half-written: no model, no staging folder, no partial download. */
function assertNothingInstalled(models: string): void {
  const left = fs.existsSync(models) ? fs.readdirSync(models) : [];
  assert.deepEqual(left, [], `left in the models folder: ${left.join(', ')}`);
}

async function withMirror<T>(files: Map<string, MirrorBody>, fn: (m: Mirror) => Promise<T>): Promise<T> {
  const mirror = await startMirror(files);
  try {
    return await fn(mirror);
  } finally {
    await mirror.close();
  }
}

test('the user models folder follows each platform and ignores PANCAKE_HOME', () => {
  assert.equal(userModelsDir({ HOME: '/home/ada', PANCAKE_HOME: '/tmp/x' }, 'linux'), '/home/ada/.local/share/pancake/models');
  assert.equal(userModelsDir({ HOME: '/home/ada', XDG_DATA_HOME: '/data/ada' }, 'linux'), '/data/ada/pancake/models');
  // XDG asks for a relative XDG_DATA_HOME to be ignored.
  assert.equal(userModelsDir({ HOME: '/home/ada', XDG_DATA_HOME: 'rel' }, 'linux'), '/home/ada/.local/share/pancake/models');
  assert.equal(userModelsDir({ HOME: '/Users/ada' }, 'darwin'), '/Users/ada/Library/Application Support/Pancake/models');
  assert.equal(userModelsDir({ LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local' }, 'win32'), 'C:\\Users\\ada\\AppData\\Local\\Pancake\\models');
});

test('pancake models --json lists every backbone with its status, folder and pinned download', async () => {
  const user = newUser();
  const models = await listed(user, 'http://127.0.0.1:9');
  assert.deepEqual([...models.keys()], MODEL_MANIFEST.map((m) => m.id));
  for (const entry of MODEL_MANIFEST) {
    const m = models.get(entry.id)!;
    assert.deepEqual(Object.keys(m).sort(), ['download', 'folder', 'id', 'name', 'status']);
    assert.equal(m.status, 'missing');
    assert.equal(m.folder, null);
    assert.ok(m.name.length > 0);
    assert.deepEqual(m.download, { url: entry.original.url, sha256: entry.original.sha256, bytes: entry.original.bytes });
    assert.match(m.download.url, /^https:\/\/github\.com\/.+\/raw\/[0-9a-f]{40}\//);
  }
});

test('in an empty HOME, pancake models fetch installs from the mirror, then import and train work', async () => {
  const user = newUser();
  await withMirror(goodFiles(), async (mirror) => {
    const fetched = await user.run(['models', 'fetch'], mirror.url);
    assert.equal(fetched.code, 0, fetched.stderr);
    assert.match(fetched.stderr, /downloading/);
    assert.deepEqual(mirror.requests.sort(), MODEL_MANIFEST.map((m) => m.original.sha256).sort());

    const models = await listed(user, mirror.url);
    for (const entry of MODEL_MANIFEST) {
      assert.equal(models.get(entry.id)!.status, 'ready');
      assert.equal(models.get(entry.id)!.folder, user.models);
      // The verified original is kept beside what was made from it.
      const kept = fs.readFileSync(path.join(user.models, entry.id, 'tflite', entry.original.fileName));
      assert.equal(kept.length, entry.original.bytes);
    }
    assert.deepEqual(fs.readdirSync(user.models).sort(), MODEL_MANIFEST.map((m) => m.id).sort());

    // Every backbone is ready now, so a plain fetch has nothing to do.
    const again = await user.run(['models', 'fetch'], mirror.url);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /nothing to fetch/);
  });

  // That the fetched weights embed and train is the claim; a sample of hymenoptera shows it as well as all of it.
  const photos = path.join(user.home, 'photos');
  for (const [folder, count] of [['train/ants', 20], ['train/bees', 20], ['val/ants', 10], ['val/bees', 10]] as const) {
    samplePhotos(path.join(datasetDir('hymenoptera'), folder), path.join(photos, folder), count);
  }
  const project = path.join(user.home, 'first.pancake');
  const imported = await user.run(['import', project, photos], 'http://127.0.0.1:9');
  assert.equal(imported.code, 0, imported.stderr);
  const trained = await user.run(['train', project, '--json'], 'http://127.0.0.1:9');
  assert.equal(trained.code, 0, trained.stderr);
  const result = JSON.parse(trained.stdout) as { backbone: string; validation: { accuracy: number } };
  assert.equal(result.backbone, DEFAULT);
  assert.ok(result.validation.accuracy > 0.6, `accuracy ${result.validation.accuracy}`);
});

test('a corrupted file is refused, nothing is installed, and a rerun from a good mirror recovers', async () => {
  const user = newUser();
  const bad = fs.readFileSync(originalFile(DEFAULT));
  const middle = bad.length >> 1;
  bad[middle] = bad[middle]! ^ 0xff;
  await withMirror(new Map([[v2.original.sha256, bad]]), async (mirror) => {
    assertRefused(await user.run(['models', 'fetch', DEFAULT], mirror.url), /not the expected file.*not installed/);
  });
  assertNothingInstalled(user.models);
  assert.equal((await listed(user, 'http://127.0.0.1:9')).get(DEFAULT)!.status, 'missing');

  await withMirror(goodFiles(), async (mirror) => {
    const r = await user.run(['models', 'fetch', DEFAULT], mirror.url);
    assert.equal(r.code, 0, r.stderr);
  });
  assert.equal((await listed(user, 'http://127.0.0.1:9')).get(DEFAULT)!.status, 'ready');
});

test('a download cut off half way is refused and leaves nothing behind', async () => {
  const user = newUser();
  const whole = fs.readFileSync(originalFile(DEFAULT));
  await withMirror(new Map([[v2.original.sha256, { truncateAfter: whole, bytes: whole.length >> 1 }]]), async (mirror) => {
    assertRefused(await user.run(['models', 'fetch', DEFAULT], mirror.url), /cut off after 1\.8 MB of 3\.6 MB/);
  });
  assertNothingInstalled(user.models);
});

test('a file of the wrong size and a missing file are refused by name', async () => {
  const user = newUser();
  const whole = fs.readFileSync(originalFile(DEFAULT));
  await withMirror(new Map([[v2.original.sha256, whole.subarray(0, 1000)]]), async (mirror) => {
    assertRefused(await user.run(['models', 'fetch', DEFAULT], mirror.url), /not the expected one \(0\.0 MB instead of 3\.6 MB\)/);
  });
  await withMirror(new Map(), async (mirror) => {
    assertRefused(await user.run(['models', 'fetch', DEFAULT], mirror.url), /answered 404/);
  });
  assertNothingInstalled(user.models);
});

test('with no network the fetch says so in one sentence', async (t) => {
  const user = newUser();
  // Port 9 (discard) on loopback: nothing listens, so the connection is refused at once.
  assertRefused(await user.run(['models', 'fetch', DEFAULT], 'http://127.0.0.1:9'), /127\.0\.0\.1:9 cannot be reached \(ECONNREFUSED\).*network/);
  // .invalid never resolves (RFC 6761).
  assertRefused(await user.run(['models', 'fetch', DEFAULT], 'http://pancake-mirror.invalid'), /pancake-mirror\.invalid cannot be reached \(ENOTFOUND\)/);
  assertNothingInstalled(user.models);

  if (process.getuid?.() !== 0) {
    t.skip('a machine without any network (unshare -n) needs root');
    return;
  }
  // The real public address, from a network namespace with no network at all.
  const env: Record<string, string | undefined> = { ...process.env, HOME: user.home, PANCAKE_HOME: path.join(user.home, 'state'), PANCAKE_NO_CHECKOUT_MODELS: '1' };
  for (const k of ['XDG_DATA_HOME', 'PANCAKE_MODELS_DIR', 'PANCAKE_MIRROR']) delete env[k];
  const r = spawnSync('unshare', ['-n', process.execPath, path.join(repoRoot, 'dist/main/cli/pancake.js'), 'models', 'fetch', DEFAULT], { env, encoding: 'utf8' });
  assertRefused({ code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }, /github\.com cannot be reached \((EAI_AGAIN|ENOTFOUND|ENETUNREACH)\)/);
  assertNothingInstalled(user.models);
});

test('redirects are followed, as the pinned GitHub addresses redirect to their raw host', async () => {
  const user = newUser();
  const v3 = MODEL_MANIFEST.find((m) => m.id === 'mobilenet_v3_small_1.0_224')!;
  await withMirror(goodFiles(), async (mirror) => {
    // Two hops: a relative redirect, then an absolute one to the mirror.
    const hops = http.createServer((req, res) => {
      const name = (req.url ?? '/').slice(1);
      res.writeHead(302, { location: name.startsWith('hop/') ? `${mirror.url}/${name.slice(4)}` : `/hop/${name}` }).end();
    });
    await new Promise<void>((resolve) => hops.listen(0, '127.0.0.1', resolve));
    try {
      const r = await user.run(['models', 'fetch', v3.id], `http://127.0.0.1:${(hops.address() as AddressInfo).port}`);
      assert.equal(r.code, 0, r.stderr);
    } finally {
      hops.closeAllConnections();
      await new Promise((resolve) => hops.close(resolve));
    }
    assert.deepEqual(mirror.requests, [v3.original.sha256]);
  });
  assert.equal((await listed(user, 'http://127.0.0.1:9')).get(v3.id)!.status, 'ready');
});

test('a damaged install and a stale staging folder are replaced by a good one', async () => {
  const user = newUser();
  const onnx = path.join(user.models, DEFAULT, 'onnx', `${DEFAULT}.onnx`);
  fs.mkdirSync(path.dirname(onnx), { recursive: true });
  fs.writeFileSync(onnx, 'not a network');
  // A staging folder of a run that died (no such process).
  const stale = path.join(user.models, `.${DEFAULT}.staging-999999999-dead`);
  fs.mkdirSync(path.join(stale, DEFAULT), { recursive: true });
  fs.writeFileSync(path.join(stale, DEFAULT, 'half.onnx'), 'half');
  assert.equal((await listed(user, 'http://127.0.0.1:9')).get(DEFAULT)!.status, 'damaged');

  await withMirror(goodFiles(), async (mirror) => {
    const r = await user.run(['models', 'fetch'], mirror.url);
    assert.equal(r.code, 0, r.stderr);
  });
  const models = await listed(user, 'http://127.0.0.1:9');
  assert.equal(models.get(DEFAULT)!.status, 'ready');
  assert.deepEqual(fs.readdirSync(user.models).sort(), MODEL_MANIFEST.map((m) => m.id).sort());
});

test('a full disk is refused with its own sentence and leaves nothing half-written', async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('mounting a small tmpfs needs root');
    return;
  }
  const user = newUser();
  const small = tempDir('pancake-full-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', small]);
  try {
    // 4 MB holds the 3.6 MB original but not the 14 MB converted network.
    await withMirror(goodFiles(), async (mirror) => {
      assertRefused(await user.run(['models', 'fetch', DEFAULT, '--dir', small], mirror.url), /disk is full.*Free some space/);
    });
    assertNothingInstalled(small);
  } finally {
    execFileSync('umount', [small]);
  }
});
