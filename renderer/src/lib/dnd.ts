// Dragging images from the grid onto a class, and a class row to another
// place in the sidebar. Each payload has a private MIME type of its own, so
// file drops from the desktop (type "Files"), images and classes are never
// confused with one another, and a drop elsewhere in the OS carries nothing.
import { plural } from './format';

export const IMAGES_MIME = 'application/x-pancake-images';
export const CLASS_MIME = 'application/x-pancake-class';

export function startImageDrag(e: DragEvent, ids: number[], color: string | null): void {
  const dt = e.dataTransfer;
  if (!dt) return;
  dt.setData(IMAGES_MIME, JSON.stringify(ids));
  dt.effectAllowed = 'move';
  // A small "N images" chip reads better than a ghost of one thumbnail.
  const chip = document.createElement('div');
  chip.className = 'drag-chip';
  chip.textContent = plural(ids.length, 'image');
  if (color) chip.style.borderColor = color;
  document.body.appendChild(chip);
  dt.setDragImage(chip, 12, 12);
  setTimeout(() => chip.remove(), 0);
}

export function carriesImages(e: DragEvent): boolean {
  return e.dataTransfer?.types.includes(IMAGES_MIME) ?? false;
}

export function droppedImages(e: DragEvent): number[] {
  try {
    const ids = JSON.parse(e.dataTransfer?.getData(IMAGES_MIME) ?? '[]') as unknown;
    return Array.isArray(ids) ? ids.filter((id): id is number => Number.isInteger(id)) : [];
  } catch {
    return [];
  }
}

export function carriesFiles(e: DragEvent): boolean {
  return e.dataTransfer?.types.includes('Files') ?? false;
}

export function startClassDrag(e: DragEvent, id: number): void {
  const dt = e.dataTransfer;
  if (!dt) return;
  dt.setData(CLASS_MIME, String(id));
  dt.effectAllowed = 'move';
}

/** Known while dragging over (only the types are readable then), so the sidebar can show where the row would land. */
export function carriesClass(e: DragEvent): boolean {
  return e.dataTransfer?.types.includes(CLASS_MIME) ?? false;
}

/** The dragged class's id; readable when the drag starts and at the drop. */
export function draggedClass(e: DragEvent): number | null {
  const id = Number(e.dataTransfer?.getData(CLASS_MIME) ?? '');
  return Number.isInteger(id) && id > 0 ? id : null;
}
