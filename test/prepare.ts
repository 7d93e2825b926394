// Run by `npm test` after the build and before the tests: makes sure the
// photos and the backbone weights the suite uses are on this machine, and says
// where each came from. Beside ../shared it only looks, so it is near-instant.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { BackboneError, resolveBackbone } from '../main/ml/backbones.js';
import { ensureDataset, findDataset } from './helpers/datasets.js';
import { repoRoot, sharedDir } from './helpers/temp.js';

/** The datasets the unit and end-to-end tests read (cats_vs_dogs only serves the bench, where ../shared has it). */
const DATASETS = ['hymenoptera'];
const BACKBONES = ['mobilenet_v2_1.0_224', 'mobilenet_v3_small_1.0_224'];

function fail(message: string): never {
  console.error(`prepare: ${message}`);
  process.exit(1);
}

for (const name of DATASETS) {
  const found = findDataset(name);
  if (found) {
    console.log(`photos ${name}: ${found.dir} (${found.origin})`);
    continue;
  }
  // A terminal gets a progress line redrawn in place; a log gets one line.
  let lastTenth = -1;
  if (!process.stderr.isTTY) console.error(`prepare: downloading the test photos "${name}"…`);
  try {
    const got = await ensureDataset(name, {
      onProgress: (received, total) => {
        const tenth = total && process.stderr.isTTY ? Math.floor((received / total) * 10) : -1;
        if (tenth > lastTenth) {
          lastTenth = tenth;
          process.stderr.write(`\rprepare: downloading ${name}… ${tenth * 10}%`);
        }
      },
    });
    if (lastTenth >= 0) process.stderr.write('\n');
    console.log(`photos ${name}: ${got.dir} (${got.downloaded ? `downloaded from ${got.url}` : 'cache'})`);
  } catch (err) {
    if (lastTenth >= 0) process.stderr.write('\n');
    fail(`the test photos "${name}" could not be fetched. ${(err as Error).message}`);
  }
}

const where = (): Map<string, string | null> =>
  new Map(
    BACKBONES.map((id) => {
      try {
        return [id, resolveBackbone(id).modelsDir];
      } catch (err) {
        if (err instanceof BackboneError) return [id, null];
        throw err;
      }
    }),
  );

const before = where();
const missing = [...before].filter(([, dir]) => dir === null).map(([id]) => id);
if (missing.length > 0) {
  const cli = path.join(repoRoot, 'dist', 'main', 'cli', 'pancake.js');
  console.log(`weights missing for ${missing.join(', ')}: running pancake models fetch`);
  const run = spawnSync(process.execPath, [cli, 'models', 'fetch', ...missing], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  process.stderr.write(run.stderr ?? '');
  if (run.status !== 0) {
    fail(
      `\`pancake models fetch ${missing.join(' ')}\` failed (${run.error ? run.error.message : `exit code ${run.status}`}), so the tests have no weights for ${missing.join(', ')}. ` +
        'Point PANCAKE_MODELS_DIR at a models folder, or set PANCAKE_MIRROR to a mirror holding the originals, and run again.',
    );
  }
}
const after = where();
for (const id of BACKBONES) {
  const dir = after.get(id);
  if (!dir) fail(`pancake models fetch finished, yet no models folder holds ${id}.`);
  const origin = !before.get(id) ? 'downloaded' : dir === path.join(sharedDir, 'models') ? 'shared' : 'models folder';
  console.log(`weights ${id}: ${dir} (${origin})`);
}
