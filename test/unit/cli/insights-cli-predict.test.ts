// `pancake predict --json` prints exactly the promised shape:
// [{"file": "...", "predictions": [{"class": "...", "confidence": x}], "outOfSet": false}],
// on a tiny project imported and trained with the CLI itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pancake } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/temp.js';
import { classFolder, photos } from '../insights/insights-fixtures.js';

test('pancake predict --json on files and a folder', async () => {
  const home = tempDir();
  const project = path.join(home, 'tiny.pancake');
  const imported = await pancake(['import', project, classFolder({ ants: photos('train', 'ants', 12), bees: photos('train', 'bees', 12) })], { home });
  assert.equal(imported.code, 0, imported.stderr);
  const trained = await pancake(['train', project, '--no-augment'], { home });
  assert.equal(trained.code, 0, trained.stderr);

  const ant = photos('val', 'ants', 1)[0]!;
  const folder = tempDir();
  for (const f of photos('val', 'bees', 2)) fs.copyFileSync(f, path.join(folder, path.basename(f)));
  const res = await pancake(['predict', project, ant, folder, '--json'], { home });
  assert.equal(res.code, 0, res.stderr);
  const parsed = JSON.parse(res.stdout) as unknown;
  assert.ok(Array.isArray(parsed));
  assert.equal(parsed.length, 3);
  for (const entry of parsed as Record<string, unknown>[]) {
    assert.deepEqual(Object.keys(entry), ['file', 'predictions', 'outOfSet']);
    assert.equal(typeof entry.outOfSet, 'boolean');
    assert.equal(typeof entry.file, 'string');
    assert.ok(path.isAbsolute(entry.file as string));
    const predictions = entry.predictions as Record<string, unknown>[];
    // Two classes, so the default top 3 lists both, most likely first.
    assert.equal(predictions.length, 2);
    for (const p of predictions) {
      assert.deepEqual(Object.keys(p), ['class', 'confidence']);
      assert.ok(p.class === 'ants' || p.class === 'bees');
      assert.ok(typeof p.confidence === 'number' && p.confidence >= 0 && p.confidence <= 1);
    }
    assert.ok((predictions[0]!.confidence as number) >= (predictions[1]!.confidence as number));
    assert.ok(Math.abs((predictions[0]!.confidence as number) + (predictions[1]!.confidence as number) - 1) < 1e-5);
  }
  const byFile = new Map((parsed as { file: string; predictions: { class: string }[] }[]).map((e) => [path.basename(e.file), e.predictions[0]!.class]));
  assert.equal(byFile.get(path.basename(ant)), 'ants');

  const top1 = await pancake(['predict', project, ant, '--json', '--top', '1'], { home });
  assert.equal(top1.code, 0, top1.stderr);
  const one = JSON.parse(top1.stdout) as { file: string; predictions: { class: string; confidence: number }[] }[];
  assert.equal(one.length, 1);
  assert.equal(one[0]!.predictions.length, 1);

  // A file that is no image is reported in the same list, with the reason, and the exit code says so.
  const junk = path.join(folder, 'notes.jpg');
  fs.writeFileSync(junk, 'not a picture');
  const bad = await pancake(['predict', project, junk, '--json'], { home });
  assert.equal(bad.code, 1);
  const badParsed = JSON.parse(bad.stdout) as { file: string; predictions: unknown[]; error?: string }[];
  assert.deepEqual(badParsed.map((e) => [e.file, e.predictions.length, typeof e.error]), [[junk, 0, 'string']]);
});
