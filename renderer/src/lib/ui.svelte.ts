// Which dialogs and panels are open. Kept apart from the project state so
// the keyboard module can ask "is a dialog in the way?" in one place.
/** The workspace's views, in tab order. */
export const VIEWS = [
  { id: 'images', label: 'Images' },
  { id: 'train', label: 'Train' },
  { id: 'evaluate', label: 'Evaluate' },
  { id: 'suggest', label: 'Suggestions' },
  { id: 'duplicates', label: 'Duplicates' },
  { id: 'try', label: 'Try it' },
] as const;
export type ViewId = (typeof VIEWS)[number]['id'];

class Ui {
  /** Which workspace view fills the main area. */
  view = $state<ViewId>('images');
  /** The image shown large, or null. */
  previewId = $state<number | null>(null);
  projectDialog = $state<'new' | 'open' | null>(null);
  historyOpen = $state(false);
  /** An open menu or inline editor owns the keyboard while it is open. */
  menuOpen = $state(false);
  /** The class picker (L or /): for how many images, and what picking class number n does. */
  classPicker = $state<{ count: number; onpick(n: number): void } | null>(null);

  get modalOpen(): boolean {
    return this.previewId !== null || this.projectDialog !== null || this.historyOpen || this.classPicker !== null;
  }
}

export const ui = new Ui();
