// Fan-out of core events (progress, changes) to whichever host listens:
// Electron forwards them over IPC, the browser host over server-sent events,
// the CLI prints them.
import type { ApiEvent } from '../../contract/types.js';

export type EventListener = (event: ApiEvent) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: ApiEvent): void {
    for (const l of this.listeners) l(event);
  }
}
