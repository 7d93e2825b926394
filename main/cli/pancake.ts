#!/usr/bin/env node
// The `pancake` command: the same core and contract as the app, in a terminal.
import '../ml/telemetry-off.js';
import { isEntry } from '../is-entry.js';
import { PancakeCore } from '../core/core.js';
import { defaultStateDir } from '../core/app-state.js';
import type { Command } from './command.js';
import { commands } from './commands.js';
import { UsageError } from './args.js';
import { readVersion } from '../core/version.js';

function usage(): string {
  const lines = [`pancake ${readVersion()}: train image classifiers from folders of photos, offline.`, '', 'Usage:'];
  for (const c of commands) lines.push(`  pancake ${c.usage}`, `      ${c.summary}`);
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  if (name === '--version') {
    console.log(readVersion());
    return 0;
  }
  const command: Command | undefined = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`Unknown command "${name}".\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`Usage: pancake ${command.usage}\n    ${command.summary}`);
    return 0;
  }
  const core = new PancakeCore({ stateDir: defaultStateDir(), host: 'cli' });
  const stop = () => core.jobs.cancelAll();
  process.on('SIGINT', stop);
  try {
    return await command.run(rest, core);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\nUsage: pancake ${command.usage}`);
      return 2;
    }
    console.error(`Error: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    process.off('SIGINT', stop);
    core.shutdown();
  }
}

if (isEntry(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
