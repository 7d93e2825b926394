// Which dialogs and panels are open. Kept apart from the project state so
// the keyboard module can ask "is a dialog in the way?" in one place.
class Ui {
  /** The image shown large, or null. */
  previewId = $state<number | null>(null);
  projectDialog = $state<'new' | 'open' | null>(null);
  historyOpen = $state(false);
  /** An open menu or inline editor owns the keyboard while it is open. */
  menuOpen = $state(false);

  get modalOpen(): boolean {
    return this.previewId !== null || this.projectDialog !== null || this.historyOpen;
  }
}

export const ui = new Ui();
