// @doyensec/electronegativity over the Electron shell as it ships (the
// compiled main process and preload, the built page, package.json). Every
// finding must be explained in test/data/electronegativity-allowed.json, and
// every explanation must still match a finding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot, tempDir } from '../../helpers/temp.js';

interface Finding {
  check: string;
  file: string;
  line: number;
  sample: string;
  description: string;
}
interface Allowed {
  check: string;
  file: string;
  reason: string;
}

// It asks GitHub for Electron's release list to say whether the Electron in
// use misses security fixes; that cannot be answered offline, so the check is
// left out rather than failing on a timeout.
const EXCLUDED = ['AvailableSecurityFixesGlobalCheck'];

/** Root can run the scan in a network namespace with no network at all (its translation download then fails at once and it uses its bundled English). */
function offlineCommand(): string[] {
  const canUnshare = process.getuid?.() === 0 && spawnSync('unshare', ['-n', 'true']).status === 0;
  return canUnshare ? ['unshare', '-n', process.execPath] : [process.execPath];
}

test('electronegativity finds nothing in the shell that is not explained', () => {
  const input = tempDir('pancake-electronegativity-');
  const code = (dir: string, ext: string) => fs.readdirSync(path.join(repoRoot, dir)).filter((f) => f.endsWith(ext)).map((f) => path.join(dir, f));
  const shipped = [...code('dist/main/electron', '.js'), ...code('dist/preload', '.cjs'), 'dist/renderer/index.html', 'package.json'];
  assert.ok(shipped.includes(path.join('dist/main/electron', 'main.js')) && shipped.includes(path.join('dist/preload', 'preload.cjs')), 'the shell is built');
  for (const file of shipped) fs.copyFileSync(path.join(repoRoot, file), path.join(input, path.basename(file)));
  const output = path.join(tempDir('pancake-electronegativity-out-'), 'findings.json');

  const [command, ...prefix] = offlineCommand();
  const res = spawnSync(command!, [...prefix, path.join(repoRoot, 'dist/test/helpers/electronegativity-scan.js'), input, output, ...EXCLUDED], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  assert.equal(res.status, 0, `the scan ran:\n${res.stdout}\n${res.stderr}`);
  const { errors, findings } = JSON.parse(fs.readFileSync(output, 'utf8')) as { errors: { file: string; message: string }[]; findings: Finding[] };
  assert.deepEqual(errors, [], 'every file was parsed');

  const allowed = JSON.parse(fs.readFileSync(path.join(repoRoot, 'test/data/electronegativity-allowed.json'), 'utf8')) as Allowed[];
  for (const a of allowed) assert.ok(a.reason.trim().length >= 40, `${a.check} in ${a.file} has a reason`);
  const explained = (f: Finding) => allowed.some((a) => a.check === f.check && a.file === f.file);
  const unexplained = findings.filter((f) => !explained(f));
  assert.deepEqual(unexplained, [], 'every finding is explained in test/data/electronegativity-allowed.json');
  const stale = allowed.filter((a) => !findings.some((f) => f.check === a.check && f.file === a.file));
  assert.deepEqual(stale, [], 'every explanation still matches a finding');
});
