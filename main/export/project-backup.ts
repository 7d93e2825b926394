// A copy of the open project, taken while it stays open and in use, page by
// page (db/backup-pages.ts); copying the file itself could miss changes that
// still sit in its -wal file, or catch a page half-written.
import { randomUUID } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { copyProjectPages } from '../../db/backup-pages.js';
import { ProjectStore } from '../../db/project-store.js';
import { cannotWrite, ExportError, prepareOutputDir } from './write-files.js';

export interface BackupOptions {
  /** Replace an existing file at the destination (never the open project itself). */
  overwrite?: boolean;
  /** In database pages. */
  onProgress?(done: number, total: number): void;
}

/** Files SQLite keeps beside a database; writing over any of them would damage it. */
const DATABASE_FILES = ['', '-wal', '-shm', '-journal'];
/** Left beside a database that is open or was not closed properly; SQLite would replay them into a new file of that name. */
const LIVE_SIDE_FILES = ['-wal', '-journal'];

/** Same path, or the same file reached another way (a link, another spelling on a case-insensitive disk). */
async function sameFile(a: string, b: string): Promise<boolean> {
  if (a === b) return true;
  const [sa, sb] = await Promise.all([fsp.stat(a).catch(() => null), fsp.stat(b).catch(() => null)]);
  return sa !== null && sb !== null && sa.ino !== 0 && sa.dev === sb.dev && sa.ino === sb.ino;
}

async function refuseDangerousDestination(project: string, dest: string): Promise<void> {
  for (const suffix of DATABASE_FILES) {
    if (await sameFile(`${project}${suffix}`, dest)) {
      throw new ExportError(
        suffix === ''
          ? `${dest} is the open project itself; choose another name for the backup`
          : `${dest} belongs to the open project; choose another name for the backup`,
      );
    }
  }
  for (const suffix of LIVE_SIDE_FILES) {
    const stats = await fsp.stat(`${dest}${suffix}`).catch(() => null);
    if (stats && stats.size > 0) {
      throw new ExportError(
        `${dest}${suffix} exists, so ${dest} may be open in Pancake or was not closed properly; close it or choose another name for the backup`,
      );
    }
  }
}

function asBackupError(err: unknown, dest: string): unknown {
  if (err instanceof Error && 'syscall' in err) return cannotWrite(dest, err);
  if (err instanceof Error && err.name === 'SqliteError') {
    return new ExportError(`Pancake could not write the backup ${dest}: ${err.message}`);
  }
  return err;
}

/** Copies the open project to `destFile`, which opens as a project with the same content, on its own (no -wal needed). */
export async function backupProject(
  store: ProjectStore,
  destFile: string,
  opts: BackupOptions = {},
): Promise<{ bytes: number }> {
  const dest = path.resolve(destFile);
  await refuseDangerousDestination(store.file, dest);
  const dir = path.dirname(dest);
  await prepareOutputDir(dir, [path.basename(dest)], { overwrite: opts.overwrite ?? false });

  // Hidden, and only renamed to `dest` once complete: a failed backup never leaves a file that looks like one.
  const temp = path.join(dir, `.${path.basename(dest)}.${randomUUID()}.tmp`);
  try {
    await copyProjectPages(store, temp, opts.onProgress);
    // Opening checks the copy is a project; closing checkpoints, so all of it is in the one file.
    ProjectStore.open(temp).close();
    await fsp.rename(temp, dest);
  } catch (err) {
    await Promise.all(DATABASE_FILES.map((suffix) => fsp.rm(`${temp}${suffix}`, { force: true })));
    throw asBackupError(err, dest);
  }
  return { bytes: (await fsp.stat(dest)).size };
}
