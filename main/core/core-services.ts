// What the core's parts (the handlers of the contract's methods) use of the
// core. core.ts implements it and imports the handlers; the handlers import
// only this, so no part of the core imports the core.
import type { MethodName, ParamsOf, ResultOf } from '../../contract/contract.js';
import type { ProjectStore } from '../../db/project-store.js';
import type { ModelsLocation } from '../ml/backbones.js';
import type { AppState } from './app-state.js';
import type { IdleEmbedding } from './idle-embedding.js';
import type { LiveModel } from './live-model.js';
import type { ProjectServices } from './project-services.js';

export type Handlers = { [K in MethodName]: (params: ParamsOf<K>) => Promise<ResultOf<K>> | ResultOf<K> };

export type DialogKind = ParamsOf<'pickPaths'>['kind'];

export interface CoreOptions {
  stateDir: string;
  host: 'electron' | 'browser' | 'cli';
  /** A packaged app's resources folder, whose `models` folder holds the weights. */
  resourcesPath?: string;
  /** Native dialogs, where the host has them (Electron). */
  pickPaths?: (kind: DialogKind) => Promise<string[]>;
  /** Quiet time after a change before the live model retrains. */
  liveDebounceMs?: number;
}

export interface CoreServices extends ProjectServices {
  readonly options: CoreOptions;
  readonly appState: AppState;
  readonly live: LiveModel;
  /** Whether an idle embedder makes the views beyond the plain one later (the app's hosts; the CLI has no idle time). */
  readonly background: boolean;
  readonly idleEmbedding: IdleEmbedding | null;
  /** The open project, refusing when it was opened read-only or a job is running. */
  readonly writableStore: ProjectStore;
  modelsLocation(): ModelsLocation;
  resolveProjectPath(input: string): string;
  switchProject(file: string, mode: 'open' | 'create'): ProjectStore;
  closeProject(): void;
}
