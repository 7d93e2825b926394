// Every `pancake` subcommand: a name, its usage line and what it runs. Each
// one drives the core through the same typed API the app uses.
import fs from 'node:fs';
import path from 'node:path';
import type { PancakeCore } from '../core/core.js';
import type { ApiEvent, FilePrediction, FolderEvaluationResult, ImportReport, JobProgress, ModelsFetchResult } from '../../contract/types.js';
import { labelledDuplicateSentences } from '../../contract/import-report-text.js';
import { INVALID_NAME_REASON, namedWithInvalidUtf8 } from '../import/walk.js';
import { intFlag, parseArgs, UsageError } from './args.js';
import type { Command } from './command.js';
import { recoverCommand } from './recover-command.js';

/** Opens a project for a command; `create` makes it when the file is missing. */
export async function openProject(core: PancakeCore, file: string | undefined, create = false): Promise<string> {
  if (!file) throw new UsageError('Name the project file.');
  const abs = path.resolve(file);
  // An empty file is what an interrupted creation by an older Pancake left: not yet a project.
  if (create && (!fs.existsSync(abs) || fs.statSync(abs).size === 0)) await core.api.projectCreate({ path: abs });
  else await core.api.projectOpen({ path: abs });
  return abs;
}

/** Commands other than import work on a project that must already exist. */
function requireFile(file: string | undefined): asserts file is string {
  if (!file || !fs.existsSync(file)) throw new UsageError(file ? `${file} does not exist.` : 'Name the project file.');
}

/**
 * Refuses the command when a path named on it is missing: a typo should not
 * create a project. Node hands arguments over as text, so a name that is not
 * valid UTF-8 arrives with U+FFFD in it and cannot be opened; that gets its
 * real reason instead of "does not exist".
 */
async function requirePaths(paths: readonly string[]): Promise<void> {
  for (const p of paths) {
    if (fs.existsSync(p)) continue;
    throw new UsageError((await namedWithInvalidUtf8(p)) ? `${p} cannot be opened: ${INVALID_NAME_REASON}.` : `${p} does not exist.`);
  }
}

/**
 * The core asks to "allow replacing files", as the app's button does; on the
 * command line that is a flag, so the refusal names it.
 */
async function withOverwriteHint<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    const message = err instanceof Error ? err.message : '';
    if (!/ already exists; choose another (folder|name) or allow replacing files$/.test(message)) throw err;
    throw new Error(message.replace(/ or allow replacing files$/, ', or add --overwrite to replace it'), { cause: err });
  }
}

/** `--out` for a project copy may name a folder to put it in: the copy then keeps the project's file name. */
function projectCopyPath(out: string, projectFile: string): string {
  const abs = path.resolve(out);
  const isFolder = /[\\/]$/.test(out) || (fs.existsSync(abs) && fs.statSync(abs).isDirectory());
  return isFolder ? path.join(abs, path.basename(projectFile)) : abs;
}

/** Progress lines on stderr, so stdout stays clean for --json. */
export function progressPrinter(core: PancakeCore, jobId: string, show: (e: JobProgress) => boolean = () => true): () => void {
  const tty = process.stderr.isTTY;
  let last = 0;
  const unsubscribe = core.events.subscribe((e: ApiEvent) => {
    if (e.type !== 'progress' || e.jobId !== jobId || !show(e)) return;
    const now = Date.now();
    if (!tty && now - last < 2000 && e.done !== e.total) return;
    last = now;
    const total = e.total === null ? '' : `/${e.total}`;
    const eta = e.etaSeconds === null ? '' : `, about ${Math.ceil(e.etaSeconds)} s left`;
    // A step that cannot count yet (loading a backbone) is named, not shown as "0".
    const count = e.total === null && e.done === 0 ? '…' : `: ${e.done}${total}`;
    const line = `${e.phase}${count}${eta}${e.message ? ` (${e.message})` : ''}`;
    process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
  });
  return () => {
    unsubscribe();
    if (tty) process.stderr.write('\n');
  };
}

const megabytes = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;

export function formatImportReport(r: ImportReport): string {
  const lines = [
    `${r.cancelled ? 'Import cancelled' : 'Import finished'} in ${r.seconds.toFixed(1)} s: ${r.added} added, ${r.duplicates.length} duplicates, ${r.skipped.length} skipped.`,
  ];
  const splits = Object.entries(r.bySplit).filter(([, n]) => n > 0);
  if (splits.length) lines.push(`By split: ${splits.map(([s, n]) => `${s} ${n}`).join(', ')}`);
  if (r.classesCreated.length) lines.push(`New classes: ${r.classesCreated.join(', ')}`);
  lines.push(...labelledDuplicateSentences(r));
  if (r.added > 0) lines.push(`Originals kept: ${megabytes(r.originalsBytes)} (the files as given, so a dataset export hands them back byte for byte)`);
  if (r.embeddingNote !== undefined) lines.push(r.embeddingNote);
  for (const d of r.duplicates) lines.push(`  duplicate  ${d.file}: ${d.reason}`);
  for (const s of r.skipped) lines.push(`  skipped    ${s.file}: ${s.reason}`);
  return lines.join('\n');
}

const importCommand: Command = {
  name: 'import',
  usage: 'import <project-file> <path>... [--json]',
  summary: 'Add images and folders (folder names become classes; train/val/test folders keep their split). Creates the project if missing.',
  async run(argv, core) {
    const args = parseArgs(argv, { json: 'boolean' });
    const [file, ...paths] = args.positionals;
    if (paths.length === 0) throw new UsageError('Name at least one image or folder to import.');
    await requirePaths(paths);
    await openProject(core, file, true);
    const jobId = `cli-import-${process.pid}`;
    const done = progressPrinter(core, jobId);
    let report: ImportReport;
    try {
      report = await core.api.importPaths({ jobId, paths: paths.map((p) => path.resolve(p)) });
    } finally {
      done();
    }
    console.log(args.values.json ? JSON.stringify(report, null, 2) : formatImportReport(report));
    return report.cancelled ? 130 : 0;
  },
};

const infoCommand: Command = {
  name: 'info',
  usage: 'info <project-file> [--json]',
  summary: 'Show the classes, their counts per split, and the unlabelled images.',
  async run(argv, core) {
    const args = parseArgs(argv, { json: 'boolean' });
    const [file] = args.positionals;
    requireFile(file);
    await openProject(core, file);
    const info = await core.api.projectInfo({});
    if (!info) throw new Error('The project could not be read.');
    const summary = {
      images: info.images,
      originalsBytes: info.originalsBytes,
      classes: info.classes.map((c) => ({ name: c.name, count: c.count, splits: c.splits })),
      unlabelled: info.unlabelled,
    };
    if (args.values.json) {
      console.log(JSON.stringify(summary, null, 2));
      return 0;
    }
    console.log(`${info.name}: ${info.images} images, ${info.classes.length} classes, ${info.unlabelled} unlabelled`);
    console.log(`Originals kept: ${megabytes(info.originalsBytes)}`);
    if (info.readOnly) console.log('Open read-only: Pancake cannot write to the file or its folder.');
    if (info.damageCheck === 'partial') console.log('The file is large, so opening checked only its tables other than pixels and embeddings for damage.');
    for (const c of summary.classes) {
      const s = c.splits;
      console.log(`  ${c.name.padEnd(24)} ${String(c.count).padStart(6)}   train ${s.train}, validation ${s.validation}, test ${s.test}, none ${s.none}`);
    }
    return 0;
  },
};

const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);

const trainCommand: Command = {
  name: 'train',
  usage: 'train <project-file> [--backbone ID] [--augment|--no-augment] [--epochs N] [--json]',
  summary: 'Train a new model version on the labelled images (a line per epoch) and make it active.',
  async run(argv, core) {
    const args = parseArgs(argv, { backbone: 'string', epochs: 'string', augment: 'boolean', 'no-augment': 'boolean', json: 'boolean' });
    const [file] = args.positionals;
    requireFile(file);
    await openProject(core, file);
    const json = args.values.json === true;
    const epochs = intFlag(args, 'epochs', 1, 1000);
    const backbone = args.values.backbone;
    if (args.values.augment && args.values['no-augment']) throw new UsageError('Give --augment or --no-augment, not both.');
    const augment = args.values.augment ? true : args.values['no-augment'] ? false : undefined;
    const jobId = `cli-train-${process.pid}`;
    // Epoch lines go to stderr with --json, so stdout holds only the final object.
    const out = json ? (line: string) => process.stderr.write(`${line}\n`) : (line: string) => console.log(line);
    const unsubscribe = core.events.subscribe((e) => {
      if (e.type !== 'train-epoch' || e.jobId !== jobId) return;
      const s = e.stats;
      out(
        `epoch ${String(s.epoch).padStart(3)}  loss ${s.loss.toFixed(4)}  acc ${pct(s.acc)}` +
          (s.valLoss === null ? '' : `  val_loss ${s.valLoss.toFixed(4)}  val_acc ${pct(s.valAcc)}`),
      );
    });
    const done = progressPrinter(core, jobId, (e) => e.phase !== 'training');
    try {
      const result = await core.api.train({
        jobId,
        settings: {
          ...(typeof backbone === 'string' ? { backbone } : {}),
          ...(typeof augment === 'boolean' ? { augment } : {}),
          ...(epochs !== undefined ? { epochs } : {}),
        },
      });
      const version = await core.api.versionGet({ id: result.versionId });
      if (json) {
        console.log(
          JSON.stringify(
            {
              versionId: version.id,
              name: version.name,
              backbone: version.backbone,
              validation: {
                accuracy: version.accuracy,
                n: version.validationCount,
                perClass: Object.fromEntries(version.perClass.map((c) => [c.name, { precision: c.precision, recall: c.recall, f1: c.f1, n: c.support }])),
                confusion: version.confusion,
              },
              learnedFrom: result.learnedFromCount,
              refit: result.refit,
              warnings: result.warnings,
            },
            null,
            2,
          ),
        );
      } else {
        console.log(`Trained ${version.name} (version ${version.id}) in ${(version.durationMs / 1000).toFixed(1)} s.`);
        console.log(version.accuracy === null ? 'No validation images, so no accuracy.' : `Validation accuracy ${pct(version.accuracy)} on ${version.validationCount} images.`);
        if (result.refit) console.log(`Then trained again on all ${result.learnedFromCount} labelled images, the held-out ones too; the accuracy is from before.`);
        for (const w of result.warnings) console.log(`Warning: ${w}`);
      }
      return 0;
    } finally {
      unsubscribe();
      done();
    }
  },
};

function printMetrics(r: { accuracy: number; n: number; perClass: Record<string, { precision: number; recall: number; f1: number; n: number }> }): void {
  console.log(`Accuracy ${pct(r.accuracy)} on ${r.n} images.`);
  console.log(`  ${'class'.padEnd(24)} precision  recall     f1      n`);
  for (const [name, c] of Object.entries(r.perClass)) {
    console.log(`  ${name.padEnd(24)} ${pct(c.precision).padStart(9)} ${pct(c.recall).padStart(7)} ${pct(c.f1).padStart(7)} ${String(c.n).padStart(6)}`);
  }
}

const evaluateCommand: Command = {
  name: 'evaluate',
  usage: 'evaluate <project-file> <folder> [--json]',
  summary: "Score the active model on folder/<class>/* images (classes matched by name); unknown folder names are reported.",
  async run(argv, core) {
    const args = parseArgs(argv, { json: 'boolean' });
    const [file, folder] = args.positionals;
    requireFile(file);
    if (!folder || !fs.existsSync(folder)) throw new UsageError(folder ? `${folder} does not exist.` : 'Name the folder to evaluate on.');
    await openProject(core, file);
    const jobId = `cli-evaluate-${process.pid}`;
    const done = progressPrinter(core, jobId);
    let r: FolderEvaluationResult;
    try {
      r = await core.api.evaluateFolder({ jobId, folder: path.resolve(folder) });
    } finally {
      done();
    }
    if (args.values.json) {
      console.log(JSON.stringify({ accuracy: r.accuracy, n: r.n, perClass: r.perClass, confusion: r.confusion, unknownClasses: r.unknownClasses, failed: r.failed }, null, 2));
      return 0;
    }
    printMetrics(r);
    if (r.unknownClasses.length) console.log(`Folders matching no class (not scored): ${r.unknownClasses.join(', ')}`);
    for (const f of r.failed) console.log(`  could not read ${f.file}: ${f.reason}`);
    return 0;
  },
};

const predictCommand: Command = {
  name: 'predict',
  usage: 'predict <project-file> <path>... [--json] [--top K]',
  summary: 'Classify images (folders are read recursively) with the active model, without adding them.',
  async run(argv, core) {
    const args = parseArgs(argv, { top: 'string', json: 'boolean' });
    const [file, ...paths] = args.positionals;
    requireFile(file);
    if (paths.length === 0) throw new UsageError('Name at least one image or folder.');
    await requirePaths(paths);
    const topK = intFlag(args, 'top', 1, 1000);
    await openProject(core, file);
    const jobId = `cli-predict-${process.pid}`;
    const done = progressPrinter(core, jobId);
    let results: FilePrediction[];
    try {
      ({ results } = await core.api.predictPaths({ jobId, paths: paths.map((p) => path.resolve(p)), ...(topK !== undefined ? { topK } : {}) }));
    } finally {
      done();
    }
    if (args.values.json) {
      console.log(JSON.stringify(results, null, 2));
    } else {
      for (const r of results) {
        console.log(r.error ? `${r.file}: ${r.error}` : `${r.file}: ${r.predictions.map((p) => `${p.class} ${pct(p.confidence)}`).join(', ')}`);
      }
    }
    return results.some((r) => r.error) ? 1 : 0;
  },
};

const exportCommand: Command = {
  name: 'export',
  usage: 'export <project-file> --format onnx|tfjs|dataset|project --out <dir-or-file> [--version ID] [--overwrite] [--json]',
  summary: 'Export the active (or given) model version with labels.txt, README and metrics; the labelled images; or the whole project file.',
  async run(argv, core) {
    const args = parseArgs(argv, { format: 'string', out: 'string', version: 'string', overwrite: 'boolean', json: 'boolean' });
    const [file] = args.positionals;
    requireFile(file);
    const format = args.values.format;
    const out = args.values.out;
    if (format !== 'onnx' && format !== 'tfjs' && format !== 'dataset' && format !== 'project') {
      throw new UsageError('--format must be onnx, tfjs, dataset or project.');
    }
    if (typeof out !== 'string') throw new UsageError('--out names where to write the export.');
    const versionId = intFlag(args, 'version', 1, Number.MAX_SAFE_INTEGER);
    const overwrite = args.values.overwrite === true;
    const json = args.values.json === true;
    await openProject(core, file);
    const jobId = `cli-export-${process.pid}`;
    const done = progressPrinter(core, jobId);
    try {
      if (format === 'project') {
        const r = await withOverwriteHint(core.api.exportProject({ jobId, path: projectCopyPath(out, file), overwrite }));
        console.log(json ? JSON.stringify(r, null, 2) : `Copied the project to ${r.path} (${megabytes(r.bytes)}).`);
        return 0;
      }
      const r = await withOverwriteHint(
        core.api.exportModel({ jobId, format, dir: path.resolve(out), overwrite, ...(versionId !== undefined ? { versionId } : {}) }),
      );
      if (json) {
        console.log(JSON.stringify(r, null, 2));
        return 0;
      }
      console.log(`Exported ${r.files} files (${megabytes(r.bytes)}) to ${r.dir}.`);
      for (const n of r.notes) console.log(n);
      return 0;
    } finally {
      done();
    }
  },
};

const modelsCommand: Command = {
  name: 'models',
  usage: 'models [--json] | models fetch [ID...] [--dir DIR] [--json]',
  summary:
    'List the backbones (ready, missing or damaged, where found, what a download fetches); fetch downloads, checks, converts and installs them (default: every one not ready) into your models folder, or every one into DIR.',
  async run(argv, core) {
    const args = parseArgs(argv, { dir: 'string', json: 'boolean' });
    const [sub, ...ids] = args.positionals;
    if (sub === undefined) {
      if (args.values.dir !== undefined) throw new UsageError('--dir goes with models fetch.');
      const { models, installDir } = await core.api.modelsList({});
      if (args.values.json) {
        console.log(JSON.stringify(models.map(({ id, name, status, folder, download }) => ({ id, name, status, folder, download })), null, 2));
        return 0;
      }
      for (const m of models) {
        console.log(`${m.id.padEnd(28)} ${m.status.padEnd(8)} ${m.name}`);
        console.log(`  ${m.folder ? `found in ${m.folder}` : 'not found'}; download ${(m.download.bytes / 1e6).toFixed(1)} MB (${m.licence}) from ${m.download.url}`);
        if (m.status === 'damaged' && m.problem) console.log(`  ${m.problem}`);
      }
      if (models.some((m) => m.status !== 'ready')) console.log(`Run \`pancake models fetch\` to install the missing ones into ${installDir}.`);
      return 0;
    }
    if (sub !== 'fetch') throw new UsageError(`Unknown models subcommand "${sub}".`);
    const dir = args.values.dir;
    const jobId = `cli-models-fetch-${process.pid}`;
    const done = progressPrinter(core, jobId);
    let r: ModelsFetchResult;
    try {
      r = await core.api.modelsFetch({ jobId, ...(ids.length ? { ids } : {}), ...(typeof dir === 'string' ? { dir: path.resolve(dir) } : {}) });
    } finally {
      done();
    }
    if (args.values.json) {
      console.log(JSON.stringify(r, null, 2));
      return 0;
    }
    if (r.installed.length === 0) console.log('Every backbone is ready; nothing to fetch.');
    for (const m of r.installed) console.log(`Installed ${m.id} in ${m.dir}.`);
    return 0;
  },
};

export const commands: Command[] = [modelsCommand, importCommand, infoCommand, trainCommand, evaluateCommand, predictCommand, exportCommand, recoverCommand];
