// Dragging images from the grid onto a class. The payload is a private MIME
// type, so file drops from the desktop (type "Files") are never confused
// with it, and a drop elsewhere in the OS carries nothing.
import { plural } from './format';

export const IMAGES_MIME = 'application/x-pancake-images';

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
