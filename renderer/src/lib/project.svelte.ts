// The renderer's picture of the open project: app info, classes, the image
// list, filters and the selection, plus every action the UI can take on
// them. Components read from here and call these methods; nothing else
// talks to the API about labels.
import { api, mediaUrl } from './api';
import { listen } from './events';
import { toasts } from './toasts.svelte';
import { plural } from './format';
import type { AppInfo, ClassInfo, ImageRow, ProjectInfo, Split } from '../../../main/api/types.js';

export type ClassFilter = 'all' | 'unlabelled' | number;
export type SplitFilter = 'all' | Split;

/** Keys 1-9 reach the first nine classes in sidebar order. */
export const KEYED_CLASSES = 9;

const REFRESH_DEBOUNCE_MS = 120;

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

  selected = $state.raw<ReadonlySet<number>>(new Set());
  focusId = $state<number | null>(null);
  private anchorId: number | null = null;

  /** Bumped when images are deleted: ids may be reused, cached thumbnails must not be. */
  private mediaEpoch = $state(0);

  classes: ClassInfo[] = $derived(this.info?.classes ?? []);
  classById = $derived(new Map(this.classes.map((c) => [c.id, c])));

  visible: ImageRow[] = $derived.by(() => {
    const cf = this.classFilter;
    const sf = this.splitFilter;
    const q = this.search.trim().toLowerCase();
    if (cf === 'all' && sf === 'all' && !q) return this.images;
    return this.images.filter(
      (img) =>
        (cf === 'all' || (cf === 'unlabelled' ? img.classId === null : img.classId === cf)) &&
        (sf === 'all' || img.split === sf) &&
        (!q || img.fileName.toLowerCase().includes(q)),
    );
  });

  indexById: ReadonlyMap<number, number> = $derived(new Map(this.visible.map((img, i) => [img.id, i])));

  private mediaKey = $derived(`${hashKey(this.info?.path ?? '')}.${this.mediaEpoch}`);

  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;
  private lastRefreshAt = -Infinity;
  private debounce: ReturnType<typeof setTimeout> | null = null;

  // ---- loading ----------------------------------------------------------

  async start(): Promise<void> {
    listen((event) => {
      if (event.type !== 'project-changed') return;
      if (event.what === 'project') void this.reloadApp();
      else this.scheduleRefresh();
    });
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

  /** A change event that a refresh begun since then already covers needs no second one. */
  scheduleRefresh(): void {
    const heardAt = performance.now();
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      if (this.lastRefreshAt < heardAt) void this.refresh();
    }, REFRESH_DEBOUNCE_MS);
  }

  /** Reloads classes and images; overlapping calls coalesce into one more run. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
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
      } while (this.refreshAgain);
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** Drops selected ids and filters that no longer exist. */
  private pruneView(): void {
    const cf = this.classFilter;
    if (typeof cf === 'number' && !this.classById.has(cf)) this.classFilter = 'all';
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
    const ids = this.classes.map((c) => c.id);
    const i = ids.indexOf(id);
    const j = i + delta;
    if (i < 0 || j < 0 || j >= ids.length) return;
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    await api.classReorder({ ids });
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
    this.images = this.images.map((img) =>
      set.has(img.id) ? { ...img, classId, labelSource: classId === null ? null : 'user' } : img,
    );
    const stillVisible = ids.some((id) => this.indexById.has(id));
    if (!stillVisible || (opts.advance && ids.length === 1)) this.selectAfter(ids, before);
    try {
      const { changed } = await api.labelSet({ imageIds: ids, classId });
      const target = classId === null ? 'Unlabelled' : this.classById.get(classId)?.name ?? 'class';
      if (changed > 0) {
        toasts.show(`Moved ${plural(changed, 'image')} to ${target}.`, { action: { label: 'Undo', run: () => void this.undo() } });
      }
    } catch (err) {
      toasts.error(err);
    }
    await this.refresh();
  }

  /** Key 1-9 (or 0 for none) on the current selection; false when there was nothing to do. */
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

  async undo(): Promise<void> {
    if (!this.info?.canUndo) return;
    try {
      const res = await api.undo({});
      if (res.description) toasts.show(`Undone: ${res.description}.`);
    } catch (err) {
      toasts.error(err);
    }
    await this.refresh();
  }

  async redo(): Promise<void> {
    if (!this.info?.canRedo) return;
    try {
      const res = await api.redo({});
      if (res.description) toasts.show(`Redone: ${res.description}.`);
    } catch (err) {
      toasts.error(err);
    }
    await this.refresh();
  }

  // ---- images -----------------------------------------------------------

  async setSplit(ids: number[], split: Split): Promise<void> {
    if (ids.length === 0) return;
    try {
      const { changed } = await api.imagesSetSplit({ imageIds: ids, split });
      toasts.show(split === 'none' ? `Took ${plural(changed, 'image')} out of their split: Pancake decides for them.` : `Moved ${plural(changed, 'image')} to ${split}.`);
    } catch (err) {
      toasts.error(err);
    }
    await this.refresh();
  }

  async deleteImages(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    const before = this.visible;
    try {
      const { deleted } = await api.imagesDelete({ imageIds: ids });
      this.mediaEpoch++;
      const gone = new Set(ids);
      this.images = this.images.filter((img) => !gone.has(img.id));
      this.selectAfter(ids, before);
      toasts.show(`Deleted ${plural(deleted, 'image')}.`);
    } catch (err) {
      toasts.error(err);
    }
    await this.refresh();
  }
}

export const project = new Project();
