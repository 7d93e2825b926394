// Copies an open project's pages into a new file through SQLite's online
// backup API, which copies under SQLite's own locks, so the copy is one
// consistent snapshot even while the project stays in use.
import { connectionOf } from './connection.js';
import type { ProjectStore } from './project-store.js';

/** Small steps return the event loop to the main process between them. */
const PAGES_PER_STEP = 256;
/** The largest step better-sqlite3 takes: in effect, all remaining pages. */
const ALL_PAGES = 0x7fffffff;

/** `onProgress` counts database pages. */
export async function copyProjectPages(store: ProjectStore, dest: string, onProgress?: (done: number, total: number) => void): Promise<void> {
  let pagesPerStep = PAGES_PER_STEP;
  let lastRemaining = Infinity;
  const { totalPages } = await connectionOf(store).backup(dest, {
    progress: ({ totalPages, remainingPages }) => {
      // A commit through another connection (not through the store's, whose
      // writes SQLite mirrors into the copy) restarts the backup at page one.
      // One step copying everything left reads a single snapshot, so a busy
      // writer cannot keep the backup from ever finishing.
      if (remainingPages >= lastRemaining) pagesPerStep = ALL_PAGES;
      lastRemaining = remainingPages;
      onProgress?.(totalPages - remainingPages, totalPages);
      return pagesPerStep;
    },
  });
  onProgress?.(totalPages, totalPages);
}
