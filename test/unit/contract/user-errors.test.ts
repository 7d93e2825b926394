// Every class of error meant for the user reaches the user with its own
// sentence, through the browser host (real HTTP) and the `pancake` command,
// provoked the way a person would. describeError recognises them by
// `instanceof UserError`; a class that forgot to extend it would arrive as
// "Something went wrong inside Pancake" here.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { USER_ERROR_NAMES, type UserErrorName } from '../../../contract/errors.js';
import { encodeCall, type WireResult } from '../../../contract/wire.js';
import type { ImportReport } from '../../../contract/types.js';
import { PancakeCore } from '../../../main/core/core.js';
import { startBrowserHost } from '../../../main/host/browser-host.js';
import { pancake } from '../../helpers/cli.js';
import { makeImage } from '../../helpers/images.js';
import { repoRoot, tempDir } from '../../helpers/temp.js';

const work = tempDir();
const home = path.join(work, 'home');
const core = new PancakeCore({ stateDir: home, host: 'browser' });
const host = await startBrowserHost({ core, rendererDir: path.join(repoRoot, 'dist/renderer') });
after(async () => {
  core.shutdown();
  await host.close();
});

function call(method: string, params: unknown): Promise<WireResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: host.port, path: `/api/${method}`, method: 'POST', headers: { 'x-pancake-token': host.token } },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(parts).toString()) as WireResult));
      },
    );
    req.on('error', reject);
    req.end(encodeCall(params));
  });
}

async function refusal(method: string, params: unknown): Promise<{ name: string; message: string }> {
  const res = await call(method, params);
  assert.ok(!res.ok, `${method} was expected to fail`);
  return res.error;
}

const cli = (...args: string[]) => pancake(args, { home: path.join(work, 'cli-home'), env: { PANCAKE_NO_OPEN: '1' } });

/** The CLI ends by saying the core's sentence after "Error: " (progress lines may come first) and exits with 1, never with a stack. */
async function cliSays(args: string[], sentence: string): Promise<void> {
  const r = await cli(...args);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr.trim().split('\n').at(-1), `Error: ${sentence}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

// One project per transport, so that neither holds the other's file open.
const hostProject = path.join(work, 'host.pancake');
const cliProject = path.join(work, 'cli.pancake');
const photo = path.join(work, 'photo.jpg');
await makeImage(photo);
const emptyFile = path.join(work, 'empty.jpg');
fs.writeFileSync(emptyFile, '');
const notAProject = path.join(work, 'notes.pancake');
fs.writeFileSync(notAProject, 'shopping list\n'.repeat(20));
const aFile = path.join(work, 'plain-file');
fs.writeFileSync(aFile, 'x');
assert.equal((await cli('import', cliProject, photo)).code, 0);

const covered = new Set<UserErrorName>();
function cover(name: UserErrorName, got: { name: string; message: string }): void {
  assert.equal(got.name, name, got.message);
  assert.doesNotMatch(got.message, /Something went wrong/);
  assert.ok(got.message.length > 10, got.message);
  covered.add(name);
}

test('CoreError: no project open; no trained model to predict with', async () => {
  cover('CoreError', await refusal('listImages', {}));
  assert.ok((await call('projectCreate', { path: hostProject })).ok);
  const noModel = await refusal('predictPaths', { jobId: 'p', paths: [photo] });
  cover('CoreError', noModel);
  await cliSays(['predict', cliProject, photo], noModel.message);
});

test('ValidationError: parameters outside the contract', async () => {
  cover('ValidationError', await refusal('projectOpen', { path: 42 }));
  const tooLong = await refusal('train', { jobId: 't', settings: { backbone: 'b'.repeat(101) } });
  cover('ValidationError', tooLong);
  await cliSays(['train', cliProject, '--backbone', 'b'.repeat(101)], tooLong.message);
});

test('ProjectFileError: a file that is not a project', async () => {
  const notOurs = await refusal('projectOpen', { path: notAProject });
  cover('ProjectFileError', notOurs);
  await cliSays(['info', notAProject], notOurs.message);
  assert.ok((await call('projectOpen', { path: hostProject })).ok);
});

test('StoreError: a class name already taken', async () => {
  assert.ok((await call('classCreate', { name: 'Cats' })).ok);
  cover('StoreError', await refusal('classCreate', { name: 'cats' }));
});

test('BackboneError: an unknown backbone', async () => {
  const unknown = await refusal('projectSetBackbone', { backbone: 'no-such-net' });
  cover('BackboneError', unknown);
  await cliSays(['train', cliProject, '--backbone', 'no-such-net'], unknown.message);
});

test('TrainingGuardError: training with a single class', async () => {
  const guard = await refusal('train', { jobId: 't' });
  cover('TrainingGuardError', guard);
  const r = await cli('train', cliProject);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^Error: /);
  assert.doesNotMatch(r.stderr, /Something went wrong|\n\s+at /);
});

test('VersionError: a model version that does not exist', async () => {
  const missing = await refusal('versionSetActive', { id: 999 });
  cover('VersionError', missing);
  await cliSays(['export', cliProject, '--format', 'onnx', '--out', path.join(work, 'onnx'), '--version', '999'], missing.message);
});

test('ExportError: a backup over the open project itself', async () => {
  cover('ExportError', await refusal('exportProject', { path: hostProject }));
  const r = await cli('export', cliProject, '--format', 'project', '--out', cliProject);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^Error: .*is the open project itself/);
});

test('ModelFetchError: a models folder that cannot be made', async () => {
  const dir = path.join(aFile, 'models');
  const cannot = await refusal('modelsFetch', { jobId: 'm', ids: ['mobilenet_v2_1.0_224'], dir });
  cover('ModelFetchError', cannot);
  await cliSays(['models', 'fetch', 'mobilenet_v2_1.0_224', '--dir', dir], cannot.message);
});

/** Runs `fn` while another connection holds the project's write lock, as another program could. */
async function whileLocked<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const other = new Database(file);
  other.exec('BEGIN EXCLUSIVE');
  try {
    return await fn();
  } finally {
    other.exec('ROLLBACK');
    other.close();
  }
}

test('StorageError: another program holding the project file', async () => {
  const busy = await whileLocked(hostProject, () => refusal('classCreate', { name: 'Dogs' }));
  cover('StorageError', busy);
  await whileLocked(cliProject, () => cliSays(['info', cliProject], busy.message));
});

test("ImportSkipError: a file's reason reaches the import report", async () => {
  const res = await call('importPaths', { jobId: 'i', paths: [emptyFile] });
  assert.ok(res.ok);
  const report = res.result as ImportReport;
  assert.deepEqual(report.skipped.map((s) => s.reason), ['empty file']);
  const r = await cli('import', cliProject, emptyFile);
  assert.match(r.stdout, /skipped +.*empty\.jpg: empty file/);
  covered.add('ImportSkipError');
});

test('every class of user error was provoked above', () => {
  assert.deepEqual([...covered].sort(), [...USER_ERROR_NAMES].sort());
});
