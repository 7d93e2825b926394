// The renderer's picture of the live model: the core's status (pushed with
// every run) and its guesses for the unlabelled images (fetched only when a
// run made new ones).
import { api } from './api';
import { coalesced } from './coalesce';
import { listen } from './events';
import type { LiveModelStatus } from '../../../contract/types.js';

export interface Guess {
  classId: number;
  confidence: number;
}

class Live {
  status = $state.raw<LiveModelStatus | null>(null);
  guesses = $state.raw<ReadonlyMap<number, Guess>>(new Map());
  private fetchedRun = -1;

  start(): void {
    listen((event) => {
      if (event.type === 'live-model') {
        this.status = event.status;
        if (event.status.guessesRun !== this.fetchedRun) void this.fetch();
      } else if (event.type === 'project-changed' && event.what === 'project') {
        this.fetchedRun = -1;
        void this.fetch();
      }
    });
    void this.fetch();
  }

  /** A run that lands while one fetch is out gets one more. */
  private readonly fetch = coalesced(async () => {
    try {
      const { status, guesses } = await api.liveModelGet({});
      this.status = status;
      this.fetchedRun = status.guessesRun;
      this.guesses = new Map(guesses.imageIds.map((id, i) => [id, { classId: guesses.classIds[i]!, confidence: guesses.confidences[i]! }]));
    } catch {
      // No project open, or the core is unreachable: the connection notice says so; guesses wait for the next run.
      this.guesses = new Map();
    }
  });
}

export const live = new Live();
