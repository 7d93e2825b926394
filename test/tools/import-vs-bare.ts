// Times an import that embeds as it goes against one bare embedding pass
// over the same photos, in one run (the machine may be shared, so only the
// ratio means much): decode and centre crop plus an onnxruntime forward,
// batch 1, one view, one image after another. Not part of the suite.
//   node dist/test/tools/import-vs-bare.js [--photos 200]
import '../../main/ml/telemetry-off.js';
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import { ProjectStore } from '../../db/project-store.js';
import { PancakeCore } from '../../main/core/core.js';
import { importPaths } from '../../main/import/import-session.js';
import { Embedder } from '../../main/ml/embedder.js';
import { trainProject } from '../../main/ml/train.js';
import { originalDecodes } from '../../main/import/decode.js';
import { DEFAULT_BACKBONE, resolveBackbone } from '../../main/ml/backbones.js';
import { preprocess } from '../../main/ml/preprocess.js';
import { PLAIN_VIEW, viewSpec } from '../../main/ml/views.js';
import { datasetDir } from '../helpers/datasets.js';
import { tempDir } from '../helpers/temp.js';

const { values } = parseArgs({ options: { photos: { type: 'string', default: '200' } } });
const count = Number(values.photos);
const dataset = datasetDir('hymenoptera');
const folder = tempDir();
const files: string[] = [];
for (const cls of ['ants', 'bees']) {
  fs.mkdirSync(path.join(folder, cls));
  for (const f of fs.readdirSync(path.join(dataset, 'train', cls)).sort().slice(0, count / 2)) {
    fs.copyFileSync(path.join(dataset, 'train', cls, f), path.join(folder, cls, f));
    files.push(path.join(folder, cls, f));
  }
}

async function barePass(): Promise<number> {
  const { file, spec } = resolveBackbone(DEFAULT_BACKBONE);
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const size = spec.inputSize;
  const t = performance.now();
  for (const f of files) {
    const px = await preprocess(fs.readFileSync(f), viewSpec(PLAIN_VIEW), size);
    await session.run({ [spec.inputName]: new ort.Tensor('float32', Float32Array.from(px, (v) => v / 127.5 - 1), [1, size, size, 3]) }, [spec.outputName]);
  }
  const seconds = (performance.now() - t) / 1000;
  await session.release();
  return seconds;
}

interface Imported {
  seconds: number;
  trainSeconds: number;
  added: number;
  embedded: number;
  decodes: number;
  lagP99Ms: number;
  peakRssMb: number;
}

async function importWithEmbedding(): Promise<Imported> {
  const home = tempDir();
  const core = new PancakeCore({ stateDir: home, host: 'cli' });
  await core.api.projectCreate({ path: path.join(home, 'timed.pancake') });
  // The app keeps its backbone warm; loading the weights is not the import's cost.
  await core.embedders.get(DEFAULT_BACKBONE);
  const decodes = originalDecodes();
  const lag = monitorEventLoopDelay({ resolution: 10 });
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 50);
  lag.enable();
  const t = performance.now();
  const report = await core.api.importPaths({ jobId: 'import', paths: [folder] });
  const seconds = (performance.now() - t) / 1000;
  lag.disable();
  clearInterval(sampler);
  const t2 = performance.now();
  await core.api.train({ jobId: 'train', settings: { augment: false } });
  const trainSeconds = (performance.now() - t2) / 1000;
  const result = {
    seconds,
    trainSeconds,
    added: report.added,
    embedded: report.embedded ?? 0,
    decodes: originalDecodes() - decodes,
    lagP99Ms: lag.percentile(99) / 1e6,
    peakRssMb: peakRss / 2 ** 20,
  };
  await core.embedders.closeAll();
  core.shutdown();
  return result;
}

/** The flow before imports embedded: import, then training embeds everything. */
async function importThenEmbed(): Promise<{ importSeconds: number; trainSeconds: number; decodes: number }> {
  const store = ProjectStore.create(path.join(tempDir(), 'then.pancake'));
  const embedder = await Embedder.open(DEFAULT_BACKBONE);
  const t = performance.now();
  await importPaths(store, [folder], { onProgress: () => undefined });
  const importSeconds = (performance.now() - t) / 1000;
  const t2 = performance.now();
  const trained = await trainProject(store, { embedder, augment: false });
  const trainSeconds = (performance.now() - t2) / 1000;
  await embedder.close();
  store.close();
  return { importSeconds, trainSeconds, decodes: trained.embedded.decodes };
}

/** Runs `f`, returning its result and the process's CPU milliseconds per photo, all threads. */
async function withCpu<T>(f: () => Promise<T>): Promise<[T, number]> {
  const before = process.cpuUsage();
  const out = await f();
  const used = process.cpuUsage(before);
  return [out, (used.user + used.system) / 1000 / files.length];
}

for (const f of files) fs.readFileSync(f);
const [bare, bareCpu] = await withCpu(barePass);
const [imported, importedCpu] = await withCpu(importWithEmbedding);
console.log(`${files.length} photos`);
console.log(`bare embedding pass (decode + centre crop + forward, batch 1, sequential): ${bare.toFixed(2)} s`);
console.log(
  `import with embedding (plain and mirror views): ${imported.seconds.toFixed(2)} s, ${imported.added} added, ${imported.embedded} embedded, ` +
    `${imported.decodes} originals decoded; ratio ${(imported.seconds / bare).toFixed(2)}x`,
);
console.log(`during that import: main-thread event-loop lag p99 ${imported.lagP99Ms.toFixed(1)} ms, peak RSS ${imported.peakRssMb.toFixed(0)} MB`);
console.log(`then a first model (train, no augmentation): ${imported.trainSeconds.toFixed(2)} s; import + model ${((imported.seconds + imported.trainSeconds) / bare).toFixed(2)}x`);
const [then, thenCpu] = await withCpu(importThenEmbed);
console.log(`CPU per photo: bare ${bareCpu.toFixed(1)} ms, import with embedding and a model ${importedCpu.toFixed(1)} ms, import then training ${thenCpu.toFixed(1)} ms`);
console.log(
  `import without embedding ${then.importSeconds.toFixed(2)} s, then training embeds (${then.decodes} copies decoded) and trains: ${then.trainSeconds.toFixed(2)} s; ` +
    `together ${((then.importSeconds + then.trainSeconds) / bare).toFixed(2)}x`,
);
