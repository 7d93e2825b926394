// What a new user waits for: a folder of photos imported into a new project
// and a first trained model, through the real core as the app runs it (the
// import embeds as it goes; the live model and the idle embedder run too),
// with the defaults. The embeddings the run leaves in the project are handed
// back for the live-retrain measurement.
import '../../main/ml/telemetry-off.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { countEmbeddings, getEmbeddings, labelledImages } from '../../db/ml-queries.js';
import { PancakeCore } from '../../main/core/core.js';
import { originalDecodes } from '../../main/import/decode.js';
import { DEFAULT_BACKBONE } from '../../main/ml/backbones.js';
import type { TrainPhase } from '../../contract/types.js';
import { PLAIN_VIEW } from '../../main/ml/views.js';
import { measureLag, type Lag } from './lag-monitor.js';
import { startRssSampler } from './rss-sampler.js';
import type { LabelledVectors } from './synthetic-embeddings.js';

export interface FirstModelRun {
  images: number;
  /** From an empty project to a saved model version. */
  seconds: number;
  /** Process CPU time, all threads (the workers are threads of this process). */
  cpuSeconds: number;
  importSeconds: number;
  /** Process CPU time of the import alone. */
  importCpuSeconds: number;
  trainSeconds: number;
  /** How the training's time split between its phases. */
  phaseSeconds: Partial<Record<TrainPhase, number>>;
  /** Images embedded by the import as it went, and vectors added while the training ran (by it or the idle embedder). */
  embeddedByImport: number;
  embeddedByTrain: number;
  /** From the import's return (its last vector saved) to the live model's first guesses (negative: they came while it ran), or null if none came. */
  firstGuessesSeconds: number | null;
  /** Held-out accuracy the new version reports, and on how many images. */
  accuracy: number | null;
  validationImages: number;
  lag: Lag;
  peakRssMb: number;
  /** Decodes per image: originals decoded by the import plus every decode the embedder made (import, live model, training). */
  decodesPerImage: number;
  plainVectors: LabelledVectors;
}

/** Ids per embeddings query, well inside SQLite's limit on bound parameters. */
const ID_CHUNK = 500;
/** Longest wait for the live model's first guesses. */
const GUESS_TIMEOUT_MS = 30_000;

/** `doing` is kept up to date with the current step, for the lag monitor. */
async function run(folder: string, dir: string, doing: { now: string }): Promise<Omit<FirstModelRun, 'lag' | 'peakRssMb'>> {
  const core = new PancakeCore({ stateDir: dir, host: 'browser' });
  try {
    // The weights load when a project opens, as in the app; that is not the photos' time.
    const embedder = await core.embedders.get(DEFAULT_BACKBONE);
    const decodes0 = originalDecodes() + embedder.decodes;
    const started = performance.now();
    const cpu0 = process.cpuUsage();
    doing.now = 'import';
    await core.api.projectCreate({ path: path.join(dir, 'bench.pancake') });
    let guessedAt: number | null = null;
    const unsubscribe = core.events.subscribe((e) => {
      if (e.type === 'live-model' && e.status.guessesRun > 0 && guessedAt === null) guessedAt = performance.now();
    });
    const report = await core.api.importPaths({ jobId: 'import', paths: [folder] });
    const imported = performance.now();
    const importCpu = process.cpuUsage(cpu0);
    const phaseSeconds: Partial<Record<TrainPhase, number>> = {};
    let phase: { name: TrainPhase; at: number } | null = null;
    const endPhase = () => {
      if (phase) phaseSeconds[phase.name] = (performance.now() - phase.at) / 1000;
    };
    const unsubscribePhases = core.events.subscribe((e) => {
      if (e.type === 'progress' && e.jobId === 'train' && e.phase && e.phase !== phase?.name) {
        endPhase();
        phase = { name: e.phase as TrainPhase, at: performance.now() };
        doing.now = `training: ${e.phase}`;
      }
    });
    doing.now = 'training';
    const vectorsBefore = countEmbeddings(core.store, DEFAULT_BACKBONE);
    const trained = await core.api.train({ jobId: 'train' });
    endPhase();
    unsubscribePhases();
    const done = performance.now();
    const cpu = process.cpuUsage(cpu0);
    const decodes = originalDecodes() + embedder.decodes - decodes0;
    const vectorsByTrain = countEmbeddings(core.store, DEFAULT_BACKBONE) - vectorsBefore;
    doing.now = 'waiting for the live model';
    const waitUntil = performance.now() + GUESS_TIMEOUT_MS;
    while (guessedAt === null && performance.now() < waitUntil) await new Promise((r) => setTimeout(r, 50));
    unsubscribe();
    const firstGuessedAt: number | null = guessedAt;

    doing.now = 'reading the embeddings back';
    const store = core.store;
    const labelled = labelledImages(store);
    const classes = [...new Set(labelled.map((i) => i.className))];
    const classOf = new Map(labelled.map((i) => [i.id, classes.indexOf(i.className)]));
    const ids = labelled.map((i) => i.id);
    const plain = [];
    for (let at = 0; at < ids.length; at += ID_CHUNK) plain.push(...getEmbeddings(store, DEFAULT_BACKBONE, ids.slice(at, at + ID_CHUNK), [PLAIN_VIEW]));
    return {
      images: report.added,
      seconds: (done - started) / 1000,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      importSeconds: (imported - started) / 1000,
      importCpuSeconds: (importCpu.user + importCpu.system) / 1e6,
      trainSeconds: (done - imported) / 1000,
      phaseSeconds,
      embeddedByImport: report.embedded ?? 0,
      embeddedByTrain: vectorsByTrain,
      firstGuessesSeconds: firstGuessedAt === null ? null : (firstGuessedAt - imported) / 1000,
      accuracy: trained.accuracy,
      validationImages: trained.validationCount,
      decodesPerImage: decodes / report.added,
      plainVectors: { vectors: plain.map((e) => e.vector), labels: plain.map((e) => classOf.get(e.imageId)!), classes },
    };
  } finally {
    core.shutdown();
  }
}

export async function importAndFirstModel(folder: string): Promise<FirstModelRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pancake-first-model-bench-'));
  const rss = startRssSampler();
  try {
    const doing = { now: 'creating the project' };
    const { result, lag } = await measureLag(
      () => run(folder, dir, doing),
      () => doing.now,
    );
    return { ...result, lag, peakRssMb: rss.stop().peakMb };
  } finally {
    rss.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
