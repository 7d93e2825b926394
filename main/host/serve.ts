#!/usr/bin/env node
// Starts the browser host: `node dist/main/host/serve.js [--port N] [--project FILE]`.
// Prints the address (with its secret token) as `Pancake is running at URL`.
import '../ml/telemetry-off.js';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isEntry } from '../is-entry.js';
import { PancakeCore } from '../core/core.js';
import { defaultStateDir } from '../core/app-state.js';
import { startBrowserHost } from './browser-host.js';

export async function serve(argv: string[]): Promise<void> {
  const portArg = argv.indexOf('--port');
  const projectArg = argv.indexOf('--project');
  const core = new PancakeCore({ stateDir: defaultStateDir(), host: 'browser' });
  if (projectArg >= 0 && argv[projectArg + 1]) {
    const file = core.resolveProjectPath(argv[projectArg + 1]!);
    const res = await core.call(fs.existsSync(file) ? 'projectOpen' : 'projectCreate', { path: file });
    if (!res.ok) console.error(res.error.message);
  } else {
    core.reopenLast();
  }
  const host = await startBrowserHost({
    core,
    rendererDir: fileURLToPath(new URL('../../renderer', import.meta.url)),
    ...(portArg >= 0 ? { port: Number(argv[portArg + 1]) } : {}),
  });
  console.log(`Pancake is running at ${host.url}`);
  console.log('Open that address in your browser. Press Ctrl+C to stop.');
  const stop = () => {
    core.shutdown();
    void host.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (isEntry(import.meta.url)) {
  await serve(process.argv.slice(2));
}
