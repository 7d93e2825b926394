// The project files in the user's Pancake folder (where bare names are
// created), for a start screen that cannot show a file dialog.
import fs from 'node:fs';
import path from 'node:path';
import type { FolderProject } from '../../contract/types.js';
import { PROJECT_EXTENSION } from '../../db/open.js';

/** Enough to find one's projects; a folder with more is better searched by name. */
const MAX_LISTED = 100;

export function listFolderProjects(dir: string): FolderProject[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return []; // No Pancake folder yet.
  }
  const found: FolderProject[] = [];
  for (const e of entries) {
    if (!e.isFile() || e.name.startsWith('.') || path.extname(e.name).toLowerCase() !== PROJECT_EXTENSION) continue;
    const file = path.join(dir, e.name);
    try {
      const stat = fs.statSync(file);
      found.push({ path: file, name: e.name.slice(0, -PROJECT_EXTENSION.length), modifiedAt: stat.mtimeMs, bytes: stat.size });
    } catch {
      // Gone between listing and stat.
    }
  }
  return found.sort((a, b) => b.modifiedAt - a.modifiedAt).slice(0, MAX_LISTED);
}
