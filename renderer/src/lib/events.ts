// One subscription to the core's event stream, fanned out to every module
// that listens (the browser transport opens one EventSource per subscribe).
import { onApiEvent } from './api';
import { connection } from './connection.svelte';
import type { ApiEvent } from '../../../contract/types.js';

type Listener = (event: ApiEvent) => void;
const listeners = new Set<Listener>();
let subscribed = false;

export function listen(listener: Listener): () => void {
  if (!subscribed) {
    subscribed = true;
    onApiEvent(
      (event) => {
        for (const l of listeners) l(event);
      },
      (status) => connection.report(status),
    );
  }
  listeners.add(listener);
  return () => listeners.delete(listener);
}
