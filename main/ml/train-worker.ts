// Worker thread that trains one head, so tfjs never blocks the main
// process. It loads tfjs as soon as it starts, before its data arrives, so
// that cost hides behind the embedding phase. Training writes nothing, so
// stopping it at any step is safe.
import { parentPort, workerData } from 'node:worker_threads';
import { loadTf } from './tf-backend.js';
import { trainHead, TrainingStopped } from './train-head.js';
import type { FromTrainWorker, ToTrainWorker, TrainWorkerData } from './train-protocol.js';

const port = parentPort!;
const data = workerData as TrainWorkerData;
const stop = new Int32Array(data.stop);
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
      const result = await trainHead(
        tf,
        msg.input,
        (stats) => post({ type: 'epoch', stats }),
        () => Atomics.load(stop, 0) === 1,
      );
      post({ type: 'done', result, backend });
    } catch (err) {
      if (!(err instanceof TrainingStopped)) post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    }
  })();
});
