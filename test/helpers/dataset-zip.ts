// A zip of a dataset folder in the layout of its public archive
// (`<root>/<split>/<class>/<file>`), so a local mirror can stand in for the
// public source. Only the photos go in, not the folder's own notes.
import fs from 'node:fs';
import path from 'node:path';
import { zipSync, type Zippable } from 'fflate';

export interface DatasetZipOptions {
  /** The archive's top folder; hymenoptera's public zip uses `hymenoptera_data`. */
  root: string;
  /** Entries to add or to put in place of a photo, by their full name inside the archive. */
  entries?: Record<string, Uint8Array>;
  /** Full names of photos to leave out. */
  omit?: string[];
}

export function zipDataset(dir: string, options: DatasetZipOptions): Uint8Array {
  const files: Zippable = {};
  for (const split of fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory())) {
    for (const cls of fs.readdirSync(path.join(dir, split.name), { withFileTypes: true }).filter((e) => e.isDirectory())) {
      for (const file of fs.readdirSync(path.join(dir, split.name, cls.name), { withFileTypes: true }).filter((e) => e.isFile())) {
        const name = `${options.root}/${split.name}/${cls.name}/${file.name}`;
        files[name] = new Uint8Array(fs.readFileSync(path.join(dir, split.name, cls.name, file.name)));
      }
    }
  }
  for (const name of options.omit ?? []) delete files[name];
  Object.assign(files, options.entries ?? {});
  // Photos are compressed already: storing them keeps building the zip fast.
  return zipSync(files, { level: 0 });
}
