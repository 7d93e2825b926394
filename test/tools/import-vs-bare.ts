// Issue 9's first goal alone, quicker than `npm run bench`: the bench's own
// import plus first model (through the real core) between two bare
// embedding passes over the same 500x375 photos, in one run (the machine is
// shared, so only the ratios mean much), and the decodes per image. Not part
// of the suite.
//   node dist/test/tools/import-vs-bare.js [--photos 1000]
import '../../main/ml/telemetry-off.js';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { bareEmbeddingPass } from '../bench/bare-pass.js';
import { benchPhotos } from '../bench/bench-photos.js';
import { importAndFirstModel } from '../bench/first-model.js';

const { values } = parseArgs({ options: { photos: { type: 'string', default: '1000' } } });
const photos = await benchPhotos(Number(values.photos));
const n = photos.files.length;
const f = (x: number, digits = 1) => x.toFixed(digits);

// Into the page cache, so neither pass pays for the disk.
for (const file of photos.files) fs.readFileSync(file);
const bare1 = await bareEmbeddingPass(photos.files);
const first = await importAndFirstModel(photos.dir);
const bare2 = await bareEmbeddingPass(photos.files);
const bare = Math.min(bare1.seconds, bare2.seconds);
const bareCpu = Math.min(bare1.cpuSeconds, bare2.cpuSeconds);
console.log(`${n} photos; bare passes ${f(bare1.seconds)} s and ${f(bare2.seconds)} s (${f(bare1.cpuSeconds)} and ${f(bare2.cpuSeconds)} CPU s); quicker kept`);
console.log(`import ${f(first.importSeconds)} s = ${f(first.importSeconds / bare, 2)}x; import + first model ${f(first.seconds)} s = ${f(first.seconds / bare, 2)}x`);
console.log(`train ${f(first.trainSeconds)} s: ${Object.entries(first.phaseSeconds).map(([p, s]) => `${p} ${f(s)} s`).join(', ')}`);
console.log(
  `CPU: import ${f(first.importCpuSeconds)} s = ${f(first.importCpuSeconds / bareCpu, 2)}x the bare pass's ${f(bareCpu)} s; ` +
    `import + first model ${f(first.cpuSeconds)} s = ${f(first.cpuSeconds / bareCpu, 2)}x; per photo ${f((first.importCpuSeconds * 1000) / n)} ms (import) against ${f((bareCpu * 1000) / n)} ms`,
);
console.log(`embedded by the import ${first.embeddedByImport}, vectors added while training ${first.embeddedByTrain}; decodes per image ${f(first.decodesPerImage, 2)}`);
console.log(`accuracy ${first.accuracy === null ? 'none' : f(first.accuracy, 3)} on ${first.validationImages}; lag p99 ${f(first.lag.p99Ms)} ms; peak RSS ${f(first.peakRssMb, 0)} MB`);
