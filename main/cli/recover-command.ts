// `pancake recover`: what can still be read from a damaged project, copied into a new one.
import path from 'node:path';
import type { Command } from './command.js';
import { parseArgs, UsageError } from './args.js';

export const recoverCommand: Command = {
  name: 'recover',
  usage: 'recover <damaged-project-file> <new-project-file> [--json]',
  summary: 'Copy the rows that can still be read from a damaged project into a new project file.',
  async run(argv, core) {
    const args = parseArgs(argv, { json: 'boolean' });
    const [from, to] = args.positionals;
    if (!from || !to) throw new UsageError('Name the damaged project and the new project file to write.');
    // The copy reports no progress of its own; a line on stderr says what is under way while it reads.
    process.stderr.write(`Reading ${path.resolve(from)} table by table and copying what can be read into ${path.resolve(to)}…\n`);
    const r = await core.api.projectRecover({ from: path.resolve(from), to: path.resolve(to) });
    if (args.values.json) {
      console.log(JSON.stringify(r, null, 2));
      return 0;
    }
    const images = r.tables.find((t) => t.table === 'images')?.copied ?? 0;
    const damaged = r.tables.filter((t) => t.gaps > 0).map((t) => t.table);
    console.log(`Recovered ${images} images into ${r.path}.`);
    console.log(damaged.length ? `Rows lost to the damage in: ${damaged.join(', ')}.` : 'Every row could be read.');
    return 0;
  },
};
