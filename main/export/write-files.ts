// Writing an export so that a failed or cancelled one leaves nothing behind.
// Files are first written into a hidden staging folder inside the output
// folder (the same file system, so moving them is a rename) and moved into
// place only once every one of them is complete. Files that already exist
// are replaced only when the user allowed it.
import { UserError } from '../../contract/errors.js';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fsReason } from '../import/skip-error.js';

export class ExportError extends UserError {
  constructor(message: string) {
    super('ExportError', message);
  }
}

export interface OverwriteOption {
  /** Replace files that already exist instead of refusing. */
  overwrite: boolean;
}

/** Hidden, so that Pancake's import and file managers pass over a staging folder a crash left behind. */
const STAGING_PREFIX = '.pancake-export-';

const WRITE_REASONS: Record<string, string> = {
  EROFS: 'the disk is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  ENOTDIR: 'part of that path is a file, not a folder',
  ENOENT: 'a folder on the way does not exist',
};

const errnoCode = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | undefined)?.code;

/** An ExportError naming what could not be written and why, in words. */
export function cannotWrite(target: string, err: unknown): ExportError {
  const code = errnoCode(err);
  return new ExportError(`Pancake cannot write to ${target}: ${(code && WRITE_REASONS[code]) ?? fsReason(err)}`);
}

const alreadyExists = (target: string): ExportError =>
  new ExportError(`${target} already exists; choose another folder or allow replacing files`);

async function lstatOrNull(target: string): Promise<fs.Stats | null> {
  try {
    return await fsp.lstat(target);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw cannotWrite(target, err);
  }
}

/** A '/'-separated relative path as an absolute path inside `dir`; refuses anything that would climb out. */
function inside(dir: string, rel: string): string {
  const target = path.resolve(dir, ...rel.split('/'));
  const back = path.relative(dir, target);
  if (back === '' || back.startsWith('..') || path.isAbsolute(back)) {
    throw new ExportError(`Pancake will not write "${rel}": it is not a name inside ${dir}.`);
  }
  return target;
}

/**
 * Makes sure `dir` is a folder Pancake can write to (creating it if
 * missing) and that none of `names` ('/'-separated paths inside it) exists
 * yet, unless overwriting is allowed.
 */
export async function prepareOutputDir(dir: string, names: readonly string[], opts: OverwriteOption): Promise<void> {
  const abs = path.resolve(dir);
  let stats: fs.Stats | null;
  try {
    stats = await fsp.stat(abs);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw cannotWrite(abs, err);
    stats = null;
  }
  if (stats && !stats.isDirectory()) throw new ExportError(`${abs} is a file, not a folder; choose a folder for the export`);
  if (!stats) {
    try {
      await fsp.mkdir(abs, { recursive: true });
    } catch (err) {
      throw cannotWrite(abs, err);
    }
  }
  // Permission bits do not tell the whole story (ACLs, read-only mounts,
  // network shares), so the only reliable test is to write something.
  const probe = await StagedOutput.create(abs);
  await probe.discard();
  if (opts.overwrite) return;
  for (const name of names) {
    const target = inside(abs, name);
    if (await lstatOrNull(target)) throw alreadyExists(target);
  }
}

/** Files written into a staging folder, then moved into the output folder all at once, or not at all. */
export class StagedOutput {
  private readonly madeDirs = new Set<string>();

  private constructor(
    /** The output folder. */
    readonly dir: string,
    private readonly root: string,
  ) {}

  /** `dir` must exist. */
  static async create(dir: string): Promise<StagedOutput> {
    const abs = path.resolve(dir);
    try {
      return new StagedOutput(abs, await fsp.mkdtemp(path.join(abs, STAGING_PREFIX)));
    } catch (err) {
      throw cannotWrite(abs, err);
    }
  }

  /** Where to write `rel` (a '/'-separated path inside the output folder) until commit; its folder exists. */
  async pathFor(rel: string): Promise<string> {
    const target = inside(this.root, rel);
    const parent = path.dirname(target);
    if (!this.madeDirs.has(parent)) {
      try {
        await fsp.mkdir(parent, { recursive: true });
      } catch (err) {
        throw cannotWrite(this.dir, err);
      }
      this.madeDirs.add(parent);
    }
    return target;
  }

  async writeFile(rel: string, data: Uint8Array): Promise<void> {
    const target = await this.pathFor(rel);
    try {
      await fsp.writeFile(target, data, { flag: 'wx' });
    } catch (err) {
      throw cannotWrite(this.dir, err);
    }
  }

  /** Moves everything into the output folder; checks for conflicts before moving anything. */
  async commit(opts: OverwriteOption): Promise<void> {
    await this.check(this.root, this.dir, opts.overwrite);
    await this.move(this.root, this.dir);
    await this.discard();
  }

  /** Removes the staging folder and whatever it holds. */
  async discard(): Promise<void> {
    await fsp.rm(this.root, { recursive: true, force: true });
  }

  private async check(from: string, to: string, overwrite: boolean): Promise<void> {
    for (const entry of await fsp.readdir(from, { withFileTypes: true })) {
      const target = path.join(to, entry.name);
      const existing = await lstatOrNull(target);
      if (!existing) continue;
      if (entry.isDirectory() && existing.isDirectory()) {
        await this.check(path.join(from, entry.name), target, overwrite);
      } else if (entry.isDirectory() || existing.isDirectory()) {
        // Replacing a folder by a file (or the reverse) would delete more than the user asked for.
        throw new ExportError(`${target} already exists as a ${existing.isDirectory() ? 'folder' : 'file'}; choose another folder`);
      } else if (!overwrite) {
        throw alreadyExists(target);
      }
    }
  }

  private async move(from: string, to: string): Promise<void> {
    for (const entry of await fsp.readdir(from, { withFileTypes: true })) {
      const source = path.join(from, entry.name);
      const target = path.join(to, entry.name);
      const existing = await lstatOrNull(target);
      try {
        // A whole new folder moves in one rename; an existing one is merged into.
        if (existing?.isDirectory()) await this.move(source, target);
        else await fsp.rename(source, target);
      } catch (err) {
        throw err instanceof ExportError ? err : cannotWrite(target, err);
      }
    }
  }
}

/**
 * Writes a few in-memory files (a model and what travels with it) into
 * `dir`: all of them, or, when anything fails, none.
 */
export async function writeFilesAtomically(
  dir: string,
  files: ReadonlyMap<string, Uint8Array>,
  opts: OverwriteOption,
): Promise<void> {
  await prepareOutputDir(dir, [...files.keys()], opts);
  const stage = await StagedOutput.create(dir);
  try {
    for (const [name, data] of files) await stage.writeFile(name, data);
    await stage.commit(opts);
  } catch (err) {
    await stage.discard();
    throw err;
  }
}
