// Model versions: each training run's head, settings, metrics and the
// fingerprint of the labelled data it saw. One version is active: the one
// predictions and exports use.
import { UserError } from '../../contract/errors.js';
import crypto from 'node:crypto';
import type { ProjectStore } from '../../db/project-store.js';
import {
  deleteModelVersion,
  getActiveVersionId,
  getModelHead,
  getModelVersion,
  insertModelVersion,
  labelledImages,
  listModelVersions,
  setActiveVersionId,
  updateModelVersion,
  type LabelledImage,
  type ModelVersionRow,
} from '../../db/ml-queries.js';
import { decodeHead, encodeHead } from './head-codec.js';
import type { HeadModel } from './head-format.js';
import type { ImagePrediction, Metrics } from './metrics.js';
import type { OutOfSetRule } from './out-of-set.js';
import type { EpochStats } from '../../contract/types.js';
import type { HeadSettings } from './train-head.js';
import type { ViewKey } from './views.js';

export interface VersionSettings extends HeadSettings {
  backbone: string;
  augment: boolean;
  /** Views each training image was embedded under: keys, or catalogue positions in versions trained before keys (schema 5). */
  views: (ViewKey | number)[];
  /** Whether predictions average the plain and mirrored view. */
  tta: boolean;
  validationShare: number;
  /** Where the validation images came from. */
  validation: 'split' | 'holdout' | 'none';
  /** Whether the saved head was trained again on the held-out images too, after they chose the epoch count; absent in older versions. */
  refit?: boolean;
  /** tfjs backend that trained the head. */
  tfBackend: string;
}

export interface VersionMetrics {
  /** On the validation images; null when there were none. */
  validation: Metrics | null;
  /** On labelled images of the 'test' split, which never train; null when there are none. */
  test: Metrics | null;
  /** Per validation image, for the "worst mistakes" view. */
  predictions: ImagePrediction[];
  history: EpochStats[];
  bestEpoch: number;
  stoppedEarly: boolean;
  /**
   * trainImages trained the head the metrics were measured on; fitImages
   * trained the saved head (more when it was refit, absent in older versions).
   */
  counts: { trainImages: number; trainSamples: number; validation: number; test: number; fitImages?: number };
  /** How far from the training images an image is "none of these"; absent in versions trained before it existed. */
  outOfSet?: OutOfSetRule;
}

/** A stored version with its JSON columns read. */
export interface ModelVersion extends Omit<ModelVersionRow, 'settingsJson' | 'metricsJson'> {
  settings: VersionSettings;
  metrics: VersionMetrics;
  active: boolean;
}

export class VersionError extends UserError {
  constructor(message: string) {
    super('VersionError', message);
  }
}

/** The labelled images a training uses: every split but 'test'. */
export function trainableImages(images: readonly LabelledImage[]): LabelledImage[] {
  return images.filter((i) => i.split !== 'test');
}

/** Hash of sorted (imageId, sha256, className, split) of the images a training sees. */
export function dataFingerprint(images: readonly LabelledImage[]): string {
  const hash = crypto.createHash('sha256');
  for (const i of [...images].sort((a, b) => a.id - b.id)) hash.update(`${i.id}\t${i.sha256}\t${i.className}\t${i.split}\n`);
  return hash.digest('hex');
}

export function currentFingerprint(store: ProjectStore): string {
  return dataFingerprint(trainableImages(labelledImages(store)));
}

function toVersion(row: ModelVersionRow, activeId: number | null): ModelVersion {
  return {
    id: row.id,
    name: row.name,
    note: row.note,
    createdAt: row.createdAt,
    backbone: row.backbone,
    classes: row.classes,
    settings: JSON.parse(row.settingsJson) as VersionSettings,
    dataFingerprint: row.dataFingerprint,
    metrics: JSON.parse(row.metricsJson) as VersionMetrics,
    durationMs: row.durationMs,
    active: row.id === activeId,
  };
}

export interface NewVersion {
  name?: string;
  head: HeadModel;
  settings: VersionSettings;
  dataFingerprint: string;
  metrics: VersionMetrics;
  durationMs: number;
}

/** Saves a version and makes it the active one, in one transaction. */
export function saveVersion(store: ProjectStore, v: NewVersion): number {
  return store.transaction(() => {
    const name = v.name ?? `Model ${listModelVersions(store).reduce((n, r) => Math.max(n, r.id), 0) + 1}`;
    const id = insertModelVersion(store, {
      name,
      backbone: v.head.backbone,
      classes: v.head.classes,
      settingsJson: JSON.stringify(v.settings),
      dataFingerprint: v.dataFingerprint,
      metricsJson: JSON.stringify(v.metrics),
      head: encodeHead(v.head),
      durationMs: v.durationMs,
    });
    setActiveVersionId(store, id);
    return id;
  });
}

/** Newest first. */
export function listVersions(store: ProjectStore): ModelVersion[] {
  const active = getActiveVersionId(store);
  return listModelVersions(store).map((r) => toVersion(r, active));
}

export function getVersion(store: ProjectStore, id: number): ModelVersion {
  const row = getModelVersion(store, id);
  if (!row) throw new VersionError(`There is no model version with id ${id}.`);
  return toVersion(row, getActiveVersionId(store));
}

/** A version's head as stored (what an export's worker decodes itself). */
export function loadHeadBytes(store: ProjectStore, id: number): Uint8Array {
  const bytes = getModelHead(store, id);
  if (!bytes) throw new VersionError(`There is no model version with id ${id}.`);
  return bytes;
}

export function loadHead(store: ProjectStore, id: number): HeadModel {
  return decodeHead(loadHeadBytes(store, id));
}

export function activeVersion(store: ProjectStore): ModelVersion | null {
  const id = getActiveVersionId(store);
  const row = id === null ? null : getModelVersion(store, id);
  return row ? toVersion(row, id) : null;
}

export function setActiveVersion(store: ProjectStore, id: number): void {
  if (!getModelVersion(store, id)) throw new VersionError(`There is no model version with id ${id}.`);
  setActiveVersionId(store, id);
}

export function renameVersion(store: ProjectStore, id: number, name: string): void {
  const clean = name.trim().replace(/\s+/g, ' ');
  if (!clean) throw new VersionError('A model version needs a name.');
  if (clean.length > 100) throw new VersionError('Model version names are limited to 100 characters.');
  if (!updateModelVersion(store, id, { name: clean })) throw new VersionError(`There is no model version with id ${id}.`);
}

export function setVersionNote(store: ProjectStore, id: number, note: string): void {
  if (note.length > 10_000) throw new VersionError('Notes are limited to 10,000 characters.');
  if (!updateModelVersion(store, id, { note })) throw new VersionError(`There is no model version with id ${id}.`);
}

/** Deletes a version; deleting the active one leaves no version active. */
export function deleteVersion(store: ProjectStore, id: number): void {
  if (!deleteModelVersion(store, id)) throw new VersionError(`There is no model version with id ${id}.`);
}

/** True when labels, splits or images changed since the active version was trained; null without one. */
export function activeVersionOutOfDate(store: ProjectStore): boolean | null {
  const active = activeVersion(store);
  return active ? active.dataFingerprint !== currentFingerprint(store) : null;
}
