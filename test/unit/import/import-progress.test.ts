import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressPacer } from '../../../main/import/progress.js';

test('progress is paced to one report per 100 ms unless forced', () => {
  const pacer = new ProgressPacer(0);
  assert.notEqual(pacer.tick(0, 1, 10), null);
  assert.equal(pacer.tick(50, 2, 10), null);
  assert.equal(pacer.tick(99, 3, 10), null);
  assert.notEqual(pacer.tick(100, 4, 10), null);
  assert.notEqual(pacer.tick(120, 5, 10, true), null);
});

test('the ETA is unknown without a total or a second of history, and zero when done', () => {
  const pacer = new ProgressPacer(0);
  assert.deepEqual(pacer.tick(500, 5, 100), { etaSeconds: null });
  assert.deepEqual(pacer.tick(2000, 20, null), { etaSeconds: null });
  assert.deepEqual(pacer.tick(3000, 30, 30), { etaSeconds: 0 });
});

test('the ETA follows the rate of the last ten seconds, not the whole import', () => {
  const pacer = new ProgressPacer(0);
  let last: { etaSeconds: number | null } | null = null;
  // One file a second for 20 s, then ten a second for 10 s.
  for (let t = 1; t <= 30; t++) {
    const done = t <= 20 ? t : 20 + (t - 20) * 10;
    last = pacer.tick(t * 1000, done, 220);
  }
  // 100 files left at 10 per second; the whole-import average (4/s) would say 25.
  assert.deepEqual(last, { etaSeconds: 10 });
});
