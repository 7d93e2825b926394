import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './temp.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `pancake` command, as a user would, with its own state folder; `env` entries set to undefined are removed. */
export function pancake(args: string[], opts: { home: string; env?: Record<string, string | undefined> }): Promise<CliResult> {
  const env: Record<string, string | undefined> = { ...process.env, PANCAKE_HOME: opts.home, ...opts.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return finished(spawn(process.execPath, [PANCAKE, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] }));
}

/** The compiled `pancake` command. */
export const PANCAKE = path.join(repoRoot, 'dist/main/cli/pancake.js');

/** What a command printed and how it ended. */
export function finished(child: ChildProcessWithoutNullStreams): Promise<CliResult> {
  child.stdin.end();
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
