// Fetching a backbone's weights from the Train view: one press of Download,
// followed by the core's progress events until it is installed, fails or is
// cancelled. Kept outside components so leaving the tab does not lose it.
import { api, isCancelled } from './api';
import { listen } from './events';
import { errorMessage } from './format';

export class BackboneDownload {
  readonly jobId = crypto.randomUUID();
  status = $state<'running' | 'done' | 'failed' | 'cancelled'>('running');
  phase = $state<'starting' | 'downloading' | 'converting' | 'installing'>('starting');
  done = $state(0);
  total = $state<number | null>(null);
  etaSeconds = $state<number | null>(null);
  cancelling = $state(false);
  error = $state<string | null>(null);

  constructor(readonly backboneId: string) {}

  /** Resolves when the download has ended, however it ended. */
  async start(): Promise<void> {
    const stop = listen((e) => {
      if (e.type !== 'progress' || e.jobId !== this.jobId || this.status !== 'running') return;
      if (e.phase === 'downloading' || e.phase === 'converting' || e.phase === 'installing') this.phase = e.phase;
      this.done = e.done;
      this.total = e.total;
      this.etaSeconds = e.etaSeconds;
    });
    try {
      await api.modelsFetch({ jobId: this.jobId, ids: [this.backboneId] });
      this.status = 'done';
    } catch (err) {
      if (this.cancelling || isCancelled(err)) this.status = 'cancelled';
      else {
        this.status = 'failed';
        this.error = errorMessage(err);
      }
    } finally {
      stop();
    }
  }

  cancel(): void {
    if (this.status !== 'running' || this.cancelling) return;
    this.cancelling = true;
    void api.cancelJob({ jobId: this.jobId });
  }
}
