// Files a person drops or picks to try: folders are walked (entries, as the
// importer does), system files skipped.
import type { ClassConfidence } from '../../../../contract/types.js';
import { fileOf, isSystemFile, readAll } from '../../lib/dropped-files';

/** One image tried on the model, as the Try it view shows it. */
export interface Tried {
  key: number;
  name: string;
  url: string;
  file: File;
  predictions: ClassConfidence[] | null;
  /** Unlike every image the model was trained on: its guesses are shown dimmed. */
  outOfSet: boolean;
  error: string | null;
  /** Round trip of the prediction, as the person waited for it. */
  ms: number | null;
  addedId: number | null;
  adding: boolean;
}

export interface TriedFile {
  name: string;
  file: File;
}

/** Entries must be taken during the drop event; the walk may come after. */
export function droppedEntries(dt: DataTransfer): { entries: FileSystemEntry[]; files: File[] } {
  const entries = [...dt.items]
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry())
    .filter((e): e is FileSystemEntry => e !== null);
  return { entries, files: entries.length > 0 ? [] : [...dt.files] };
}

export async function walkEntries(entries: FileSystemEntry[], limit: number): Promise<TriedFile[]> {
  const out: TriedFile[] = [];
  const stack = [...entries].reverse();
  while (stack.length > 0 && out.length < limit) {
    const entry = stack.pop()!;
    if (isSystemFile(entry.name) && entry.fullPath.replace(/^\/+/, '').includes('/')) continue;
    if (entry.isDirectory) stack.push(...(await readAll(entry as FileSystemDirectoryEntry)).reverse());
    else out.push({ name: entry.fullPath.replace(/^\/+/, ''), file: await fileOf(entry as FileSystemFileEntry) });
  }
  return out;
}

export function pickedFiles(files: File[]): TriedFile[] {
  return files.filter((f) => !isSystemFile(f.name)).map((f) => ({ name: f.webkitRelativePath || f.name, file: f }));
}
