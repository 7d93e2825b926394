// Worker thread that trains one head, so tfjs never blocks the main
// process. It loads tfjs as soon as it starts, before its data arrives, so
// that cost hides behind the embedding phase. Training writes nothing, so
// stopping it at any step is safe.
import { parentPort, workerData } from 'node:worker_threads';
import { loadTf } from './tf-backend.js';
import { trainHead, TrainingStopped } from './train-head.js';
import { REFIT_FLOOR, REFIT_TARGET, STOP_FLAG, type FromTrainWorker, type ToTrainWorker, type TrainWorkerData } from './train-protocol.js';

const port = parentPort!;
const data = workerData as TrainWorkerData;
const control = new Int32Array(data.control);
const post = (msg: FromTrainWorker) => port.postMessage(msg);
const loading = loadTf(data.backend);
// A failure is reported when training is asked for.
loading.then(({ backend }) => post({ type: 'ready', backend }), () => undefined);

port.on('message', (msg: ToTrainWorker) => {
  if (msg.type === 'stop') {
    // Training notices the flag at its next step; an idle worker just leaves.
    port.close();
    return;
  }
  void (async () => {
    try {
      const { tf, backend } = await loading;
      const refit = msg.refit
        ? {
            target: () => Atomics.load(control, REFIT_TARGET),
            floor: () => Atomics.load(control, REFIT_FLOOR),
            // Woken by the target arriving or by a stop; the timeout is only a safety net.
            wait: () => void Atomics.wait(control, REFIT_TARGET, 0, 1000),
          }
        : undefined;
      const result = await trainHead(
        tf,
        msg.input,
        (stats, bestEpoch) => post({ type: 'epoch', stats, bestEpoch }),
        () => Atomics.load(control, STOP_FLAG) === 1,
        refit,
      );
      post({ type: 'done', result, backend });
    } catch (err) {
      if (!(err instanceof TrainingStopped)) post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    }
  })();
});
