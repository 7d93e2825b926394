// Shared set-up for the insights tests: a small labelled subset of
// hymenoptera as a class-per-folder tree, imported into a real project.
import fs from 'node:fs';
import path from 'node:path';
import { PancakeCore } from '../../../main/core/core.js';
import { datasetDir } from '../../helpers/datasets.js';
import { tempDir } from '../../helpers/temp.js';

export const HYMENOPTERA = datasetDir('hymenoptera');

/** The first `n` photos of a class in one split, sorted by name. */
export function photos(split: 'train' | 'val', cls: 'ants' | 'bees', n: number, skip = 0): string[] {
  const dir = path.join(HYMENOPTERA, split, cls);
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .slice(skip, skip + n)
    .map((f) => path.join(dir, f));
}

/** Copies photos into <root>/<class>/ so an import labels them by folder. */
export function classFolder(byClass: Record<string, string[]>): string {
  const root = tempDir('pancake-insights-');
  for (const [cls, files] of Object.entries(byClass)) {
    fs.mkdirSync(path.join(root, cls), { recursive: true });
    for (const f of files) fs.copyFileSync(f, path.join(root, cls, path.basename(f)));
  }
  return root;
}

/** A core (as the CLI runs it) with a new project holding the given folder's images. */
export async function projectWith(folder: string): Promise<PancakeCore> {
  const home = tempDir('pancake-insights-home-');
  const core = new PancakeCore({ stateDir: home, host: 'cli' });
  await core.api.projectCreate({ path: path.join(home, 'insights.pancake') });
  await core.api.importPaths({ jobId: 'import', paths: [folder] });
  return core;
}
