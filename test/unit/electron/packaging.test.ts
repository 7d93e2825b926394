// The installed app, as electron-builder lays it out: the Linux `dir` target
// built around a stand-in Electron folder (Electron's own binary cannot be
// downloaded here, and nothing of Electron's is inspected), with the native
// modules as installed (never rebuilt here: that would target Node's ABI).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as asar from '@electron/asar';
import { MODEL_MANIFEST } from '../../../main/models/manifest.js';
import { repoRoot, tempDir } from '../../helpers/temp.js';

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const res = spawnSync(command, args, { cwd: repoRoot, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(res.status, 0, `${path.basename(command)} ${args.join(' ')} failed:\n${res.stdout}\n${res.stderr}`);
  return res.stdout;
}

function totalBytes(dir: string): number {
  let sum = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) sum += totalBytes(full);
    else sum += fs.lstatSync(full).size;
  }
  return sum;
}

// @electron/fuses finds the wire after this marker: a version byte (1), its
// length, then one byte per fuse, '0' off and '1' on, in FuseV1Options order.
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const FUSES = [
  'runAsNode',
  'enableCookieEncryption',
  'enableNodeOptionsEnvironmentVariable',
  'enableNodeCliInspectArguments',
  'enableEmbeddedAsarIntegrityValidation',
  'onlyLoadAppFromAsar',
  'loadBrowserProcessSpecificV8Snapshot',
  'grantFileProtocolExtraPrivileges',
] as const;
const ELECTRON_DEFAULT_FUSES = '11110001';

function fusesOf(executable: string): Record<(typeof FUSES)[number], boolean> {
  const bytes = fs.readFileSync(executable);
  const at = bytes.indexOf(FUSE_SENTINEL) + FUSE_SENTINEL.length;
  assert.ok(at >= FUSE_SENTINEL.length, `${executable} has a fuse wire`);
  return Object.fromEntries(FUSES.map((name, i) => [name, bytes[at + 2 + i] === '1'.charCodeAt(0)])) as Record<(typeof FUSES)[number], boolean>;
}

/** Builds the dir target once; every test below reads the same output. */
function buildDirTarget(): string {
  // The originals come from wherever this machine already has them verified
  // (../shared, the user models folder), or from their source.
  run(process.execPath, [path.join(repoRoot, 'scripts/package-models.mjs')]);

  const work = tempDir('pancake-packaging-');
  // All electron-builder's linux dir target takes from an Electron build is
  // its `electron` executable, which it renames to the app's name, and the
  // fuse wire in it, which it flips (set as in Electron's own builds).
  const electronDist = path.join(work, 'electron');
  fs.mkdirSync(electronDist);
  fs.writeFileSync(path.join(electronDist, 'electron'), `#!/bin/sh\nexit 0\n${FUSE_SENTINEL}\x01\x08${ELECTRON_DEFAULT_FUSES}`, { mode: 0o755 });

  const env: NodeJS.ProcessEnv = { ...process.env };
  // A worktree that shares another checkout's node_modules through a symlink
  // makes `npm list` (electron-builder's view of the dependencies) lose every
  // nested dependency; the lockfile describes the same tree.
  if (fs.lstatSync(path.join(repoRoot, 'node_modules')).isSymbolicLink()) env.npm_config_package_lock_only = 'true';
  const out = path.join(work, 'out');
  run(
    path.join(repoRoot, 'node_modules/.bin/electron-builder'),
    ['--dir', '--linux', `-c.electronDist=${electronDist}`, '-c.npmRebuild=false', `-c.directories.output=${out}`],
    env,
  );
  return path.join(out, 'linux-unpacked');
}

test('the packaged app carries its code, runtime dependencies, native parts and weights', { skip: process.platform !== 'linux' }, async (t) => {
  const appDir = buildDirTarget();
  const resources = path.join(appDir, 'resources');
  const archive = path.join(resources, 'app.asar');
  const unpacked = path.join(resources, 'app.asar.unpacked');
  const entries = new Set(asar.listPackage(archive, { isPack: false }).map((p) => p.slice(1).split(path.sep).join('/')));
  const has = (p: string) => entries.has(p);

  await t.test('app code and its licence', () => {
    for (const p of ['dist/renderer/index.html', 'dist/main/electron/main.js', 'dist/main/cli/pancake.js', 'dist/preload/preload.cjs', 'LICENSE', 'NOTICE']) {
      assert.ok(has(p), `${p} is in app.asar`);
    }
    const pkg = JSON.parse(asar.extractFile(archive, 'package.json').toString('utf8')) as { main: string };
    assert.ok(has(pkg.main), `package.json main (${pkg.main}) is in app.asar`);
    assert.ok(![...entries].some((p) => p.startsWith('dist/test/')), 'no compiled tests');
    assert.deepEqual([...entries].filter((p) => p.endsWith('.map')), [], 'no source maps');
  });

  await t.test("Electron's fuses: no Node mode, options or inspector from outside; code only from the checked app.asar", () => {
    assert.deepEqual(fusesOf(path.join(appDir, 'pancake')), {
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  await t.test('runtime dependencies in, dev-only ones out', () => {
    for (const dep of ['better-sqlite3', 'sharp', 'onnxruntime-node', '@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-wasm']) {
      assert.ok(has(`node_modules/${dep}/package.json`), `${dep} is packaged`);
    }
    for (const dep of ['vite', 'svelte', 'svelte-check', 'typescript', 'electron-builder', 'playwright-core', 'eslint', 'electron', '@electron/asar']) {
      assert.ok(!has(`node_modules/${dep}`), `${dep} is not packaged`);
    }
  });

  await t.test('native parts unpacked, for this platform only', () => {
    const nodeFiles = (dir: string): string[] =>
      fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.node')).map((f) => f.split(path.sep).join('/'));
    const native = nodeFiles(path.join(unpacked, 'node_modules'));
    const { arch } = process;
    assert.ok(native.some((f) => f.startsWith(`@img/sharp-linux-${arch}/`)), `sharp's addon among ${native.join(', ')}`);
    assert.ok(native.includes(`onnxruntime-node/bin/napi-v6/linux/${arch}/onnxruntime_binding.node`), "onnxruntime's addon");
    assert.ok(fs.existsSync(path.join(unpacked, 'node_modules/onnxruntime-node/bin/napi-v6/linux', arch, 'libonnxruntime.so.1')), "onnxruntime's library");
    assert.ok(native.includes('better-sqlite3/build/Release/better_sqlite3.node'), "better-sqlite3's addon");
    const onnxPlatforms = fs.readdirSync(path.join(unpacked, 'node_modules/onnxruntime-node/bin/napi-v6'));
    assert.deepEqual(onnxPlatforms, ['linux']);
    assert.deepEqual(fs.readdirSync(path.join(unpacked, 'node_modules/onnxruntime-node/bin/napi-v6/linux')), [arch]);
    assert.deepEqual(native.filter((f) => !f.includes(`linux-${arch}`) && !f.includes(`linux/${arch}`) && !f.startsWith('better-sqlite3/')), []);
  });

  await t.test('weights in resources/models, without the .tflite originals', () => {
    const models = path.join(resources, 'models');
    for (const f of ['mobilenet_v2_1.0_224/onnx/mobilenet_v2_1.0_224.onnx', 'mobilenet_v2_1.0_224/tfjs/model.json', 'mobilenet_v3_small_1.0_224/onnx/mobilenet_v3_small_1.0_224.onnx']) {
      assert.ok(fs.existsSync(path.join(models, f)), `${f} is in resources/models`);
    }
    assert.deepEqual(fs.readdirSync(models, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.tflite')), []);
    // What ships is what the converter makes, byte for byte.
    for (const entry of MODEL_MANIFEST) {
      for (const c of entry.converted) {
        const sum = crypto.createHash('sha256').update(fs.readFileSync(path.join(models, c.path))).digest('hex');
        assert.equal(sum, c.sha256, `${c.path} is the converter's output`);
      }
    }
  });

  await t.test('the packaged code finds the weights in resources and embeds with them', () => {
    // Node reads no asar: the archive is extracted as it would be seen from
    // inside Electron, and run with no other models folder reachable.
    const app = path.join(tempDir('pancake-packaged-app-'), 'app');
    asar.extractAll(archive, app);
    const home = tempDir('pancake-packaged-home-');
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
    delete env.PANCAKE_MODELS_DIR;
    delete env.XDG_DATA_HOME;
    const script = `
      const ml = (p) => import(new URL(p, ${JSON.stringify(`file://${app}/dist/main/ml/`)}).href);
      const { resolveBackbone, DEFAULT_BACKBONE } = await ml('backbones.js');
      const { Embedder } = await ml('embedder.js');
      const sharp = (await import(${JSON.stringify(`file://${app}/node_modules/sharp/dist/index.mjs`)})).default;
      const where = { modelsDir: null, resourcesPath: ${JSON.stringify(resources)} };
      const photo = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#c84' } }).jpeg().toBuffer();
      const embedder = await Embedder.open(DEFAULT_BACKBONE, { ...where, threads: 1 });
      const [vector] = await embedder.embedMany([{ name: 'photo.jpg', bytes: new Uint8Array(photo) }]);
      await embedder.close();
      console.log(JSON.stringify({ file: resolveBackbone(DEFAULT_BACKBONE, where).file, dim: vector.length }));`;
    fs.writeFileSync(path.join(home, 'embed-one.mjs'), script);
    const res = spawnSync(process.execPath, ['embed-one.mjs'], { cwd: home, env, encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    const result = JSON.parse(res.stdout.trim().split('\n').at(-1) ?? '') as { file: string; dim: number };
    assert.equal(result.file, path.join(resources, 'models/mobilenet_v2_1.0_224/onnx/mobilenet_v2_1.0_224.onnx'));
    assert.equal(result.dim, 1280);
  });

  await t.test('unpacked size within budget', () => {
    const mb = (bytes: number) => bytes / 1e6;
    const size = {
      'app.asar': fs.statSync(archive).size,
      'app.asar.unpacked': totalBytes(unpacked),
      models: totalBytes(path.join(resources, 'models')),
    };
    const total = totalBytes(appDir);
    console.log(
      `Packaged linux-${process.arch} dir, without Electron's own files: ${mb(total).toFixed(1)} MB ` +
        `(${Object.entries(size).map(([k, v]) => `${k} ${mb(v).toFixed(1)} MB`).join(', ')})`,
    );
    assert.ok(mb(total) < 250, `${mb(total).toFixed(1)} MB is over the 250 MB budget`);
  });
});

