// Similar-image search and the all-pairs duplicate scan at 20,000 images,
// on random vectors shaped like backbone embeddings (1280 non-negative
// values). Times are printed, not asserted; what is asserted is that a
// planted near-copy is found.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../../main/ml/random.js';
import { normaliseRows } from '../../../main/ml/l2.js';
import { nearestTo, type VectorIndex } from '../../../main/insights/vector-index.js';
import { scanPairs } from '../../../main/insights/pair-scan.js';

const N = 20_000;
const DIM = 1280;
const [A, B] = [123, 19_000];

function randomIndex(): VectorIndex {
  const random = seededRandom(1);
  const matrix = new Float32Array(N * DIM);
  // Post-ReLU features: mostly small, some zero, all non-negative.
  for (let i = 0; i < matrix.length; i++) matrix[i] = Math.max(0, random() - 0.3) ** 2;
  // Row B is a near-copy of row A.
  for (let j = 0; j < DIM; j++) matrix[B * DIM + j] = matrix[A * DIM + j]! * (1 + 0.05 * (random() - 0.5));
  normaliseRows(matrix, DIM);
  const ids = Int32Array.from({ length: N }, (_, i) => i + 1);
  return { backbone: 'random', dim: DIM, ids, matrix, rowOf: new Map([...ids].map((id, r) => [id, r])), retired: new Uint8Array(N), missing: 0 };
}

const index = randomIndex();

test('neighbours of one image among 20,000', () => {
  const query = index.matrix.subarray(A * DIM, (A + 1) * DIM);
  nearestTo(index, query, 24, A);
  const times: number[] = [];
  let first = null;
  for (let q = 0; q < 10; q++) {
    const started = performance.now();
    const res = nearestTo(index, query, 24, A);
    times.push(performance.now() - started);
    first = res[0]!;
  }
  times.sort((a, b) => a - b);
  console.log(`neighbour query over ${N.toLocaleString('en-US')} x ${DIM}: median ${times[5]!.toFixed(1)} ms, worst ${times[9]!.toFixed(1)} ms`);
  assert.equal(first!.imageId, B + 1);
  assert.ok(first!.similarity > 0.99);
});

test('all pairs of 20,000 images, off the main thread', async () => {
  let progressEvents = 0;
  let lastDone = 0;
  const started = performance.now();
  // The main thread stays free: count how often a timer gets its turn during the scan.
  let ticks = 0;
  const timer = setInterval(() => ticks++, 50);
  const pairs = await scanPairs(index.matrix, N, DIM, {
    floor: 0.85,
    threshold: 0.9,
    onProgress: (done) => {
      progressEvents++;
      assert.ok(done > lastDone);
      lastDone = done;
    },
  });
  clearInterval(timer);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `all-pairs scan of ${N.toLocaleString('en-US')} images: ${seconds.toFixed(1)} s, ${pairs.a.length} pairs at >= 0.85, ` +
      `${progressEvents} progress events, main thread ran ${ticks} timer ticks (expected about ${Math.round((seconds * 1000) / 50)})`,
  );
  assert.equal(lastDone, N);
  const found = [...pairs.a].findIndex((a, i) => a === A && pairs.b[i] === B);
  assert.ok(found >= 0, 'the planted near-copy is among the pairs');
  assert.ok(pairs.similarity[found]! > 0.99);
});

test('a cancelled scan stops', async () => {
  const controller = new AbortController();
  const scan = scanPairs(index.matrix, N, DIM, {
    floor: 0.85,
    threshold: 0.9,
    signal: controller.signal,
    onProgress: () => controller.abort(),
  });
  await assert.rejects(scan, (err: Error) => err.name === 'AbortError');
});
