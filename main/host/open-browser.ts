// Opens an address in the user's default browser. Best effort: a machine
// with no desktop (or no opener) still has the address printed to go to.
import { spawn } from 'node:child_process';

function opener(url: string): { cmd: string; args: string[] } {
  if (process.platform === 'darwin') return { cmd: 'open', args: [url] };
  // `start` is a cmd built-in; its first quoted argument is a window title.
  if (process.platform === 'win32') return { cmd: 'cmd', args: ['/c', 'start', '""', url] };
  return { cmd: 'xdg-open', args: [url] };
}

/** `--no-open` or PANCAKE_NO_OPEN=1 (tests, servers, people who keep a tab) leave the browser alone. */
export function wantsBrowserOpened(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  return !argv.includes('--no-open') && env.PANCAKE_NO_OPEN !== '1';
}

export function openInBrowser(url: string): void {
  const { cmd, args } = opener(url);
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true, windowsVerbatimArguments: process.platform === 'win32' });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No opener at all: the printed address is the way in.
  }
}
