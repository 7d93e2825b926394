// Where the tests' photos come from: `../shared/datasets/<name>` on the
// development machines, otherwise a per-user cache filled once from the
// dataset's public source (or PANCAKE_MIRROR) and checked file by file against
// a checksum list committed in test/data. The photos are never committed.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { download } from './download.js';
import { repoRoot, sharedDir } from './temp.js';

export interface DatasetFile {
  split: string;
  className: string;
  file: string;
  bytes: number;
  width: number;
  height: number;
  /** Lower case, as the importer reports it: jpeg, gif. */
  format: string;
  sha256: string;
}

/** A dataset published as one archive whose own checksum is not pinned, so each file in it is checked instead. */
interface ZipSource {
  url: string;
  /** Its name on a PANCAKE_MIRROR. */
  fileName: string;
  /** Folder the archive keeps the dataset in: `<root>/<split>/<class>/<file>`. */
  root: string;
}

const DOWNLOADABLE: Record<string, ZipSource> = {
  hymenoptera: {
    url: 'https://download.pytorch.org/tutorial/hymenoptera_data.zip',
    fileName: 'hymenoptera_data.zip',
    root: 'hymenoptera_data',
  },
};

export const sharedDatasetsDir = path.join(sharedDir, 'datasets');

/** $PANCAKE_TEST_CACHE, else ~/.cache/pancake-test. */
export function testCacheDir(): string {
  return path.resolve(process.env.PANCAKE_TEST_CACHE || path.join(os.homedir(), '.cache', 'pancake-test'));
}

export function isDownloadable(name: string): boolean {
  return name in DOWNLOADABLE;
}

/** The committed list of a dataset's files: test/data/<name>.tsv. */
export function datasetManifest(name: string): DatasetFile[] {
  const file = path.join(repoRoot, 'test', 'data', `${name}.tsv`);
  const [header, ...lines] = fs.readFileSync(file, 'utf8').trim().split('\n');
  if (header !== 'split\tclass\tfile\tbytes\twidth\theight\tformat\tsha256') throw new Error(`${file} does not have the expected columns`);
  return lines.map((line) => {
    const [split, className, name_, bytes, width, height, format, sha256] = line.split('\t') as [string, string, string, string, string, string, string, string];
    return { split, className, file: name_, bytes: Number(bytes), width: Number(width), height: Number(height), format: format.toLowerCase(), sha256 };
  });
}

const relativeOf = (f: DatasetFile): string => `${f.split}/${f.className}/${f.file}`;

/** Cheap check that a cached copy is whole: every listed file with its size (the checksums were checked when it was filled). */
function cacheLooksWhole(dir: string, files: DatasetFile[]): boolean {
  return files.every((f) => {
    try {
      return fs.statSync(path.join(dir, relativeOf(f))).size === f.bytes;
    } catch {
      return false;
    }
  });
}

export type DatasetOrigin = 'shared' | 'cache';

/** Where a dataset already is, without downloading anything. */
export function findDataset(name: string, cacheRoot: string = testCacheDir()): { dir: string; origin: DatasetOrigin } | null {
  const shared = path.join(sharedDatasetsDir, name);
  if (fs.existsSync(shared)) return { dir: shared, origin: 'shared' };
  const cached = path.join(cacheRoot, name);
  if (isDownloadable(name) && fs.existsSync(cached) && cacheLooksWhole(cached, datasetManifest(name))) return { dir: cached, origin: 'cache' };
  return null;
}

/** The folder of a dataset, laid out as `<split>/<class>/<file>`; `node dist/test/prepare.js` fills it where ../shared is absent. */
export function datasetDir(name: string): string {
  const found = findDataset(name);
  if (found) return found.dir;
  throw new Error(
    `The test photos "${name}" are neither in ${path.join(sharedDatasetsDir, name)} nor in the cache ${path.join(testCacheDir(), name)}; ` +
      (isDownloadable(name) ? 'run `node dist/test/prepare.js` (npm test does) to download them.' : 'this dataset is only available from ../shared.'),
  );
}

export class DatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetError';
  }
}

export interface EnsureOptions {
  cacheRoot?: string;
  /** Base URL of a mirror holding `<archive file name>`; defaults to $PANCAKE_MIRROR, else the public source. */
  mirror?: string;
  onProgress?: (received: number, total: number | null) => void;
}

/**
 * Makes sure `<cacheRoot>/<name>` holds every file of the dataset, downloading
 * the archive when it does not. The archive is unpacked into a temporary
 * folder beside the cache and renamed into place only once every file matched
 * its checksum, so a failed or interrupted run leaves nothing half-filled.
 */
export async function ensureDataset(name: string, options: EnsureOptions = {}): Promise<{ dir: string; downloaded: boolean; url?: string }> {
  const source = DOWNLOADABLE[name];
  if (!source) throw new DatasetError(`The dataset "${name}" has no public source to download it from.`);
  const cacheRoot = path.resolve(options.cacheRoot ?? testCacheDir());
  const target = path.join(cacheRoot, name);
  const files = datasetManifest(name);
  if (fs.existsSync(target) && cacheLooksWhole(target, files)) return { dir: target, downloaded: false };

  const mirror = options.mirror ?? process.env.PANCAKE_MIRROR;
  const url = mirror ? `${mirror.replace(/\/+$/, '')}/${source.fileName}` : source.url;
  const archive = await download(url, { onProgress: options.onProgress });

  const wanted = new Map(files.map((f) => [`${source.root}/${relativeOf(f)}`, f]));
  let entries: Record<string, Uint8Array>;
  try {
    // Only the listed files are unpacked: the public zip may carry extras such as __MACOSX/.
    entries = unzipSync(archive, { filter: (entry) => wanted.has(entry.name) });
  } catch (err) {
    throw new DatasetError(`${url} is not a readable zip archive (${(err as Error).message}).`);
  }
  const problems: string[] = [];
  for (const [entryName, f] of wanted) {
    const data = entries[entryName];
    if (!data) problems.push(`${entryName} is missing from it`);
    else if (createHash('sha256').update(data).digest('hex') !== f.sha256) problems.push(`${entryName} does not match its sha256 ${f.sha256}`);
  }
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more file${problems.length > 2 ? 's' : ''})` : '';
    throw new DatasetError(`The download from ${url} was refused: ${problems[0]}${more}. Nothing was added to the cache ${cacheRoot}.`);
  }

  fs.mkdirSync(cacheRoot, { recursive: true });
  const staging = fs.mkdtempSync(path.join(cacheRoot, `.${name}-`));
  try {
    for (const [entryName, f] of wanted) {
      const out = path.join(staging, relativeOf(f));
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, entries[entryName]!);
    }
    // The folder describes itself as ../shared/datasets/<name> does, so tests see the same layout either way.
    fs.copyFileSync(path.join(repoRoot, 'test', 'data', `${name}.tsv`), path.join(staging, 'MANIFEST.tsv'));
    fs.writeFileSync(
      path.join(staging, 'SOURCE.md'),
      `# ${name}\n\nDownloaded from ${url} on ${new Date().toISOString().slice(0, 10)}; ` +
        `all ${files.length} files matched the sha256 listed in test/data/${name}.tsv.\n`,
    );
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(staging, target);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return { dir: target, downloaded: true, url };
}

/**
 * Copies an even spread of `count` photos of one dataset folder (not its first
 * files) into `to`, for tests whose claim holds on a few real photos; returns
 * the copies.
 */
export function samplePhotos(from: string, to: string, count: number): string[] {
  const all = fs.readdirSync(from).filter((f) => /\.jpe?g$/i.test(f)).sort();
  if (count > all.length) throw new Error(`${from} has ${all.length} photos, fewer than the ${count} asked for`);
  fs.mkdirSync(to, { recursive: true });
  return Array.from({ length: count }, (_, k) => {
    const name = all[Math.floor((k * all.length) / count)]!;
    fs.copyFileSync(path.join(from, name), path.join(to, name));
    return path.join(to, name);
  });
}
