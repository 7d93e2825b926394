// `node dist/test/tools/kfold-heads.js [--views NAME] [--no-compare-refit] [--no-tta]
// [--weight-decay X] [--patience N] [--dropout X] <out-folder>...`: a measurement tool
// for choosing the training defaults. On each project left by
// test/tools/embed-dataset.ts it trains through the real trainProject, with
// its defaults, under several view sets, with and without the refit, and
// measures on images the training never saw (their split set to 'test'):
// the dataset's own val folder, and k-fold cross-validation over its train
// folder (folds by content hash, as test/tools/logreg.py makes them).
import '../../main/ml/telemetry-off.js';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ProjectStore } from '../../db/project-store.js';
import { labelledImages } from '../../db/ml-queries.js';
import { Embedder } from '../../main/ml/embedder.js';
import { trainProject } from '../../main/ml/train.js';
import { ALL_VIEWS, FLIP_VIEW, PLAIN_VIEW, type ViewKey } from '../../main/ml/views.js';
import { tempDir } from '../helpers/temp.js';

const FOLDS = 5;

export function foldOf(sha256: string): number {
  return Math.floor((createHash('sha256').update(`fold:${sha256}`).digest().readUInt32BE(0) / 2 ** 32) * FOLDS);
}

const VIEW_SETS: [string, ViewKey[]][] = [
  ['plain', [PLAIN_VIEW]],
  ['plain+mirror', [PLAIN_VIEW, FLIP_VIEW]],
  ['all six', [...ALL_VIEWS]],
];

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      views: { type: 'string' },
      'no-compare-refit': { type: 'boolean' },
      'weight-decay': { type: 'string' },
      patience: { type: 'string' },
      dropout: { type: 'string' },
      // The app's first model: no mirror to average over until the idle embedder has made it.
      'no-tta': { type: 'boolean' },
    },
  });
  const head = {
    ...(values['weight-decay'] ? { weightDecay: Number(values['weight-decay']) } : {}),
    ...(values.patience ? { patience: Number(values.patience) } : {}),
    ...(values.dropout ? { dropout: Number(values.dropout) } : {}),
    ...(values['no-tta'] ? { tta: false } : {}),
  };
  const viewSets = VIEW_SETS.filter(([name]) => !values.views || name === values.views);
  const refits = values['no-compare-refit'] ? [true] : [true, false];
  const embedder = await Embedder.open();
  try {
    for (const dir of positionals) {
      const file = path.join(tempDir(), 'kfold.pancake');
      fs.copyFileSync(path.join(dir, 'project.pancake'), file);
      const store = ProjectStore.open(file);
      const images = labelledImages(store);
      const trainFolder = images.filter((i) => i.split === 'train');
      const valFolder = images.filter((i) => i.split === 'validation');
      let seconds = 0;
      let runs = 0;
      const run = async (testIds: Set<number>, pool: typeof images, views: ViewKey[], refit: boolean): Promise<{ right: number; n: number }> => {
        store.setSplit(pool.filter((i) => !testIds.has(i.id)).map((i) => i.id), 'none');
        store.setSplit([...testIds], 'test');
        const others = images.filter((i) => !pool.includes(i)).map((i) => i.id);
        // Images outside the protocol's pool leave the project for the run.
        const removed = others.length > 0 ? store.deleteImages(others) : null;
        try {
          const started = performance.now();
          const r = await trainProject(store, { embedder, views, refit, ...head });
          seconds += (performance.now() - started) / 1000;
          runs++;
          const t = r.metrics.test!;
          return { right: Math.round(t.accuracy * t.n), n: t.n };
        } finally {
          if (removed !== null) store.undo();
        }
      };
      for (const [name, views] of viewSets) {
        for (const refit of refits) {
          seconds = 0;
          runs = 0;
          const onVal = await run(new Set(valFolder.map((i) => i.id)), images, views, refit);
          let right = 0;
          let n = 0;
          for (let k = 0; k < FOLDS; k++) {
            const r = await run(new Set(trainFolder.filter((i) => foldOf(i.sha256) === k).map((i) => i.id)), trainFolder, views, refit);
            right += r.right;
            n += r.n;
          }
          const line = `${path.basename(dir)}\t${name}\t${refit ? 'refit' : 'no refit'}\tval folder ${(onVal.right / onVal.n).toFixed(3)} (${onVal.n})\t${FOLDS}-fold ${(right / n).toFixed(3)} (${n})\t${(seconds / runs).toFixed(1)} s per training`;
          console.log(line);
        }
      }
      store.close();
    }
  } finally {
    await embedder.close();
  }
}

await main();
