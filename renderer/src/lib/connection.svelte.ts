// Whether the page can reach Pancake. The browser host may be stopped and
// started again while a tab stays open; the page says so and, once it is
// back, reloads what it shows, since changes may have happened meanwhile.
import type { ConnectionStatus } from './api';

export type ConnectionState = 'up' | 'reconnecting' | 'reconnected' | 'refused';

/** How long "Reconnected" stays before the notice goes. */
const RECONNECTED_MS = 3000;

class Connection {
  state = $state<ConnectionState>('up');
  private hide: ReturnType<typeof setTimeout> | null = null;
  private readonly back = new Set<() => void>();

  report(status: ConnectionStatus): void {
    if (this.hide) clearTimeout(this.hide);
    this.hide = null;
    if (status !== 'up') {
      this.state = status === 'down' ? 'reconnecting' : 'refused';
      return;
    }
    if (this.state !== 'reconnecting') return;
    this.state = 'reconnected';
    for (const run of this.back) run();
    this.hide = setTimeout(() => (this.state = 'up'), RECONNECTED_MS);
  }

  onReconnect(run: () => void): void {
    this.back.add(run);
  }
}

export const connection = new Connection();
