// Where an import's CPU goes, per photo and per stage, one photo at a time in
// this thread (process CPU time, all threads, so it holds up better than wall
// time on the shared machine): the one decode of the original, the JPEG copy
// and thumbnail, cutting the prediction views from the raster, a later decode
// of the stored copy, and the backbone's forward passes at each batch size and
// thread count the embedder could use. Not part of the suite.
//   node dist/test/tools/import-stages.js [--photos 200]
import '../../main/ml/telemetry-off.js';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import { decodeImage, decodeOriginal } from '../../main/import/decode.js';
import { resolveBackbone } from '../../main/ml/backbones.js';
import { cutView, decodeCopy, type Raw } from '../../main/ml/preprocess.js';
import { PREDICTION_VIEWS, viewSpec } from '../../main/ml/views.js';
import { benchPhotos } from '../bench/bench-photos.js';

const { values } = parseArgs({ options: { photos: { type: 'string', default: '200' } } });
const files = (await benchPhotos(1000)).files.slice(0, Number(values.photos));
const bytes = files.map((f) => fs.readFileSync(f));
const n = files.length;

async function stage<T>(name: string, each: (i: number) => Promise<T>, perPhoto = 1): Promise<T[]> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const out: T[] = [];
  for (let i = 0; i < n; i += perPhoto) out.push(await each(i));
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  console.log(`${name.padEnd(58)} ${((cpu.user + cpu.system) / 1000 / n).toFixed(2).padStart(6)} CPU ms  ${(wall / n).toFixed(2).padStart(6)} wall ms per photo`);
  return out;
}

const rasters: Raw[] = await stage('decode the original (sharp, to 512 px, sRGB)', (i) => decodeOriginal(bytes[i]!, path.basename(files[i]!)));
const copies = await stage('decode + JPEG copy + thumbnail (the import\'s decodeImage)', (i) => decodeImage(bytes[i]!, path.basename(files[i]!)));
const { spec, file } = resolveBackbone();
const size = spec.inputSize;
const views = PREDICTION_VIEWS.map(viewSpec);
const inputs = await stage('cut plain + mirror from the raster', async (i) => Promise.all(views.map((v) => cutView(rasters[i]!, v, size))));
await stage('decode the stored JPEG copy (a later view\'s extra cost)', (i) => decodeCopy(copies[i]!.normalized));

const px = size * size * 3;
for (const threads of [1, 2]) {
  const session = await ort.InferenceSession.create(file, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  for (const batch of [1, 2, 8]) {
    const input = new Float32Array(batch * px);
    const photos = Math.max(1, batch / 2);
    await stage(
      `forward, ${threads} thread(s), batches of ${batch} view(s)`,
      async (i) => {
        // Every view of `photos` photos, `batch` views per run.
        const all = Array.from({ length: photos }, (_, k) => inputs[(i + k) % n]!).flat();
        for (let at = 0; at < all.length; at += batch) {
          all.slice(at, at + batch).forEach((view, b) => {
            for (let j = 0; j < px; j++) input[b * px + j] = view[j]! / 127.5 - 1;
          });
          await session.run({ [spec.inputName]: new ort.Tensor('float32', input, [batch, size, size, 3]) }, [spec.outputName]);
        }
      },
      photos,
    );
  }
  await session.release();
}
