// Worker thread: every pair of rows whose similarity reaches the floor,
// computed a block of rows at a time against all later rows (the upper
// triangle only), so the main process never blocks and progress is steady.
// It always ends by itself: terminating a thread while onnxruntime runs
// can abort the whole process, so a cancel is a message checked between blocks.
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { similarityModel, SIMILARITY_INPUTS, SIMILARITY_OUTPUT } from './similarity-model.js';
import type { FromPairScan, PairScanInput, ToPairScan } from './pair-scan-protocol.js';

/** Rows per GEMM: 256 x 20,000 similarities is 20 MB per block and about a tenth of a second. */
const BLOCK = 256;

const input = workerData as PairScanInput;
const port = parentPort!;
const post = (msg: FromPairScan, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);
let cancelled = false;
port.on('message', (msg: ToPairScan) => {
  if (msg.type === 'cancel') cancelled = true;
});

class Pairs {
  a = new Int32Array(1024);
  b = new Int32Array(1024);
  s = new Float32Array(1024);
  length = 0;

  push(a: number, b: number, s: number): void {
    if (this.length === this.a.length) {
      const grow = <T extends Int32Array | Float32Array>(x: T): T => {
        const y = new (x.constructor as new (n: number) => T)(x.length * 2);
        y.set(x);
        return y;
      };
      this.a = grow(this.a);
      this.b = grow(this.b);
      this.s = grow(this.s);
    }
    this.a[this.length] = a;
    this.b[this.length] = b;
    this.s[this.length] = s;
    this.length++;
  }

  /** Drops pairs below `floor`, in place. */
  raise(floor: number): void {
    let k = 0;
    for (let i = 0; i < this.length; i++) {
      if (this.s[i]! < floor) continue;
      this.a[k] = this.a[i]!;
      this.b[k] = this.b[i]!;
      this.s[k] = this.s[i]!;
      k++;
    }
    this.length = k;
  }
}

async function scan(): Promise<void> {
  const { matrix, n, dim, threshold, maxPairs } = input;
  let floor = input.floor;
  const session = await ort.InferenceSession.create(similarityModel(), {
    intraOpNumThreads: input.threads,
    interOpNumThreads: 1,
  });
  const pairs = new Pairs();
  for (let start = 0; start < n - 1 && !cancelled; start += BLOCK) {
    const rows = Math.min(BLOCK, n - start);
    const m = n - start;
    const out = await session.run({
      [SIMILARITY_INPUTS.rows]: new ort.Tensor('float32', matrix.subarray(start * dim, (start + rows) * dim), [rows, dim]),
      [SIMILARITY_INPUTS.against]: new ort.Tensor('float32', matrix.subarray(start * dim), [m, dim]),
    });
    const sims = out[SIMILARITY_OUTPUT]!.data as Float32Array;
    for (let i = 0; i < rows; i++) {
      const base = i * m;
      // Columns after the diagonal: each unordered pair once.
      for (let c = i + 1; c < m; c++) {
        const s = sims[base + c]!;
        if (s >= floor) pairs.push(start + i, start + c, s);
      }
    }
    if (pairs.length > maxPairs && floor < threshold) {
      floor = threshold;
      pairs.raise(floor);
    }
    post({ type: 'progress', done: start + rows, total: n });
  }
  await session.release();
  if (cancelled) {
    post({ type: 'cancelled' });
    return;
  }
  const a = pairs.a.slice(0, pairs.length);
  const b = pairs.b.slice(0, pairs.length);
  const similarity = pairs.s.slice(0, pairs.length);
  post({ type: 'done', a, b, similarity, floor }, [a.buffer, b.buffer, similarity.buffer]);
}

scan()
  .catch((err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }))
  .finally(() => port.close());
