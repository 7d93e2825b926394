// Worker thread of the live model. It keeps every image's vectors (unit
// length) and the previous heads, so a retrain after one label change
// receives only ids and labels and starts from where the last run ended.
// It never touches onnxruntime or sharp, and a run gives up between two
// minibatches as soon as a newer one is asked for.
import { parentPort, workerData } from 'node:worker_threads';
import { fitLiveHead, measureLiveHead, type LiveLabelled, type LiveUnlabelled, type WarmHead } from './live-fit.js';
import { toViews, type Views } from './softmax-regression.js';
import type { FromLiveWorker, LiveWorkerData, ToLiveWorker } from './live-protocol.js';

const port = parentPort!;
const latest = new Int32Array((workerData as LiveWorkerData).latest);
const post = (msg: FromLiveWorker, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

let vectors = new Map<number, Views>();
let dim = 0;
let warm = new Map<string, WarmHead>();

function run(msg: Extract<ToLiveWorker, { type: 'run' }>): void {
  const cancelled = () => Atomics.load(latest, 0) !== msg.gen;
  const started = performance.now();
  const labelled: LiveLabelled[] = [];
  const { ids, labels, validation, folds } = msg.labelled;
  for (let i = 0; i < ids.length; i++) {
    const v = vectors.get(ids[i]!);
    if (v) labelled.push({ id: ids[i]!, ...v, label: labels[i]!, validation: validation[i] === 1, fold: folds[i]! });
  }
  const unlabelled: LiveUnlabelled[] = [];
  for (const id of msg.unlabelled) {
    const v = vectors.get(id);
    if (v) unlabelled.push({ id, ...v });
  }
  const input = { classIds: msg.classIds, dim, labelled, unlabelled, warm, cancelled };
  const fitted = fitLiveHead(input);
  if (!fitted || cancelled()) return post({ type: 'cancelled', gen: msg.gen });
  const g = fitted.guesses;
  post(
    { type: 'guesses', gen: msg.gen, ...g, trained: labelled.length, ms: performance.now() - started },
    [g.imageIds.buffer as ArrayBuffer, g.classIndex.buffer as ArrayBuffer, g.confidence.buffer as ArrayBuffer],
  );
  const measuring = performance.now();
  const accuracy = measureLiveHead(input, fitted.head);
  if (cancelled()) return post({ type: 'cancelled', gen: msg.gen });
  post({ type: 'accuracy', gen: msg.gen, accuracy, ms: performance.now() - measuring });
}

port.on('message', (msg: ToLiveWorker) => {
  switch (msg.type) {
    case 'stop':
      port.close();
      return;
    case 'reset':
      vectors = new Map();
      warm = new Map();
      dim = 0;
      return;
    case 'vectors': {
      dim = msg.dim;
      const d = msg.dim;
      msg.ids.forEach((id, i) => {
        vectors.set(id, toViews(msg.data.subarray(2 * i * d, (2 * i + 1) * d), msg.data.subarray((2 * i + 1) * d, (2 * i + 2) * d)));
      });
      return;
    }
    case 'run':
      try {
        run(msg);
      } catch (err) {
        post({ type: 'error', gen: msg.gen, message: err instanceof Error ? err.message : String(err) });
      }
  }
});
