// Every keyboard shortcut of the main window in one place. The preview
// dialog handles its own keys (it is modal); text fields keep theirs.
import { project } from './project.svelte';
import { ui } from './ui.svelte';
import { confirmer } from './confirm.svelte';
import { plural } from './format';
import { toasts } from './toasts.svelte';

export interface GridGeometry {
  /** Images per row, for Up/Down. */
  columns(): number;
  /** Rows per screen, for Page Up/Down. */
  pageRows(): number;
}

function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.closest('input, textarea, select, dialog, [role="menu"], [role="dialog"]') !== null;
}

/** Space and Enter belong to a focused button or link. */
function onControl(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && target.closest('button, a, summary, label') !== null;
}

export async function confirmDelete(ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  const ok = await confirmer.ask({
    title: `Delete ${plural(ids.length, 'image')}?`,
    message: 'They are removed from this project (your original files are not touched). Undo brings them back.',
    confirmLabel: 'Delete',
    danger: true,
  });
  if (ok) await project.deleteImages(ids);
}

/** Opens the class picker for the selection (or the focused image), so classes past 9 have a key too. */
export function openClassPicker(): void {
  const ids = project.targetIds();
  if (ids.length === 0) {
    toasts.show('Select images first: click one, or use the arrow keys.');
    return;
  }
  ui.classPicker = { count: ids.length, onpick: (n) => void project.labelByKey(n, ids) };
}

export function openPreview(): void {
  const id = project.focusId ?? project.targetIds()[0] ?? project.visible[0]?.id;
  if (id !== undefined) ui.previewId = id;
}

/** Installs the window's key handler; returns its removal. */
export function installShortcuts(grid: GridGeometry): () => void {
  const onKey = (e: KeyboardEvent) => {
    if (!project.info || ui.modalOpen || confirmer.pending || ui.menuOpen) return;
    if (typingIn(e.target)) return;
    const mod = e.ctrlKey || e.metaKey;
    const key = e.key;

    if (mod && !e.altKey) {
      const lower = key.toLowerCase();
      if (lower === 'z' && !e.shiftKey) return run(e, () => project.undo());
      if ((lower === 'z' && e.shiftKey) || lower === 'y') return run(e, () => project.redo());
      if (lower === 'a' && ui.view === 'images') return run(e, () => project.selectAll());
      return;
    }
    // The grid's keys belong to the grid; other views handle their own.
    if (e.altKey || ui.view !== 'images') return;

    if (/^[0-9]$/.test(key)) return run(e, () => project.labelByKey(Number(key)));
    switch (key) {
      case 'Backspace':
        return run(e, () => project.labelByKey(0));
      case 'a':
      case 'A':
        return run(e, () => project.acceptGuesses());
      case 'l':
      case 'L':
      case '/':
        return run(e, openClassPicker);
      case 'Delete':
        return run(e, () => confirmDelete(project.targetIds()));
      case 'Escape':
        return run(e, () => project.clearSelection());
      case ' ':
        if (onControl(e.target)) return;
        return run(e, openPreview);
      case 'ArrowLeft':
        return run(e, () => project.moveFocus(-1, e.shiftKey));
      case 'ArrowRight':
        return run(e, () => project.moveFocus(1, e.shiftKey));
      case 'ArrowUp':
        return run(e, () => project.moveFocus(-grid.columns(), e.shiftKey));
      case 'ArrowDown':
        return run(e, () => project.moveFocus(grid.columns(), e.shiftKey));
      case 'PageUp':
        return run(e, () => project.moveFocus(-grid.columns() * grid.pageRows(), e.shiftKey));
      case 'PageDown':
        return run(e, () => project.moveFocus(grid.columns() * grid.pageRows(), e.shiftKey));
      case 'Home':
        return run(e, () => project.moveFocus(-Infinity, e.shiftKey));
      case 'End':
        return run(e, () => project.moveFocus(Infinity, e.shiftKey));
    }
  };
  window.addEventListener('keydown', onKey);
  return () => window.removeEventListener('keydown', onKey);
}

function run(e: KeyboardEvent, action: () => unknown): void {
  e.preventDefault();
  void action();
}
