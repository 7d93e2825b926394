// Writes the labelled images as a folder dataset that Pancake's own import,
// PyTorch's ImageFolder and Keras' image_dataset_from_directory all read:
//
//   <out>/train|val|test/<class>/<file>   images in a split
//   <out>/<class>/<file>                   images in no split
//   <out>/labels.csv                       one row per image, with the exact class name
//
// Images in no split stay at the top level instead of joining train/:
// Pancake's import reads <root>/<class>/ as "no split" and <root>/train/ as
// the training split, so re-importing an export gives back the same classes
// with the same count in every split. Class folders are named so that the
// import reads each back as its class (a class called "test" becomes "_test",
// or it would be taken for a split folder); labels.csv keeps the real names.
// Cells a spreadsheet would run as a formula (OWASP's CSV injection list:
// a leading = + - @ tab or carriage return) are defused reversibly: a path
// gains "./" (the same file to any program), a class name gains a leading
// apostrophe (spreadsheets' mark for text), and so does a name that already
// starts with one, so dropping one leading apostrophe gives the exact name.
// A project without splits thus gives the plain <out>/<class>/ layout; in a
// project with both, tools pointed at train/ miss the unsplit images, which
// labels.csv lists with split "none".
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { exportedImages, unlabelledCount, type ExportedImage } from '../../db/dataset-queries.js';
import type { ProjectStore } from '../../db/project-store.js';
import type { ImageFormat, Split } from '../../contract/types.js';
import { placementOf } from '../import/layout.js';
import { safeFileName, safeFileNames } from './safe-names.js';
import { cannotWrite, ExportError, prepareOutputDir, StagedOutput } from './write-files.js';

export interface DatasetExportOptions {
  /** Replace files that already exist in the output folder. */
  overwrite?: boolean;
  signal?: AbortSignal;
  /** Counts labelled images; called after each one, so pace it before forwarding it to a UI. */
  onProgress?(done: number, total: number): void;
}

export interface DatasetExportResult {
  /** Image files written (labels.csv not included). */
  files: number;
  /** Their total size. */
  bytes: number;
  /** Path of labels.csv. */
  csv: string;
  /** Images left out because they have no class. */
  skippedUnlabelled: number;
  /** Images written as Pancake's JPEG copy: imported before originals were kept, and their file is gone or has changed. */
  copies: number;
}

export const CSV_NAME = 'labels.csv';
const CSV_COLUMNS = ['file', 'class', 'split', 'provenance', 'original_path', 'sha256', 'content'];

/** The names Pancake's import (layout.ts) and the common training tools recognise; null: the top level. */
const SPLIT_FOLDERS: Record<Split, string | null> = { train: 'train', validation: 'val', test: 'test', none: null };

/** The extensions training tools accept for each format; the first is the one added when a name has none. */
const FORMAT_EXTENSIONS: Record<ImageFormat, readonly string[]> = {
  jpeg: ['jpg', 'jpeg'],
  png: ['png'],
  webp: ['webp'],
  gif: ['gif'],
  avif: ['avif'],
  tiff: ['tif', 'tiff'],
  bmp: ['bmp'],
};
const IMAGE_EXTENSIONS = new Set(Object.values(FORMAT_EXTENSIONS).flat());

/** Characters of CSV text gathered before a write; keeps the number of writes low without holding the whole file. */
const CSV_FLUSH_CHARS = 64 * 1024;

/** True when Pancake's import reads `folder` back as a class of exactly that name, at the top level and in a split. */
function readsBackAs(folder: string): boolean {
  return (
    placementOf(`export/${folder}/image.jpg`)?.className === folder &&
    placementOf(`export/train/${folder}/image.jpg`)?.className === folder
  );
}

/**
 * One folder name per class, in the same order: safe, distinct, never a
 * name already taken at the top level, and read back by the import as that
 * class. Names the import would take for a split ("val") or skip as system
 * junk ("Thumbs.db") get a leading underscore.
 */
function classFolderNames(classNames: readonly string[]): string[] {
  const taken = [...Object.values(SPLIT_FOLDERS).filter((f) => f !== null), CSV_NAME];
  const wanted = classNames.map((name) => {
    const safe = safeFileName(name);
    return readsBackAs(safe) ? safe : safeFileName(`_${safe}`);
  });
  return safeFileNames([...taken, ...wanted]).slice(taken.length);
}

/** The name's image extension, if it has one training tools recognise. */
function imageExtension(name: string): string | null {
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  return IMAGE_EXTENSIONS.has(ext) ? ext : null;
}

/** Originals keep their name, gaining an extension if theirs would not be recognised; JPEG copies end in .jpg. */
function outputName(fileName: string, format: ImageFormat, copy: boolean): string {
  const safe = safeFileName(fileName);
  const ext = imageExtension(safe);
  if (!copy) return ext ? safe : `${safe}.${FORMAT_EXTENSIONS[format][0]}`;
  return `${ext ? safe.slice(0, -ext.length - 1) : safe}.jpg`;
}

/** Distinct file names within one folder, compared as case-insensitive file systems do. */
class FolderNames {
  private readonly used = new Set<string>();

  /** `name`, or `name_2.ext`, `name_3.ext`… when it is taken. */
  take(name: string): string {
    const dot = name.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? name : `${stem}_${n}${ext}`;
      if (!this.used.has(candidate.toLowerCase())) {
        this.used.add(candidate.toLowerCase());
        return candidate;
      }
    }
  }

  release(name: string): void {
    this.used.delete(name.toLowerCase());
  }
}

/** What makes a spreadsheet read a cell as a formula, or as the start of one. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** A relative path a spreadsheet would run, written as the same path from "./". */
function pathCell(value: string): string {
  return FORMULA_START.test(value) ? `./${value}` : value;
}

/** Text a spreadsheet would run, or that starts with the apostrophe used to escape it, behind one more apostrophe. */
function textCell(value: string): string {
  return FORMULA_START.test(value) || value.startsWith("'") ? `'${value}` : value;
}

/** RFC 4180 quoting; edge spaces are quoted too, since some readers trim them otherwise. */
function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

class CsvFile {
  private pending = '';

  private constructor(private readonly handle: fsp.FileHandle) {}

  static async create(file: string): Promise<CsvFile> {
    return new CsvFile(await fsp.open(file, 'wx'));
  }

  async row(fields: readonly string[]): Promise<void> {
    this.pending += `${fields.map(csvField).join(',')}\r\n`;
    if (this.pending.length >= CSV_FLUSH_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    await this.handle.write(this.pending);
    this.pending = '';
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/**
 * The original file, when it is still where it was imported from with the
 * same size. Uploads through the browser host record only the dropped
 * relative path, which says nothing about this machine's disk.
 */
async function originalOnDisk(image: ExportedImage): Promise<string | null> {
  if (!path.isAbsolute(image.sourcePath)) return null;
  const stats = await fsp.stat(image.sourcePath).catch(() => null);
  return stats?.isFile() && stats.size === image.byteSize ? image.sourcePath : null;
}

/**
 * Streams `source` to `dest`, hashing on the way; true when the bytes are the
 * ones imported. A read failure counts as "not the original"; a write
 * failure is thrown. `dest` is removed when the answer is false.
 */
async function copyVerified(source: string, dest: string, sha256: string, signal: AbortSignal | undefined): Promise<boolean> {
  const hash = createHash('sha256');
  async function* hashed(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of createReadStream(source)) {
        hash.update(chunk as Buffer);
        yield chunk as Buffer;
      }
    } catch {
      // The shortened content cannot match the hash below.
    }
  }
  await pipeline(hashed(), createWriteStream(dest, { flags: 'wx' }), signal ? { signal } : {});
  if (hash.digest('hex') === sha256) return true;
  await fsp.rm(dest, { force: true });
  return false;
}

interface Written {
  rel: string;
  bytes: number;
  copy: boolean;
}

async function writeImage(
  store: ProjectStore,
  stage: StagedOutput,
  folder: string,
  names: FolderNames,
  image: ExportedImage,
  signal: AbortSignal | undefined,
): Promise<Written | null> {
  // Kept in the project since it was imported: exactly what the user gave, whatever the host.
  const kept = store.original(image.id);
  if (kept !== null) {
    const rel = `${folder}/${names.take(outputName(image.fileName, image.format, false))}`;
    await stage.writeFile(rel, kept);
    return { rel, bytes: kept.length, copy: false };
  }
  // Imported before Pancake kept originals: the file on disk, if it is still the same.
  const original = await originalOnDisk(image);
  if (original !== null) {
    const rel = `${folder}/${names.take(outputName(image.fileName, image.format, false))}`;
    if (await copyVerified(original, await stage.pathFor(rel), image.sha256, signal)) {
      return { rel, bytes: image.byteSize, copy: false };
    }
    names.release(path.posix.basename(rel));
  }
  const pixels = store.normalized(image.id);
  // Deleted from the project since the export started.
  if (pixels === null) return null;
  const rel = `${folder}/${names.take(outputName(image.fileName, image.format, true))}`;
  await stage.writeFile(rel, pixels.bytes);
  return { rel, bytes: pixels.bytes.length, copy: true };
}

/** File-system failures while writing become a readable ExportError; others (cancel, bugs) pass through. */
function asExportError(err: unknown, dir: string): unknown {
  return err instanceof Error && 'syscall' in err ? cannotWrite(dir, err) : err;
}

export async function exportDataset(
  store: ProjectStore,
  outDir: string,
  opts: DatasetExportOptions = {},
): Promise<DatasetExportResult> {
  const { signal, onProgress } = opts;
  const overwrite = opts.overwrite ?? false;
  signal?.throwIfAborted();
  const dir = path.resolve(outDir);

  // Read in one go, with nothing in between, so rows and class names agree.
  const images = exportedImages(store);
  const classes = store.classes();
  const skippedUnlabelled = unlabelledCount(store);
  if (images.length === 0) throw new ExportError('No image has a class yet, so there is nothing to export.');

  const folderNames = classFolderNames(classes.map((c) => c.name));
  const classFolder = new Map(classes.map((c, i) => [c.id, folderNames[i]!]));
  const className = new Map(classes.map((c) => [c.id, c.name]));
  const folderOf = (image: ExportedImage): string => {
    const split = SPLIT_FOLDERS[image.split];
    return split === null ? classFolder.get(image.classId)! : `${split}/${classFolder.get(image.classId)!}`;
  };

  const topLevel = new Set([CSV_NAME, ...images.map((image) => folderOf(image).split('/')[0]!)]);
  await prepareOutputDir(dir, [...topLevel], { overwrite });
  const stage = await StagedOutput.create(dir);
  try {
    const result: DatasetExportResult = { files: 0, bytes: 0, csv: path.join(dir, CSV_NAME), skippedUnlabelled, copies: 0 };
    const csv = await CsvFile.create(await stage.pathFor(CSV_NAME));
    try {
      await csv.row(CSV_COLUMNS);
      let folder = '';
      let names = new FolderNames();
      onProgress?.(0, images.length);
      for (const [i, image] of images.entries()) {
        signal?.throwIfAborted();
        if (folderOf(image) !== folder) {
          folder = folderOf(image);
          names = new FolderNames();
        }
        const written = await writeImage(store, stage, folder, names, image, signal);
        if (written) {
          result.files++;
          result.bytes += written.bytes;
          if (written.copy) result.copies++;
          await csv.row([
            pathCell(written.rel),
            textCell(className.get(image.classId)!),
            image.split,
            image.labelSource,
            pathCell(image.sourcePath),
            image.sha256,
            written.copy ? 'jpeg_copy' : 'original',
          ]);
        }
        onProgress?.(i + 1, images.length);
      }
      await csv.flush();
    } finally {
      await csv.close();
    }
    signal?.throwIfAborted();
    await stage.commit({ overwrite });
    return result;
  } catch (err) {
    await stage.discard();
    throw asExportError(err, dir);
  }
}
