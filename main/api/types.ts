// Data shapes that cross the API boundary. Plain JSON-able objects only
// (plus Uint8Array, which both transports carry as binary).

export const SPLITS = ['train', 'validation', 'test', 'none'] as const;
export type Split = (typeof SPLITS)[number];

export const LABEL_SOURCES = ['folder', 'user', 'suggestion'] as const;
export type LabelSource = (typeof LABEL_SOURCES)[number];

export type SplitCounts = Record<Split, number>;

export interface ClassInfo {
  id: number;
  name: string;
  color: string;
  position: number;
  count: number;
  splits: SplitCounts;
}

export interface ImageRow {
  id: number;
  fileName: string;
  sourcePath: string;
  width: number;
  height: number;
  format: string;
  split: Split;
  classId: number | null;
  labelSource: LabelSource | null;
}

export interface ProjectInfo {
  path: string;
  name: string;
  schemaVersion: number;
  images: number;
  unlabelled: number;
  classes: ClassInfo[];
  unlabelledSplits: SplitCounts;
  canUndo: boolean;
  canRedo: boolean;
  undoDescription: string | null;
  redoDescription: string | null;
}

export interface RecentProject {
  path: string;
  name: string;
  openedAt: number;
  exists: boolean;
}

export interface AppInfo {
  version: string;
  host: 'electron' | 'browser';
  /** Whether the host can show native open/save/folder dialogs. */
  nativeDialogs: boolean;
  recent: RecentProject[];
  defaultProjectDir: string;
  openProject: string | null;
}

export interface ImportIssue {
  file: string;
  reason: string;
}

export interface ImportReport {
  id: number;
  added: number;
  duplicates: ImportIssue[];
  skipped: ImportIssue[];
  classesCreated: string[];
  bySplit: SplitCounts;
  cancelled: boolean;
  seconds: number;
  startedAt: number;
}

export interface UndoResult {
  changed: number;
  description: string | null;
}

export interface JobProgress {
  type: 'progress';
  jobId: string;
  kind: string;
  phase: string;
  done: number;
  total: number | null;
  etaSeconds: number | null;
  message?: string;
}

export interface ProjectChanged {
  type: 'project-changed';
  what: 'images' | 'classes' | 'labels' | 'project' | 'versions';
}


export type MediaKind = 'thumb' | 'preview';

// ---- training and model versions ------------------------------------------

export interface BackboneInfo {
  id: string;
  label: string;
  description: string;
  embeddingSize: number;
  isDefault: boolean;
  /** Null when the weights were found and look intact. */
  problem: string | null;
}

export interface TrainSettings {
  backbone?: string;
  augment?: boolean;
  epochs?: number;
  learningRate?: number;
  /** 0 means no hidden layer. */
  hiddenUnits?: number;
  /** Share of labelled images held out when the project has no validation split. */
  validationShare?: number;
  seed?: number;
}

export interface EpochStats {
  epoch: number;
  loss: number;
  acc: number;
  valLoss: number | null;
  valAcc: number | null;
}

export interface TrainEpochEvent {
  type: 'train-epoch';
  jobId: string;
  stats: EpochStats;
  maxEpochs: number;
}

export interface ClassMetrics {
  name: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ConfusionMatrix {
  /** Rows are the true class, columns the predicted one, both in this order. */
  labels: string[];
  matrix: number[][];
}

export interface VersionSummary {
  id: number;
  name: string;
  note: string;
  createdAt: number;
  backbone: string;
  classes: string[];
  accuracy: number | null;
  validationCount: number;
  trainCount: number;
  durationMs: number;
  active: boolean;
  outOfDate: boolean;
  settings: TrainSettings;
}

export interface VersionDetail extends VersionSummary {
  perClass: ClassMetrics[];
  confusion: ConfusionMatrix;
  curves: EpochStats[];
  bestEpoch: number | null;
  warnings: string[];
}

export interface TrainingReadiness {
  ready: boolean;
  /** Why training cannot start (fewer than two classes, an empty class...). */
  problems: string[];
  warnings: string[];
  backbone: string;
  labelled: number;
  activeVersionId: number | null;
  activeOutOfDate: boolean;
}

export interface TrainResult {
  versionId: number;
  accuracy: number | null;
  validationCount: number;
  warnings: string[];
}

export type ApiEvent = JobProgress | ProjectChanged | TrainEpochEvent;

// ---- using a model ----------------------------------------------------------

export interface FolderEvaluationResult {
  accuracy: number;
  n: number;
  perClass: Record<string, { precision: number; recall: number; f1: number; n: number }>;
  confusion: ConfusionMatrix;
  unknownClasses: string[];
  failed: { file: string; reason: string }[];
}

export interface ClassConfidence {
  class: string;
  confidence: number;
}

export interface FilePrediction {
  file: string;
  predictions: ClassConfidence[];
  /** Set instead of predictions when the file could not be read. */
  error?: string;
}

// ---- export -----------------------------------------------------------------

export type ExportFormat = 'onnx' | 'tfjs' | 'dataset';

export interface ExportResult {
  dir: string;
  format: ExportFormat;
  versionId: number | null;
  files: number;
  bytes: number;
  /** Extra facts for the user, e.g. how many images went out as the project's JPEG copy. */
  notes: string[];
}
