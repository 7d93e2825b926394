// The places between class rows: slot 0 is above the first class, slot n
// below the last. A dragged row and Move up/Move down both name the slot a
// class goes to, so they give one order through one API call.

/** The slot a row dropped at height `y` lands in: before the first row whose middle is below `y`. */
export function slotAt(rows: readonly { top: number; bottom: number }[], y: number): number {
  const i = rows.findIndex((r) => y < (r.top + r.bottom) / 2);
  return i < 0 ? rows.length : i;
}

/** `ids` with `id` taken out and put back at `slot` (counted in `ids` as they are); the same order when that is where it is. */
export function orderWithClassAt(ids: readonly number[], id: number, slot: number): number[] {
  const from = ids.indexOf(id);
  if (from < 0) return [...ids];
  const rest = ids.filter((other) => other !== id);
  rest.splice(slot > from ? slot - 1 : slot, 0, id);
  return rest;
}

/** Whether dropping the class at `from` into `slot` changes nothing (the slots on either side of it). */
export function staysPut(from: number, slot: number): boolean {
  return slot === from || slot === from + 1;
}
