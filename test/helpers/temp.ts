import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../../..');
export const sharedDir = path.resolve(repoRoot, '../shared');

/** A fresh folder under the OS temp dir, removed when the process exits. */
export function tempDir(prefix = 'pancake-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
