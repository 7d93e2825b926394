// Files a person drops or picks to try: folders are walked (entries, as the
// importer does), system files skipped.
import type { ClassConfidence } from '../../../../main/api/types.js';

/** One image tried on the model, as the Try it view shows it. */
export interface Tried {
  key: number;
  name: string;
  url: string;
  file: File;
  predictions: ClassConfidence[] | null;
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

const isSystemFile = (name: string) => name.startsWith('.') || /^(thumbs\.db|desktop\.ini)$/i.test(name);

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function readAll(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const out: FileSystemEntry[] = [];
  // readEntries hands out at most ~100 entries per call; empty means done.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return out;
    out.push(...batch);
  }
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
