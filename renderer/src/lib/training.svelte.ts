// Training and model versions as the renderer sees them. A module-level
// singleton rather than component state, so a training keeps its progress
// and curves while the user looks at other tabs: the core's events keep
// arriving here whether or not the Train view is mounted.
import { api, isCancelled } from './api';
import { coalesced } from './coalesce';
import { listen } from './events';
import { project } from './project.svelte';
import { toasts } from './toasts.svelte';
import { ui } from './ui.svelte';
import { errorMessage } from './format';
import { BackboneDownload } from './backbone-download.svelte';
import type {
  BackboneInfo,
  BackgroundViews,
  EpochStats,
  TrainResult,
  TrainSettings,
  TrainingReadiness,
  TrainPhase,
  VersionDetail,
  VersionSummary,
} from '../../../contract/types.js';
import { TRAIN_PHASES } from '../../../contract/types.js';
import { trainSettings } from '../../../contract/train-settings.js';
import type { NumberBounds } from '../../../contract/validate.js';

/** The phases the core reports, plus the moment before its first answer. */
export type TrainRunPhase = 'starting' | TrainPhase;

/** What the Advanced disclosure edits, as typed; an empty field (or 'default') means "use the default". */
export interface SettingsDraft {
  epochs: string;
  learningRate: string;
  hiddenUnits: string;
  augment: 'default' | 'on' | 'off';
  /** In percent, as people think of a share. */
  validationPercent: string;
}

const EMPTY_DRAFT: SettingsDraft = { epochs: '', learningRate: '', hiddenUnits: '', augment: 'default', validationPercent: '' };

type NumericField = 'epochs' | 'learningRate' | 'hiddenUnits' | 'validationPercent';

/** The contract's own limits (percent for the share, as the form asks for it), with the sentence shown when a value is outside them. */
const LIMITS: Record<NumericField, { min: number; max: number; integer: boolean; message: string }> = {
  epochs: limit(trainSettings.shape.epochs.inner.bounds, 1, (lo, hi) => `Epochs must be a whole number from ${lo} to ${hi}.`),
  learningRate: limit(trainSettings.shape.learningRate.inner.bounds, 1, (lo, hi) => `The learning rate must be a number from ${lo} to ${hi}.`),
  hiddenUnits: limit(
    trainSettings.shape.hiddenUnits.inner.bounds,
    1,
    (lo, hi) => `The hidden layer size must be a whole number from ${lo} (none) to ${hi}.`,
  ),
  validationPercent: limit(trainSettings.shape.validationShare.inner.bounds, 100, (lo, hi) => `The validation share must be from ${lo} to ${hi}%.`),
};

function limit(bounds: NumberBounds, scale: number, say: (lo: string, hi: string) => string) {
  const min = (bounds.min ?? -Infinity) * scale;
  const max = (bounds.max ?? Infinity) * scale;
  const spell = (n: number) => n.toLocaleString('en', { maximumFractionDigits: 20, useGrouping: false });
  return { min, max, integer: bounds.integer, message: say(spell(min), spell(max)) };
}

/** A typed value: null for an empty field (the default), NaN when it is not a valid value. */
function parseField(field: NumericField, text: string): number | null {
  const t = text.trim();
  if (t === '') return null;
  const n = Number(t);
  const lim = LIMITS[field];
  if (!Number.isFinite(n) || n < lim.min || n > lim.max || (lim.integer && !Number.isInteger(n))) return NaN;
  return n;
}

const REFRESH_DEBOUNCE_MS = 150;

/** One press of Train, from start to its outcome; kept after it ends so the result and curves stay on screen. */
export class TrainRun {
  readonly jobId = crypto.randomUUID();
  readonly startedAt = Date.now();
  status = $state<'running' | 'done' | 'failed' | 'cancelled'>('running');
  phase = $state<TrainRunPhase>('starting');
  done = $state(0);
  total = $state<number | null>(null);
  etaSeconds = $state<number | null>(null);
  /** Replaced, never mutated, so charts can tell new points by length. */
  epochs = $state.raw<EpochStats[]>([]);
  cancelling = $state(false);
  result = $state.raw<TrainResult | null>(null);
  error = $state<string | null>(null);
  finishedAt = $state<number | null>(null);

  constructor(readonly settings: TrainSettings | undefined) {}
}

class Training {
  backbones = $state.raw<BackboneInfo[]>([]);
  currentBackbone = $state<string | null>(null);
  readiness = $state.raw<TrainingReadiness | null>(null);
  /** The idle embedder's work left, from readiness and then its own events. */
  background = $state.raw<BackgroundViews | null>(null);
  versions = $state.raw<VersionSummary[]>([]);
  /** Metrics of a version never change, so details are cached per id until the project changes. */
  details = $state.raw<ReadonlyMap<number, VersionDetail>>(new Map());
  loaded = $state(false);
  loadError = $state<string | null>(null);

  run = $state.raw<TrainRun | null>(null);
  /** The latest Download of missing weights, kept after it ends to show how it ended. */
  download = $state.raw<BackboneDownload | null>(null);
  draft = $state<SettingsDraft>({ ...EMPTY_DRAFT });
  advancedOpen = $state(false);

  /** The version whose details are shown, and those ticked for comparison. */
  openVersionId = $state<number | null>(null);
  compareIds = $state.raw<ReadonlySet<number>>(new Set());

  private projectPath: string | null = null;
  private viewers = 0;
  private debounce: ReturnType<typeof setTimeout> | null = null;
  private detailRequests = new Map<number, Promise<void>>();

  constructor() {
    listen((event) => {
      const run = this.run;
      if (event.type === 'train-epoch') {
        // Epochs may arrive after train() has answered (events and answers travel apart), so a finished run still takes them.
        if (run && event.jobId === run.jobId && !run.epochs.some((e) => e.epoch === event.stats.epoch)) {
          run.epochs = [...run.epochs, event.stats];
        }
      } else if (event.type === 'progress') {
        if (run && run.status === 'running' && event.jobId === run.jobId) {
          run.phase = asPhase(event.phase) ?? run.phase;
          run.done = event.done;
          run.total = event.total;
          run.etaSeconds = event.etaSeconds;
        }
      } else if (event.type === 'background-views') {
        this.background = { left: event.left, etaSeconds: event.etaSeconds };
        // Done: whether the active version lacks what was made is readiness's to say.
        if (event.left === 0 && this.viewers > 0) this.scheduleLoad();
      } else if (event.type === 'project-changed' && this.viewers > 0) {
        // Labels, images and classes change readiness and whether the active version is out of date.
        this.scheduleLoad();
      }
    });
  }

  /**
   * A view showing this state calls it on mount and whenever the open
   * project changes; until then nothing is fetched, so labelling in the
   * Images view does not pay for readiness checks nobody sees.
   */
  attach(): () => void {
    this.viewers++;
    void this.load();
    return () => {
      this.viewers--;
    };
  }

  get running(): boolean {
    return this.run?.status === 'running';
  }

  backbone = $derived(this.backbones.find((b) => b.id === this.currentBackbone) ?? null);

  /** Why Train cannot be pressed, in words; empty when it can. */
  blockers = $derived.by((): string[] => {
    const out: string[] = [];
    if (this.readiness) out.push(...this.readiness.problems);
    // The Download button and the full message sit under the backbone picker.
    if (this.backbone?.problem) {
      const name = backboneShortName(this.backbone.label);
      if (this.download?.status === 'running' && this.download.backboneId === this.backbone.id) out.push(`Wait for ${name} to finish downloading (above).`);
      else out.push(this.backbone.status === 'damaged' ? `The weights of ${name} are damaged: download them again (above).` : `Download the weights of ${name} first (above).`);
    }
    if (Object.keys(this.settingsErrors).length > 0) out.push('Some advanced settings are not valid; correct them or reset them to the defaults.');
    return out;
  });

  /** One sentence per advanced setting that cannot be sent as typed. */
  settingsErrors = $derived.by((): Partial<Record<NumericField, string>> => {
    const out: Partial<Record<NumericField, string>> = {};
    for (const field of Object.keys(LIMITS) as NumericField[]) {
      if (Number.isNaN(parseField(field, this.draft[field]))) out[field] = LIMITS[field].message;
    }
    return out;
  });

  customised = $derived(
    this.draft.augment !== 'default' || (Object.keys(LIMITS) as NumericField[]).some((f) => this.draft[f].trim() !== ''),
  );

  activeVersion = $derived(this.versions.find((v) => v.active) ?? null);

  scheduleLoad(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      void this.load();
    }, REFRESH_DEBOUNCE_MS);
  }

  /** Fetches backbones, readiness and versions; overlapping calls coalesce. */
  readonly load = coalesced(async () => {
    const path = project.info?.path ?? null;
    if (path !== this.projectPath) this.forgetProject(path);
    if (!path) return;
    try {
      const [bb, readiness, { versions }] = await Promise.all([api.backbonesList({}), api.trainingReadiness({}), api.versionsList({})]);
      // A project switched while the answers travelled: drop them, the next round fetches the right ones.
      if (project.info?.path !== path) return;
      this.backbones = bb.backbones;
      this.currentBackbone = bb.current;
      this.readiness = readiness;
      if (readiness.background) this.background = readiness.background;
      this.versions = versions;
      this.pruneSelection();
      this.loadError = null;
      this.loaded = true;
    } catch (err) {
      if (project.info?.path === path) this.loadError = errorMessage(err);
    }
  });

  /** Everything here belongs to one project; a finished run is forgotten with it (a running one cannot be, the core refuses to switch). */
  private forgetProject(path: string | null): void {
    this.projectPath = path;
    this.readiness = null;
    this.background = null;
    this.versions = [];
    this.details = new Map();
    this.detailRequests.clear();
    this.openVersionId = null;
    this.compareIds = new Set();
    this.loaded = false;
    if (!this.running) this.run = null;
    this.draft = { ...EMPTY_DRAFT };
    this.advancedOpen = false;
  }

  private pruneSelection(): void {
    const ids = new Set(this.versions.map((v) => v.id));
    if (this.openVersionId !== null && !ids.has(this.openVersionId)) this.openVersionId = null;
    if ([...this.compareIds].some((id) => !ids.has(id))) this.compareIds = new Set([...this.compareIds].filter((id) => ids.has(id)));
    if ([...this.details.keys()].some((id) => !ids.has(id))) {
      this.details = new Map([...this.details].filter(([id]) => ids.has(id)));
    }
  }

  // ---- training ---------------------------------------------------------

  async setBackbone(id: string): Promise<void> {
    if (id === this.currentBackbone) return;
    const before = this.currentBackbone;
    this.currentBackbone = id;
    try {
      await api.projectSetBackbone({ backbone: id });
    } catch (err) {
      this.currentBackbone = before;
      toasts.error(err);
    }
    await this.load();
  }

  /** Only the settings the user changed travel, so the core's defaults (which may depend on the data) apply to the rest. */
  private settingsToSend(): TrainSettings | undefined {
    const d = this.draft;
    const s: TrainSettings = {};
    const epochs = parseField('epochs', d.epochs);
    const learningRate = parseField('learningRate', d.learningRate);
    const hiddenUnits = parseField('hiddenUnits', d.hiddenUnits);
    const validationPercent = parseField('validationPercent', d.validationPercent);
    if (epochs !== null) s.epochs = epochs;
    if (learningRate !== null) s.learningRate = learningRate;
    if (hiddenUnits !== null) s.hiddenUnits = hiddenUnits;
    if (d.augment !== 'default') s.augment = d.augment === 'on';
    if (validationPercent !== null) s.validationShare = validationPercent / 100;
    return Object.keys(s).length > 0 ? s : undefined;
  }

  /** Where the backbone weights live, when they are not where Pancake looks by itself; null forgets the setting. */
  async setModelsDir(dir: string | null): Promise<void> {
    try {
      await api.settingsSet({ modelsDir: dir });
    } catch (err) {
      toasts.error(err);
    }
    await this.load();
  }

  /** Downloads, converts and installs the weights of a backbone; Train works once it is done. */
  async downloadBackbone(id: string): Promise<void> {
    if (this.download?.status === 'running') return;
    const download = new BackboneDownload(id);
    this.download = download;
    await download.start();
    await this.load();
    const name = backboneShortName(this.backbones.find((b) => b.id === id)?.label ?? id);
    if (download.status === 'done') toasts.show(`${name} is downloaded and ready: press Train.`);
  }

  resetDraft(): void {
    this.draft = { ...EMPTY_DRAFT };
  }

  async train(): Promise<void> {
    if (this.running || this.blockers.length > 0) return;
    const settings = this.settingsToSend();
    const run = new TrainRun(settings);
    this.run = run;
    try {
      const result = await api.train({ jobId: run.jobId, ...(settings ? { settings } : {}) });
      run.result = result;
      run.status = 'done';
      this.openVersionId = result.versionId;
      // Someone who went on labelling while it trained still hears that it is done.
      if (ui.view !== 'train') {
        const accuracy = result.accuracy === null ? '' : `: ${(result.accuracy * 100).toFixed(1)}% on ${result.validationCount.toLocaleString()} validation images`;
        toasts.show(`The new model is ready${accuracy}.`, { action: { label: 'Show', run: () => (ui.view = 'train') }, ms: 10_000 });
      }
    } catch (err) {
      if (run.cancelling || isCancelled(err)) {
        run.status = 'cancelled';
      } else {
        run.status = 'failed';
        run.error = errorMessage(err);
        if (ui.view !== 'train') toasts.error(err);
      }
    } finally {
      run.finishedAt = Date.now();
      await this.load();
    }
  }

  cancel(): void {
    const run = this.run;
    if (!run || run.status !== 'running' || run.cancelling) return;
    run.cancelling = true;
    void api.cancelJob({ jobId: run.jobId }).catch((err: unknown) => toasts.error(err));
  }

  /** Clears a finished run's result panel. */
  dismissRun(): void {
    if (!this.running) this.run = null;
  }

  // ---- versions ---------------------------------------------------------

  /** Starts fetching a version's details once; they then appear in `details`. */
  ensureDetail(id: number): void {
    if (this.details.has(id) || this.detailRequests.has(id)) return;
    const path = this.projectPath;
    const request = api
      .versionGet({ id })
      .then((d) => {
        if (path !== this.projectPath) return;
        this.details = new Map([...this.details, [id, d]]);
      })
      .catch((err: unknown) => {
        if (path === this.projectPath) toasts.error(err);
      })
      .finally(() => this.detailRequests.delete(id));
    this.detailRequests.set(id, request);
  }

  toggleCompare(id: number): void {
    const ids = [...this.compareIds];
    this.compareIds = new Set(ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id]);
  }

  clearCompare(): void {
    this.compareIds = new Set();
  }

  async rename(id: number, name: string): Promise<boolean> {
    try {
      await api.versionUpdate({ id, name });
      await this.load();
      return true;
    } catch (err) {
      toasts.error(err);
      return false;
    }
  }

  async setNote(id: number, note: string): Promise<boolean> {
    try {
      await api.versionUpdate({ id, note });
      await this.load();
      return true;
    } catch (err) {
      toasts.error(err);
      return false;
    }
  }

  async setActive(id: number): Promise<void> {
    try {
      await api.versionSetActive({ id });
      const name = this.versions.find((v) => v.id === id)?.name ?? 'The version';
      toasts.show(`${name} is now the active model: predictions and suggestions use it.`);
    } catch (err) {
      toasts.error(err);
    }
    await this.load();
  }

  async remove(id: number): Promise<void> {
    try {
      await api.versionDelete({ id });
    } catch (err) {
      toasts.error(err);
    }
    await this.load();
  }
}

/** "MobileNetV2 (recommended)" reads as "MobileNetV2" inside a sentence or on a button. */
export function backboneShortName(label: string): string {
  return label.replace(/\s*\(.*\)$/, '');
}

function asPhase(phase: string): TrainPhase | null {
  return (TRAIN_PHASES as readonly string[]).includes(phase) ? (phase as TrainPhase) : null;
}

export const training = new Training();
