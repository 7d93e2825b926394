#!/usr/bin/env node
// Starts the browser host: `node dist/main/host/serve.js [--port N] [--project FILE] [--no-open]`.
// Prints the address (with its secret token) as `Pancake is running at URL`
// and opens it in the default browser. The port and the token are kept in
// the state folder, so a tab left open finds Pancake again after a restart.
import '../ml/telemetry-off.js';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isEntry } from '../is-entry.js';
import { PancakeCore } from '../core/core.js';
import { defaultStateDir } from '../core/app-state.js';
import { startBrowserHost, type BrowserHost } from './browser-host.js';
import { loadHostToken } from './host-token.js';
import { openInBrowser, wantsBrowserOpened } from './open-browser.js';

function explicitPort(argv: string[]): number | null {
  const i = argv.indexOf('--port');
  if (i < 0) return null;
  const port = Number(argv[i + 1]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    console.error(`--port needs a number from 1 to 65535, not "${argv[i + 1] ?? ''}".`);
    process.exit(2);
  }
  return port;
}

async function listen(core: PancakeCore, stateDir: string, asked: number | null): Promise<BrowserHost> {
  const rendererDir = fileURLToPath(new URL('../../renderer', import.meta.url));
  const token = loadHostToken(stateDir);
  if (asked !== null) {
    try {
      return await startBrowserHost({ core, rendererDir, token, port: asked });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      console.error(`Port ${asked} is already in use. Stop what uses it, or leave out --port.`);
      process.exit(1);
    }
  }
  const remembered = core.appState.hostPort;
  const host = await startBrowserHost({ core, rendererDir, token, port: remembered ?? 0, portFallback: true });
  if (host.portWasTaken) console.log(`Port ${remembered} is in use by another program, so Pancake moved to port ${host.port}; tabs opened before need the new address.`);
  core.appState.rememberHostPort(host.port);
  return host;
}

export async function serve(argv: string[]): Promise<void> {
  const projectArg = argv.indexOf('--project');
  const asked = explicitPort(argv);
  const stateDir = defaultStateDir();
  const core = new PancakeCore({ stateDir, host: 'browser' });
  if (projectArg >= 0 && argv[projectArg + 1]) {
    const file = core.resolveProjectPath(argv[projectArg + 1]!);
    const res = await core.call(fs.existsSync(file) ? 'projectOpen' : 'projectCreate', { path: file });
    if (!res.ok) console.error(res.error.message);
  } else {
    core.reopenLast();
  }
  const host = await listen(core, stateDir, asked);
  // Set before the address is printed: whoever reads it may stop Pancake at once.
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const hadProject = core.hasProject;
    // The project is closed first, so its last writes are folded into the file before the process ends.
    core.shutdown();
    void host.close().then(() => {
      console.log(hadProject ? 'Pancake stopped; your project is saved.' : 'Pancake stopped.');
      process.exit(0);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  console.log(`Pancake is running at ${host.url}`);
  if (wantsBrowserOpened(argv)) {
    openInBrowser(host.url);
    console.log('It opens in your browser; if not, open that address. Press Ctrl+C to stop.');
  } else {
    console.log('Open that address in your browser. Press Ctrl+C to stop.');
  }
}

if (isEntry(import.meta.url)) {
  await serve(process.argv.slice(2));
}
