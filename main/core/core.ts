// The core that every host drives: it owns the open project, the jobs and
// the event stream, and answers every method of the contract.
import fs from 'node:fs';
import path from 'node:path';
import { contract, isMethodName, type Api } from '../../contract/contract.js';
import type { MediaKind } from '../../contract/types.js';
import type { WireResult } from '../../contract/wire.js';
import { PROJECT_EXTENSION } from '../../db/open.js';
import { ProjectStore } from '../../db/project-store.js';
import { AppState } from './app-state.js';
import { EventBus } from './events.js';
import { Jobs } from './jobs.js';
import { CoreError, describeError } from './errors.js';
import { projectHandlers } from './handlers/project-handlers.js';
import { labelHandlers } from './handlers/label-handlers.js';
import { importHandlers } from './handlers/import-handlers.js';
import { trainHandlers } from './handlers/train-handlers.js';
import { useHandlers } from './handlers/use-handlers.js';
import { exportHandlers } from './handlers/export-handlers.js';
import { insightHandlers } from './handlers/insight-handlers.js';
import { modelHandlers } from './handlers/model-handlers.js';
import { Embedders } from './embedders.js';
import { IdleEmbedding } from './idle-embedding.js';
import { LiveModel } from './live-model.js';
import type { ModelsLocation } from '../ml/backbones.js';
import type { CoreOptions, CoreServices, Handlers } from './core-services.js';

export class PancakeCore implements CoreServices {
  readonly events = new EventBus();
  readonly embedders = new Embedders(() => this.modelsLocation());
  readonly jobs = new Jobs(this.events, { store: () => this.store, embedder: (backbone) => this.embedders.get(backbone) });
  readonly appState: AppState;
  readonly live: LiveModel;
  private current: ProjectStore | null = null;
  private readonly handlers: Handlers;
  /** Not in the CLI, whose process should end when its command does. */
  readonly idleEmbedding: IdleEmbedding | null;

  constructor(readonly options: CoreOptions) {
    this.appState = new AppState(options.stateDir);
    this.live = new LiveModel(this, options.liveDebounceMs);
    // The CLI works one command at a time; only the app keeps a draft model live.
    if (options.host !== 'cli') this.live.start();
    this.handlers = {
      ...projectHandlers(this),
      ...labelHandlers(this),
      ...importHandlers(this),
      ...trainHandlers(this),
      ...useHandlers(this),
      ...exportHandlers(this),
      ...insightHandlers(this),
      ...modelHandlers(this),
    };
    this.idleEmbedding = options.host === 'cli' ? null : new IdleEmbedding(this);
    this.idleEmbedding?.watch((e) => {
      if (e.state === 'ended' && e.outcome === 'done') this.live.mirrorsAdded();
    });
  }

  get store(): ProjectStore {
    if (!this.current) throw new CoreError('No project is open. Create a new project or open one first.');
    return this.current;
  }

  get background(): boolean {
    return this.idleEmbedding !== null;
  }

    get hasProject(): boolean {
    return this.current !== null;
  }

  /** Where backbone weights are looked for: the setting, then the environment, resources, the checkout and the user's models folder. */
  modelsLocation(): ModelsLocation {
    return { modelsDir: this.appState.settings.modelsDir ?? null, resourcesPath: this.options.resourcesPath ?? null };
  }

  /** Bare names go into the default projects folder; the extension is added when missing. */
  resolveProjectPath(input: string): string {
    let p = input.trim();
    if (p.startsWith('~/')) p = path.join(process.env.HOME ?? '', p.slice(2));
    if (!p.includes('/') && !p.includes('\\')) p = path.join(this.appState.defaultProjectDir(), p);
    if (path.extname(p) === '') p += PROJECT_EXTENSION;
    return path.resolve(p);
  }

  private ensureIdle(): void {
    if (this.jobs.any()) throw new CoreError('Pancake is still busy with a job. Wait for it to finish or cancel it first.');
  }

  /** The open project, for work that changes it; a read-only one says so before any work starts. */
  get writableStore(): ProjectStore {
    const store = this.store;
    if (store.readOnly) {
      throw new CoreError(`${store.file} is open read-only (Pancake cannot write to the file or its folder), so it cannot be changed.`);
    }
    return store;
  }

  /**
   * Opens (or creates) the new project before closing the old one, so a
   * failure to open changes nothing; closing never fails (a -wal it cannot
   * fold back stays beside the old file and is replayed when it next opens).
   */
  switchProject(file: string, mode: 'open' | 'create'): ProjectStore {
    this.ensureIdle();
    if (mode === 'create') fs.mkdirSync(path.dirname(file), { recursive: true });
    if (this.current && this.current.file === file && mode === 'open') return this.current;
    const next = mode === 'create' ? ProjectStore.create(file) : ProjectStore.open(file);
    const previous = this.current;
    this.idleEmbedding?.pause();
    if (previous) this.live.projectClosing();
    this.current = next;
    previous?.close();
    // The CLI works on files by name; only the app's own opens belong in its recent list.
    if (this.options.host !== 'cli') this.appState.opened(next.file, next.info().name);
    this.events.emit({ type: 'project-changed', what: 'project' });
    return next;
  }

  closeProject(): void {
    this.ensureIdle();
    this.idleEmbedding?.pause();
    this.live.projectClosing();
    this.current?.close();
    this.current = null;
    if (this.options.host !== 'cli') this.appState.closed();
    this.events.emit({ type: 'project-changed', what: 'project' });
  }

  /** Reopens the project that was open when Pancake last quit, if it still opens cleanly. */
  reopenLast(): void {
    const last = this.appState.lastProject;
    if (!last || this.current) return;
    try {
      this.switchProject(last, 'open');
    } catch {
      // The file moved or broke since; the start screen shows the recent list instead.
    }
  }

  media(kind: MediaKind, id: number): { mime: string; bytes: Buffer } | null {
    if (!this.current) return null;
    const bytes = kind === 'thumb' ? this.current.thumbnail(id) : this.current.normalized(id)?.bytes ?? null;
    return bytes ? { mime: 'image/jpeg', bytes } : null;
  }

  /** The typed API for in-process callers (the CLI). */
  readonly api: Api = new Proxy({} as Api, {
    get: (_t, method: string) => async (params: unknown) => {
      const res = await this.call(method, params);
      if (!res.ok) throw new CoreError(res.error.message);
      return res.result;
    },
  });

  /** Validates and runs one call from any transport; never throws. */
  async call(method: string, rawParams: unknown): Promise<WireResult> {
    if (!isMethodName(method)) return { ok: false, error: { name: 'UnknownMethod', message: `Unknown method ${method}.` } };
    try {
      const params = contract[method].params.parse(rawParams ?? {}, 'params');
      const handler = this.handlers[method] as (p: unknown) => unknown;
      const result = await handler(params);
      return { ok: true, result: result ?? null };
    } catch (err) {
      return { ok: false, error: describeError(err) };
    }
  }

  shutdown(): void {
    this.idleEmbedding?.stop();
    this.jobs.cancelAll();
    this.live.dispose();
    void this.embedders.closeAll();
    this.current?.close();
    this.current = null;
  }
}
