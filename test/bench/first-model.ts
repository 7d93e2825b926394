// What a new user waits for: a folder of photos imported into a new project
// and a first trained model, through the same calls `pancake import` and
// `pancake train` make, with the defaults. The embeddings the run leaves in
// the project are handed back for the live-retrain measurement.
import '../../main/ml/telemetry-off.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { countEmbeddings, getEmbeddings, labelledImages } from '../../db/ml-queries.js';
import { ProjectStore } from '../../db/project-store.js';
import { importPaths } from '../../main/import/import-session.js';
import { Embedder } from '../../main/ml/embedder.js';
import { trainProject, type TrainPhase } from '../../main/ml/train.js';
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
  trainSeconds: number;
  /** How the training's time split between its phases (embedding, training, evaluating, saving). */
  phaseSeconds: Partial<Record<TrainPhase, number>>;
  /** Embeddings already in the project when the import returned, and those the training computed. */
  embeddedByImport: number;
  embeddedByTrain: number;
  /** Held-out accuracy the new version reports, and on how many images. */
  accuracy: number | null;
  validationImages: number;
  lag: Lag;
  peakRssMb: number;
  decodes: DecodeCount;
  plainVectors: LabelledVectors;
}

/**
 * Decodes per image in one import-and-train run. Counted: the embedder's
 * own count, once it keeps one. Derived (today): the import decodes each
 * original once, and every embedding the training computes decodes the
 * stored copy once more; valid only while the import embeds nothing.
 */
export interface DecodeCount {
  perImage: number | null;
  how: string;
}

function derivedDecodes(images: number, embeddedByImport: number, embeddedByTrain: number): DecodeCount {
  if (embeddedByImport > 0) {
    return { perImage: null, how: 'not derivable: the import embeds now, so plug in the embedder’s decode count' };
  }
  return { perImage: (images + embeddedByTrain) / images, how: 'derived: 1 import decode + 1 per embedding the training computed' };
}

/** Ids per embeddings query, well inside SQLite's limit on bound parameters. */
const ID_CHUNK = 500;

/** `doing` is kept up to date with the current step, for the lag monitor. */
async function run(folder: string, file: string, doing: { now: string }): Promise<Omit<FirstModelRun, 'lag' | 'peakRssMb'>> {
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const store = ProjectStore.create(file);
  try {
    doing.now = 'import';
    const report = await importPaths(store, [folder], { onProgress: () => undefined });
    const imported = performance.now();
    doing.now = 'opening the embedder';
    const embedder = await Embedder.open();
    const backbone = embedder.backbone.id;
    const embeddedByImport = countEmbeddings(store, backbone);
    const phaseSeconds: Partial<Record<TrainPhase, number>> = {};
    let phase: { name: TrainPhase; at: number } | null = null;
    const endPhase = () => {
      if (phase) phaseSeconds[phase.name] = (performance.now() - phase.at) / 1000;
    };
    let trained;
    try {
      trained = await trainProject(store, {
        embedder,
        onPhase: (name) => {
          endPhase();
          phase = { name, at: performance.now() };
          doing.now = `training: ${name}`;
        },
      });
      endPhase();
    } finally {
      doing.now = 'closing the embedder';
      await embedder.close();
    }
    doing.now = 'reading the embeddings back';
    const done = performance.now();
    const cpu = process.cpuUsage(cpu0);
    const labelled = labelledImages(store);
    const classes = [...new Set(labelled.map((i) => i.className))];
    const classOf = new Map(labelled.map((i) => [i.id, classes.indexOf(i.className)]));
    const ids = labelled.map((i) => i.id);
    const plain = [];
    for (let at = 0; at < ids.length; at += ID_CHUNK) plain.push(...getEmbeddings(store, backbone, ids.slice(at, at + ID_CHUNK), [PLAIN_VIEW]));
    return {
      images: report.added,
      seconds: (done - started) / 1000,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      importSeconds: (imported - started) / 1000,
      trainSeconds: (done - imported) / 1000,
      phaseSeconds,
      embeddedByImport,
      embeddedByTrain: trained.embedded.computed,
      accuracy: trained.metrics.validation?.accuracy ?? null,
      validationImages: trained.metrics.validation?.n ?? 0,
      decodes: derivedDecodes(report.added, embeddedByImport, trained.embedded.computed),
      plainVectors: { vectors: plain.map((e) => e.vector), labels: plain.map((e) => classOf.get(e.imageId)!), classes },
    };
  } finally {
    store.close();
  }
}

export async function importAndFirstModel(folder: string): Promise<FirstModelRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pancake-first-model-bench-'));
  const rss = startRssSampler();
  try {
    const doing = { now: 'creating the project' };
    const { result, lag } = await measureLag(
      () => run(folder, path.join(dir, 'bench.pancake'), doing),
      () => doing.now,
    );
    return { ...result, lag, peakRssMb: rss.stop().peakMb };
  } finally {
    rss.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
