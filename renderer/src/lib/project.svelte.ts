// The renderer's picture of the open project: app info, classes, the image
// list, filters and the selection, plus every action the UI can take on
// them. Components read from here and call these methods; nothing else
// talks to the API about labels.
import { api, isUnreachable, mediaUrl } from './api';
import { coalesced } from './coalesce';
import { listen } from './events';
import { connection } from './connection.svelte';
import { toasts } from './toasts.svelte';
import { plural } from './format';
import { orderWithClassAt } from './class-slots';
import { live } from './live.svelte';
import type { AppInfo, ClassInfo, ImageRow, ImagesDelta, ProjectInfo, Split, UndoResult } from '../../../contract/types.js';

export type ClassFilter = 'all' | 'unlabelled' | number;
export type SplitFilter = 'all' | Split;
/** The live model's guess: 'all', or images it puts in this class. */
export type GuessFilter = 'all' | number;
/** 'unsure' puts the images the live model is least sure of first: labelling those teaches it most. */
export type GridSort = 'added' | 'unsure' | 'sure';

/** Keys 1-9 reach the first nine classes in sidebar order. */
export const KEYED_CLASSES = 9;

const REFRESH_DEBOUNCE_MS = 120;
/** Change numbers remembered as already applied from a call's answer. */
const APPLIED_KEPT = 200;

/** What a toast says when a change did not reach the project file; `kept` says what stays as it was. */
export function notSaved(err: unknown, kept: string): string {
  const why = isUnreachable(err) ? 'Pancake is not reachable.' : err instanceof Error ? err.message : String(err);
  return `Could not save: ${why} ${kept}`;
}

function hashKey(text: string): string {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return (h >>> 0).toString(36);
}

class Project {
  app = $state.raw<AppInfo | null>(null);
  info = $state.raw<ProjectInfo | null>(null);
  images = $state.raw<ImageRow[]>([]);
  /** False until the first answer from the core, so nothing flashes. */
  ready = $state(false);
  loadError = $state<string | null>(null);

  classFilter = $state<ClassFilter>('all');
  splitFilter = $state<SplitFilter>('all');
  search = $state('');
  guessFilter = $state<GuessFilter>('all');
  sort = $state<GridSort>('added');

  selected = $state.raw<ReadonlySet<number>>(new Set());
  focusId = $state<number | null>(null);
  private anchorId: number | null = null;

  classes: ClassInfo[] = $derived(this.info?.classes ?? []);
  classById = $derived(new Map(this.classes.map((c) => [c.id, c])));

  visible: ImageRow[] = $derived.by(() => {
    const cf = this.classFilter;
    const sf = this.splitFilter;
    const gf = this.guessFilter;
    const q = this.search.trim().toLowerCase();
    const guesses = live.guesses;
    const filtered =
      cf === 'all' && sf === 'all' && gf === 'all' && !q
        ? this.images
        : this.images.filter(
            (img) =>
              (cf === 'all' || (cf === 'unlabelled' ? img.classId === null : img.classId === cf)) &&
              (sf === 'all' || img.split === sf) &&
              (gf === 'all' || guesses.get(img.id)?.classId === gf) &&
              (!q || img.fileName.toLowerCase().includes(q)),
          );
    if (this.sort === 'added') return filtered;
    // Images without a guess (labelled ones) go last either way; ties keep grid order.
    const key = (img: ImageRow) => {
      const p = guesses.get(img.id)?.confidence;
      return p === undefined ? Infinity : this.sort === 'unsure' ? p : 1 - p;
    };
    return [...filtered].sort((a, b) => key(a) - key(b) || a.id - b.id);
  });

  indexById: ReadonlyMap<number, number> = $derived(new Map(this.visible.map((img, i) => [img.id, i])));

  /** Image ids are never reused within a project (and a deleted image comes back as itself), so the project's path keys its thumbnails. */
  private mediaKey = $derived(hashKey(this.info?.path ?? ''));

  private lastRefreshAt = -Infinity;
  private debounce: ReturnType<typeof setTimeout> | null = null;
  /** Changes whose answer this page applied, so their events need no reload. */
  private readonly appliedSeqs = new Set<number>();
  /** Events heard since the last reload that no applied answer covers yet. */
  private pendingSeqs: (number | null)[] = [];
  /** Per image, the newest change applied to its row: an older answer never overwrites a newer one. */
  private readonly rowSeq = new Map<number, number>();
  private infoSeq = 0;

  // ---- loading ----------------------------------------------------------

  async start(): Promise<void> {
    listen((event) => {
      if (event.type !== 'project-changed') return;
      if (event.what === 'project') void this.reloadApp();
      else this.scheduleRefresh(event.seq ?? null);
    });
    // Whatever changed while the page was cut off (another tab, the CLI, a restart) shows once it is back.
    connection.onReconnect(() => void this.reloadApp());
    await this.reloadApp();
    this.ready = true;
  }

  async reloadApp(): Promise<void> {
    try {
      this.app = await api.appInfo({});
      this.loadError = null;
    } catch (err) {
      this.loadError = err instanceof Error ? err.message : String(err);
      return;
    }
    const open = this.app.openProject;
    if (open && open !== this.info?.path) this.resetView();
    if (open) await this.refresh();
    else this.clearProject();
  }

  private resetView(): void {
    this.classFilter = 'all';
    this.splitFilter = 'all';
    this.search = '';
    this.guessFilter = 'all';
    this.sort = 'added';
    this.selected = new Set();
    this.focusId = null;
    this.anchorId = null;
  }

  private clearProject(): void {
    this.info = null;
    this.images = [];
    this.resetView();
    document.title = 'Pancake';
  }

  /**
   * A change event that a refresh begun since then already covers needs no
   * second one, nor does a change whose answer this page applied.
   */
  scheduleRefresh(seq: number | null = null): void {
    if (seq !== null && this.appliedSeqs.has(seq)) return;
    this.pendingSeqs.push(seq);
    const heardAt = performance.now();
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      const open = this.pendingSeqs.filter((s) => s === null || !this.appliedSeqs.has(s));
      this.pendingSeqs = [];
      if (open.length > 0 && this.lastRefreshAt < heardAt) void this.refresh();
    }, REFRESH_DEBOUNCE_MS);
  }

  /** Applies one change's rows and counts in one step, so the grid and the sidebar move together. */
  applyDelta(delta: ImagesDelta): void {
    this.appliedSeqs.add(delta.seq);
    if (this.appliedSeqs.size > APPLIED_KEPT) this.appliedSeqs.delete(this.appliedSeqs.values().next().value!);
    const newer = (id: number) => (this.rowSeq.get(id) ?? 0) <= delta.seq;
    const rows = delta.rows.filter((row) => newer(row.id));
    const removed = new Set(delta.removed.filter(newer));
    for (const id of [...rows.map((r) => r.id), ...removed]) this.rowSeq.set(id, delta.seq);
    const fresh = new Map(rows.map((row) => [row.id, row]));
    const listed = new Set(this.images.map((img) => img.id));
    const images = this.images.filter((img) => !removed.has(img.id)).map((img) => fresh.get(img.id) ?? img);
    const back = rows.filter((row) => !listed.has(row.id));
    this.images = back.length > 0 ? [...images, ...back].sort((a, b) => a.id - b.id) : images;
    if (delta.seq > this.infoSeq) {
      this.infoSeq = delta.seq;
      this.info = delta.info;
    }
    this.pruneView();
  }

  /** Reloads classes and images; overlapping calls coalesce into one more run. */
  readonly refresh = coalesced(async () => {
    this.lastRefreshAt = performance.now();
    try {
      const [info, list] = await Promise.all([api.projectInfo({}), api.listImages({})]);
      if (!info) {
        this.clearProject();
        this.app = await api.appInfo({});
        return;
      }
      this.info = info;
      this.images = list.images;
      document.title = `${info.name} — Pancake`;
      this.pruneView();
    } catch (err) {
      // Closing the project elsewhere makes listImages fail; appInfo tells.
      if (this.info) toasts.error(err);
    }
  });

  /** Drops selected ids and filters that no longer exist. */
  private pruneView(): void {
    const cf = this.classFilter;
    if (typeof cf === 'number' && !this.classById.has(cf)) this.classFilter = 'all';
    if (typeof this.guessFilter === 'number' && !this.classById.has(this.guessFilter)) this.guessFilter = 'all';
    const present = new Set(this.images.map((i) => i.id));
    if ([...this.selected].some((id) => !present.has(id))) {
      this.selected = new Set([...this.selected].filter((id) => present.has(id)));
    }
    if (this.focusId !== null && !present.has(this.focusId)) this.focusId = null;
  }

  thumbUrl(id: number): string {
    return this.withKey(mediaUrl('thumb', id));
  }

  previewUrl(id: number): string {
    return this.withKey(mediaUrl('preview', id));
  }

  private withKey(url: string): string {
    return `${url}${url.includes('?') ? '&' : '?'}v=${this.mediaKey}`;
  }

  // ---- projects ---------------------------------------------------------

  async createProject(pathOrName: string): Promise<void> {
    this.info = await api.projectCreate({ path: pathOrName });
    await this.reloadApp();
  }

  async openProject(path: string): Promise<void> {
    this.info = await api.projectOpen({ path });
    await this.reloadApp();
  }

  async closeProject(): Promise<void> {
    await api.projectClose({});
    await this.reloadApp();
  }

  async forgetRecent(path: string): Promise<void> {
    await api.recentForget({ path });
    this.app = await api.appInfo({});
  }

  // ---- classes ----------------------------------------------------------

  keyOf(classId: number): number | null {
    const i = this.classes.findIndex((c) => c.id === classId);
    return i >= 0 && i < KEYED_CLASSES ? i + 1 : null;
  }

  async createClass(name: string): Promise<number> {
    const { id } = await api.classCreate({ name });
    await this.refresh();
    return id;
  }

  async renameClass(id: number, name: string): Promise<void> {
    await api.classUpdate({ id, name });
    await this.refresh();
  }

  async recolorClass(id: number, color: string): Promise<void> {
    await api.classUpdate({ id, color });
    await this.refresh();
  }

  async deleteClass(id: number): Promise<void> {
    const name = this.classById.get(id)?.name ?? 'the class';
    const { unlabelled } = await api.classDelete({ id });
    toasts.show(`Deleted ${name}; ${plural(unlabelled, 'image')} went back to Unlabelled.`);
    await this.refresh();
  }

  async mergeClass(from: number, into: number): Promise<void> {
    const a = this.classById.get(from)?.name ?? '';
    const b = this.classById.get(into)?.name ?? '';
    const { moved } = await api.classMerge({ from, into });
    toasts.show(`Merged ${a} into ${b} (${plural(moved, 'image')} moved).`);
    if (this.classFilter === from) this.classFilter = into;
    await this.refresh();
  }

  async moveClass(id: number, delta: -1 | 1): Promise<void> {
    const i = this.classes.findIndex((c) => c.id === id);
    const j = i + delta;
    if (i < 0 || j < 0 || j >= this.classes.length) return;
    await this.placeClass(id, delta < 0 ? j : j + 1);
  }

  /** Puts a class at a slot between the rows (see class-slots.ts): a dragged row and Move up/Move down alike. */
  async placeClass(id: number, slot: number): Promise<void> {
    const ids = this.classes.map((c) => c.id);
    const next = orderWithClassAt(ids, id, slot);
    if (next.every((other, i) => other === ids[i])) return;
    await api.classReorder({ ids: next });
    await this.refresh();
  }

  // ---- selection --------------------------------------------------------

  /** What an action applies to: the selection in grid order, else the focused image. */
  targetIds(): number[] {
    if (this.selected.size > 0) {
      return [...this.selected].sort((a, b) => (this.indexById.get(a) ?? 0) - (this.indexById.get(b) ?? 0));
    }
    return this.focusId !== null ? [this.focusId] : [];
  }

  click(id: number, mods: { range: boolean; toggle: boolean }): void {
    if (mods.range && this.anchorId !== null && this.indexById.has(this.anchorId)) {
      const range = this.rangeIds(this.anchorId, id);
      this.selected = mods.toggle ? new Set([...this.selected, ...range]) : new Set(range);
    } else if (mods.toggle) {
      this.selected = this.selected.has(id)
        ? new Set([...this.selected].filter((other) => other !== id))
        : new Set([...this.selected, id]);
      this.anchorId = id;
    } else {
      this.selected = new Set([id]);
      this.anchorId = id;
    }
    this.focusId = id;
  }

  /** Selection for a drag: dragging an unselected image drags just that one. */
  dragIds(id: number): number[] {
    if (!this.selected.has(id)) this.click(id, { range: false, toggle: false });
    return this.targetIds();
  }

  private rangeIds(fromId: number, toId: number): number[] {
    const a = this.indexById.get(fromId) ?? 0;
    const b = this.indexById.get(toId) ?? 0;
    return this.visible.slice(Math.min(a, b), Math.max(a, b) + 1).map((i) => i.id);
  }

  selectAll(): void {
    this.selected = new Set(this.visible.map((i) => i.id));
  }

  clearSelection(): void {
    this.selected = new Set();
    this.anchorId = null;
  }

  /** Arrow keys: moves the focus; with extend, the selection follows from the anchor. */
  moveFocus(delta: number, extend: boolean): void {
    const n = this.visible.length;
    if (n === 0) return;
    const current = this.focusId !== null ? this.indexById.get(this.focusId) : undefined;
    const start = current ?? (delta === Infinity ? n - 1 : 0);
    const index = current === undefined ? start : Math.max(0, Math.min(n - 1, start + delta));
    const id = this.visible[index]!.id;
    if (extend) {
      if (this.anchorId === null || !this.indexById.has(this.anchorId)) this.anchorId = this.focusId ?? id;
      this.selected = new Set(this.rangeIds(this.anchorId, id));
      this.focusId = id;
    } else {
      this.click(id, { range: false, toggle: false });
    }
  }

  /** Selects one image after the given ones leave the view, so labelling can go on by keys. */
  private selectAfter(ids: number[], before: ImageRow[]): void {
    const gone = new Set(ids);
    let last = -1;
    before.forEach((img, i) => {
      if (gone.has(img.id)) last = i;
    });
    const candidates = [...before.slice(last + 1), ...before.slice(0, last).reverse()];
    const next = candidates.find((img) => !gone.has(img.id) && this.indexById.has(img.id));
    if (next) this.click(next.id, { range: false, toggle: false });
    else this.clearSelection();
  }

  // ---- labels -----------------------------------------------------------

  /**
   * Labels images (classId null: unlabel). The grid updates at once; the
   * core's answer then replaces the guess. With `advance`, one image labelled
   * by key moves the selection on to the next.
   */
  async label(ids: number[], classId: number | null, opts: { advance?: boolean } = {}): Promise<void> {
    if (ids.length === 0) return;
    const before = this.visible;
    const set = new Set(ids);
    const stored = { rows: new Map(this.images.filter((img) => set.has(img.id)).map((img) => [img.id, img])), selected: this.selected, focusId: this.focusId };
    this.images = this.images.map((img) =>
      set.has(img.id) ? { ...img, classId, labelSource: classId === null ? null : 'user' } : img,
    );
    const stillVisible = ids.some((id) => this.indexById.has(id));
    if (!stillVisible || (opts.advance && ids.length === 1)) this.selectAfter(ids, before);
    try {
      const { changed, delta } = await api.labelSet({ imageIds: ids, classId });
      this.applyDelta(delta);
      const target = classId === null ? 'Unlabelled' : this.classById.get(classId)?.name ?? 'class';
      if (changed > 0) {
        toasts.show(`Moved ${plural(changed, 'image')} to ${target}.`, { action: { label: 'Undo', run: () => void this.undo() } });
      }
    } catch (err) {
      // The grid showed the label before the core had it; what the file holds is what the grid must show.
      this.images = this.images.map((img) => stored.rows.get(img.id) ?? img);
      this.selected = stored.selected;
      this.focusId = stored.focusId;
      toasts.show(notSaved(err, ids.length === 1 ? 'The label was not changed.' : 'The labels were not changed.'), { kind: 'error' });
      if (!isUnreachable(err)) await this.refresh();
    }
  }

  /** Class number n (keys 1-9, the picker for any; 0 for none) on the current selection; false when there was nothing to do. */
  async labelByKey(n: number, ids = this.targetIds(), opts: { advance?: boolean } = { advance: true }): Promise<boolean> {
    if (ids.length === 0) {
      toasts.show('Select images first: click one, or use the arrow keys.');
      return false;
    }
    const cls = n === 0 ? null : this.classes[n - 1];
    if (cls === undefined) {
      toasts.show(`There is no class ${n} yet. Add one with “+ New class”.`);
      return false;
    }
    await this.label(ids, cls?.id ?? null, opts);
    return true;
  }

  /** Labels the selection (or the focused image) as the live model guesses; images without a guess are left alone. */
  async acceptGuesses(ids = this.targetIds()): Promise<void> {
    const guessed = ids.filter((id) => live.guesses.has(id));
    if (guessed.length === 0) {
      toasts.show(ids.length === 0 ? 'Select images first: click one, or use the arrow keys.' : 'The live model has no guess for these images yet.');
      return;
    }
    const before = this.visible;
    try {
      const { changed, delta } = await api.liveAccept({ imageIds: guessed });
      this.applyDelta(delta);
      if (guessed.length === 1 || !this.indexById.has(guessed[0]!)) this.selectAfter(guessed, before);
      toasts.show(`Accepted the live model's guess for ${plural(changed, 'image')}.`, { action: { label: 'Undo', run: () => void this.undo() } });
    } catch (err) {
      toasts.show(notSaved(err, 'The labels were not changed.'), { kind: 'error' });
      if (!isUnreachable(err)) await this.refresh();
    }
  }

  async undo(): Promise<void> {
    if (!this.info?.canUndo) return;
    await this.step(() => api.undo({}), 'Undone');
  }

  async redo(): Promise<void> {
    if (!this.info?.canRedo) return;
    await this.step(() => api.redo({}), 'Redone');
  }

  private async step(call: () => Promise<UndoResult>, verb: 'Undone' | 'Redone'): Promise<void> {
    let res: UndoResult;
    try {
      res = await call();
    } catch (err) {
      toasts.error(err);
      await this.refresh();
      return;
    }
    this.applyDelta(res.delta);
    if (res.description) this.showStep(res, verb);
  }

  /** Names what an undo or redo did and shows the images it touched: selected in the grid, or where they are. */
  private showStep(res: UndoResult, verb: 'Undone' | 'Redone'): void {
    const text = `${verb}: ${res.description}.`;
    const ids = new Set(res.imageIds);
    const touched = this.images.filter((img) => ids.has(img.id));
    if (touched.length === 0) {
      toasts.show(text);
      return;
    }
    const shown = touched.filter((img) => this.indexById.has(img.id));
    this.reveal(shown);
    if (shown.length === touched.length) {
      toasts.show(`${text} ${shown.length === 1 ? 'It is' : 'They are'} selected.`);
      return;
    }
    const classes = new Set(touched.map((img) => img.classId));
    const where =
      classes.size > 1
        ? `in ${classes.size} classes`
        : [...classes][0] === null
          ? 'in Unlabelled'
          : `in ${this.classById.get([...classes][0]!)?.name ?? 'another class'}`;
    toasts.show(`${text} ${plural(touched.length - shown.length, 'image')} ${touched.length - shown.length === 1 ? 'is' : 'are'} ${where}, outside this view.`, {
      action: {
        label: 'Show them',
        run: () => {
          this.classFilter = 'all';
          this.splitFilter = 'all';
          this.guessFilter = 'all';
          this.search = '';
          this.reveal(touched);
        },
      },
    });
  }

  /** Selects the images and moves the focus (and so the grid's scroll) to the first. */
  private reveal(images: ImageRow[]): void {
    const ids = images.map((img) => img.id).filter((id) => this.indexById.has(id));
    this.selected = new Set(ids);
    this.anchorId = ids[0] ?? null;
    this.focusId = ids[0] ?? null;
  }

  // ---- images -----------------------------------------------------------

  async setSplit(ids: number[], split: Split): Promise<void> {
    if (ids.length === 0) return;
    try {
      const { changed, delta } = await api.imagesSetSplit({ imageIds: ids, split });
      this.applyDelta(delta);
      toasts.show(split === 'none' ? `Took ${plural(changed, 'image')} out of their split: Pancake decides for them.` : `Moved ${plural(changed, 'image')} to ${split}.`);
    } catch (err) {
      toasts.show(notSaved(err, 'The split was not changed.'), { kind: 'error' });
      if (!isUnreachable(err)) await this.refresh();
    }
  }

  async deleteImages(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    const before = this.visible;
    try {
      const { deleted, delta } = await api.imagesDelete({ imageIds: ids });
      this.applyDelta(delta);
      this.selectAfter(ids, before);
      toasts.show(`Deleted ${plural(deleted, 'image')}.`, { action: { label: 'Undo', run: () => void this.undo() } });
    } catch (err) {
      toasts.show(notSaved(err, 'Nothing was deleted.'), { kind: 'error' });
      if (!isUnreachable(err)) await this.refresh();
    }
  }
}

export const project = new Project();
