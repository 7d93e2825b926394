// Every `pancake` subcommand: a name, its usage line and what it runs. Each
// one drives the core through the same typed API the app uses.
import fs from 'node:fs';
import path from 'node:path';
import type { PancakeCore } from '../core/core.js';
import type { ApiEvent, ImportReport } from '../api/types.js';
import { parseArgs, UsageError } from './args.js';

export interface Command {
  name: string;
  usage: string;
  summary: string;
  run(argv: string[], core: PancakeCore): Promise<number>;
}

/** Opens a project for a command; `create` makes it when the file is missing. */
export async function openProject(core: PancakeCore, file: string | undefined, create = false): Promise<string> {
  if (!file) throw new UsageError('Name the project file.');
  const abs = path.resolve(file);
  if (create && !fs.existsSync(abs)) await core.api.projectCreate({ path: abs });
  else await core.api.projectOpen({ path: abs });
  return abs;
}

/** Progress lines on stderr, so stdout stays clean for --json. */
export function progressPrinter(core: PancakeCore, jobId: string): () => void {
  const tty = process.stderr.isTTY;
  let last = 0;
  const unsubscribe = core.events.subscribe((e: ApiEvent) => {
    if (e.type !== 'progress' || e.jobId !== jobId) return;
    const now = Date.now();
    if (!tty && now - last < 2000 && e.done !== e.total) return;
    last = now;
    const total = e.total === null ? '' : `/${e.total}`;
    const eta = e.etaSeconds === null ? '' : `, about ${Math.ceil(e.etaSeconds)} s left`;
    const line = `${e.phase}: ${e.done}${total}${eta}${e.message ? ` (${e.message})` : ''}`;
    process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
  });
  return () => {
    unsubscribe();
    if (tty) process.stderr.write('\n');
  };
}

export function formatImportReport(r: ImportReport): string {
  const lines = [
    `${r.cancelled ? 'Import cancelled' : 'Import finished'} in ${r.seconds.toFixed(1)} s: ${r.added} added, ${r.duplicates.length} duplicates, ${r.skipped.length} skipped.`,
  ];
  const splits = Object.entries(r.bySplit).filter(([, n]) => n > 0);
  if (splits.length) lines.push(`By split: ${splits.map(([s, n]) => `${s} ${n}`).join(', ')}`);
  if (r.classesCreated.length) lines.push(`New classes: ${r.classesCreated.join(', ')}`);
  for (const d of r.duplicates) lines.push(`  duplicate  ${d.file}: ${d.reason}`);
  for (const s of r.skipped) lines.push(`  skipped    ${s.file}: ${s.reason}`);
  return lines.join('\n');
}

const importCommand: Command = {
  name: 'import',
  usage: 'import <project-file> <path>... [--json]',
  summary: 'Add images and folders (folder names become classes; train/val/test folders keep their split). Creates the project if missing.',
  async run(argv, core) {
    const args = parseArgs(argv, []);
    const [file, ...paths] = args.positionals;
    if (paths.length === 0) throw new UsageError('Name at least one image or folder to import.');
    for (const p of paths) if (!fs.existsSync(p)) throw new UsageError(`${p} does not exist.`);
    await openProject(core, file, true);
    const jobId = `cli-import-${process.pid}`;
    const done = progressPrinter(core, jobId);
    let report: ImportReport;
    try {
      report = await core.api.importPaths({ jobId, paths: paths.map((p) => path.resolve(p)) });
    } finally {
      done();
    }
    console.log(args.flags.get('json') ? JSON.stringify(report, null, 2) : formatImportReport(report));
    return report.cancelled ? 130 : 0;
  },
};

const infoCommand: Command = {
  name: 'info',
  usage: 'info <project-file> [--json]',
  summary: 'Show the classes, their counts per split, and the unlabelled images.',
  async run(argv, core) {
    const args = parseArgs(argv, []);
    const [file] = args.positionals;
    if (!file || !fs.existsSync(file)) throw new UsageError(file ? `${file} does not exist.` : 'Name the project file.');
    await openProject(core, file);
    const info = await core.api.projectInfo({});
    if (!info) throw new Error('The project could not be read.');
    const summary = {
      images: info.images,
      classes: info.classes.map((c) => ({ name: c.name, count: c.count, splits: c.splits })),
      unlabelled: info.unlabelled,
    };
    if (args.flags.get('json')) {
      console.log(JSON.stringify(summary, null, 2));
      return 0;
    }
    console.log(`${info.name}: ${info.images} images, ${info.classes.length} classes, ${info.unlabelled} unlabelled`);
    for (const c of summary.classes) {
      const s = c.splits;
      console.log(`  ${c.name.padEnd(24)} ${String(c.count).padStart(6)}   train ${s.train}, validation ${s.validation}, test ${s.test}, none ${s.none}`);
    }
    return 0;
  },
};

export const commands: Command[] = [importCommand, infoCommand];
