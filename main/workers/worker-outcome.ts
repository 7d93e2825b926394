// The one answer a worker owes its caller, settled exactly once by whichever
// comes first: the answer, a cancel, an error, or the worker leaving without
// answering. Every worker call (duplicate scan, head training, model export,
// backbone conversion) had its own copy of this bookkeeping.
import type { Worker } from 'node:worker_threads';

export interface Settle<T> {
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export interface WorkerOutcomeOptions<T, M> {
  signal?: AbortSignal | undefined;
  /** Each message from the worker; an answer calls `settle`, anything else (progress) just returns. */
  onMessage(msg: M, settle: Settle<T>): void;
  /** The rejection of a cancel (default: the signal's reason); `onCancel` runs first (ask the worker to stop, or stop it where that is safe). */
  cancelled?(): unknown;
  onCancel?(): void;
  /** The rejection when the worker fails or leaves before answering. */
  failed(detail: { error?: Error; exitCode?: number }): unknown;
  /** Runs once, however the call ends, before the promise settles. */
  onSettled?(): void;
}

/** `workers`: the one worker of the call, or every worker whose failure ends it (an embedder's decoder and inference workers). */
export function workerOutcome<T, M>(workers: Worker | readonly Worker[], opts: WorkerOutcomeOptions<T, M>): Promise<T> {
  const { signal } = opts;
  const all = Array.isArray(workers) ? workers : [workers as Worker];
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const once = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      // A worker that outlives the call (a pre-started trainer) keeps none of its
      // listeners but the error one: an 'error' nobody listens to would throw.
      for (const w of all) w.off('message', onMessage).off('exit', onExit);
      opts.onSettled?.();
      fn();
    };
    const settle: Settle<T> = {
      resolve: (value) => once(() => resolve(value)),
      reject: (reason) => once(() => reject(reason)),
    };
    const onMessage = (msg: M) => {
      if (!settled) opts.onMessage(msg, settle);
    };
    const onError = (error: Error) => settle.reject(opts.failed({ error }));
    const onExit = (exitCode: number) => settle.reject(opts.failed({ exitCode }));
    const onAbort = () => {
      if (settled) return;
      opts.onCancel?.();
      settle.reject(opts.cancelled ? opts.cancelled() : signal?.reason);
    };
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    for (const w of all) w.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}
