// Worker thread that trains one head, so tfjs never blocks the main
// process. It loads tfjs as soon as it starts, before its data arrives, so
// that cost hides behind the embedding phase. Cancelling terminates the
// worker: training writes nothing.
import { parentPort, workerData } from 'node:worker_threads';
import { loadTf } from './tf-backend.js';
import { trainHead } from './train-head.js';
import type { FromTrainWorker, ToTrainWorker, TrainWorkerData } from './train-protocol.js';

const port = parentPort!;
const post = (msg: FromTrainWorker) => port.postMessage(msg);
const loading = loadTf((workerData as TrainWorkerData).backend);
// A failure is reported when training is asked for.
loading.then(({ backend }) => post({ type: 'ready', backend }), () => undefined);

port.once('message', (msg: ToTrainWorker) => {
  void (async () => {
    try {
      const { tf, backend } = await loading;
      const result = await trainHead(tf, msg.input, (stats) => post({ type: 'epoch', stats }));
      post({ type: 'done', result, backend });
    } catch (err) {
      post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    }
  })();
});
