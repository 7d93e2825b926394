// What the core's background parts (the live model, the idle embedder) use
// of it: the open project, its events, its jobs and the warm backbones. Kept
// apart from core-services.ts, which names these parts, so neither they nor
// the handlers import the core.
import type { ProjectStore } from '../../db/project-store.js';
import type { Embedders } from './embedders.js';
import type { EventBus } from './events.js';
import type { Jobs } from './jobs.js';

export interface ProjectServices {
  readonly events: EventBus;
  readonly embedders: Embedders;
  readonly jobs: Jobs;
  /** The open project; throws the "no project is open" sentence when there is none. */
  readonly store: ProjectStore;
  readonly hasProject: boolean;
}
