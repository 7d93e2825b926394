// Data shapes that cross the API boundary. Plain JSON-able objects only
// (plus Uint8Array, which both transports carry as binary).
import type { TrainSettings } from './train-settings.js';

export type { TrainSettings };

export const SPLITS = ['train', 'validation', 'test', 'none'] as const;
export type Split = (typeof SPLITS)[number];

/** The formats Pancake reads, recognised by their bytes (main/import/sniff.ts). */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'tiff' | 'bmp';

/** A view's stable name in the embedding cache, e.g. "plain", "flip", "zoom1.25_x0.2_y0.25" (spelled by main/ml/views.ts). */
export type ViewKey = string;

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
  /** The file or its folder cannot be written, so the project is open to look at only. */
  readOnly: boolean;
  /** Whether opening checked every page for damage, or (for a very large file) only the tables other than pixels and embeddings. */
  damageCheck: 'full' | 'partial';
  images: number;
  /** Bytes of the original files kept in the project, so exports give back exactly what was imported. */
  originalsBytes: number;
  unlabelled: number;
  classes: ClassInfo[];
  unlabelledSplits: SplitCounts;
  canUndo: boolean;
  canRedo: boolean;
  undoDescription: string | null;
  redoDescription: string | null;
}

export interface TableRecovery {
  table: string;
  /** Rows of the table in the new project. */
  copied: number;
  /** Places where a damaged page stopped the read and the copy skipped ahead. */
  gaps: number;
}

export interface ProjectRecovery {
  /** The new project holding the rows that could be read. */
  path: string;
  tables: TableRecovery[];
}

export interface RecentProject {
  path: string;
  name: string;
  openedAt: number;
  exists: boolean;
}

/** A project file found in the user's Pancake folder. */
export interface FolderProject {
  path: string;
  name: string;
  modifiedAt: number;
  bytes: number;
}

export interface AppInfo {
  version: string;
  host: 'electron' | 'browser';
  /** Whether the host can show native open/save/folder dialogs. */
  nativeDialogs: boolean;
  recent: RecentProject[];
  defaultProjectDir: string;
  /** The projects in defaultProjectDir, newest first, so a browser tab can open one without typing a path. */
  folderProjects: FolderProject[];
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
  /** Duplicates found in a class folder whose copy in the project was unlabelled, and took that class. */
  duplicatesLabelled?: { className: string; count: number }[];
  bySplit: SplitCounts;
  /** Bytes of the added images' original files, now kept in the project. */
  originalsBytes: number;
  cancelled: boolean;
  seconds: number;
  startedAt: number;
  /** Added images whose prediction views were embedded during the import (absent in reports before that). */
  embedded?: number;
  /** Why some or all added images were not embedded during the import; they are embedded when a model needs them. */
  embeddingNote?: string;
}

/**
 * An import embeds each added image (its prediction views) as it arrives:
 * `done` of the `total` images handed to the backbone so far, or why it
 * does not (the weights are missing), in which case training embeds them.
 */
export type ImportEmbedding = { state: 'running'; backbone: string; done: number; total: number } | { state: 'later'; reason: string };

/**
 * What one change did to the image list, so a view updates its grid and
 * counts together without reloading every row.
 */
export interface ImagesDelta {
  /** Rows, as they are now, of images the change touched that are in the project. */
  rows: ImageRow[];
  /** Images the change took out of the project. */
  removed: number[];
  /** Counts and undo state after the change. */
  info: ProjectInfo;
  /** Numbers changes in order; the change's project-changed event carries the same number. */
  seq: number;
}

export interface UndoResult {
  changed: number;
  description: string | null;
  /** What the step was: label changes, or a delete (undo brings the images back). */
  kind: 'labels' | 'delete' | null;
  /** The images the step touched. */
  imageIds: number[];
  delta: ImagesDelta;
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
  /** Import jobs only: how far the embedding of the added images is. */
  embedding?: ImportEmbedding;
}

export interface ProjectChanged {
  type: 'project-changed';
  what: 'images' | 'classes' | 'labels' | 'project' | 'versions';
  /** Set when the change's call answered with an ImagesDelta of the same number. */
  seq?: number;
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
  status: BackboneStatus;
  /** Size and licence of what Download fetches. */
  downloadBytes: number;
  licence: string;
}

export type BackboneStatus = 'ready' | 'missing' | 'damaged';

/** One backbone as `pancake models` and the models list show it. */
export interface ModelStatusInfo {
  id: string;
  name: string;
  status: BackboneStatus;
  /** The models folder its weights were found in; null when missing. */
  folder: string | null;
  problem: string | null;
  /** The published original that a fetch downloads (its pinned public address). */
  download: { url: string; sha256: string; bytes: number };
  licence: string;
}

export interface ModelsFetchResult {
  installed: { id: string; dir: string; downloaded: boolean }[];
}


/** The phases a training reports in its progress events, in the order they come. */
export const TRAIN_PHASES = ['embedding', 'training', 'evaluating', 'refitting', 'saving'] as const;
export type TrainPhase = (typeof TRAIN_PHASES)[number];

/** Loss is class-balanced cross-entropy; both are measured after the epoch, without dropout (training figures on up to 2,048 rows). */
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

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  /** Images whose true class this is. */
  support: number;
}

export interface ClassMetrics extends ClassScores {
  name: string;
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
  /** Images the saved model learned from: trainCount, plus the held-out images when it was trained again on them after they measured it. */
  learnedFromCount: number;
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

/** What a training uses when a setting is left out, for this project as it is now. */
export interface TrainDefaults {
  epochs: number;
  learningRate: number;
  hiddenUnits: number;
  /** On once the extra views are embedded (in the background, while Pancake is idle) for every training image, up to a limit on images. */
  augment: boolean;
  validationShare: number;
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
  defaults: TrainDefaults;
  /** Null where nothing is made in the background (the CLI) or until the idle embedder has looked. */
  background: BackgroundViews | null;
  /**
   * The active version is up to date with the labels but was trained before
   * the idle embedder made views the default training would now use.
   */
  activeLacksViews: boolean;
}

export interface TrainResult {
  versionId: number;
  /** Measured on validationCount images before the saved model learned from them (when learnedFromCount includes them). */
  accuracy: number | null;
  validationCount: number;
  learnedFromCount: number;
  /** Whether the saved model was trained again with the held-out images after they measured it. */
  refit: boolean;
  warnings: string[];
}

// ---- the live model: a draft head retrained after every label change ---------

export interface LiveAccuracyInfo {
  accuracy: number;
  /** 'validation': the validation split, which the draft never trains on; 'k-fold': each image guessed by a head fitted without its fold. */
  measuredOn: 'validation' | 'k-fold';
  /** Images the figure was measured on. */
  n: number;
  folds: number;
}

export interface LiveAccuracyPoint {
  at: number;
  labelled: number;
  accuracy: number;
}

export interface LiveModelStatus {
  /** 'off': no project; 'waiting': fewer than two classes have embedded, labelled images; 'training': a run is going. */
  state: 'off' | 'waiting' | 'training' | 'ready';
  /** What the draft waits for, in one sentence. */
  message: string | null;
  /** Numbers each new set of guesses, so a view fetches them only when they changed. */
  guessesRun: number;
  /** Labelled images the draft was fitted on. */
  labelled: number;
  /** Classes the draft tells apart. */
  classes: number;
  /** Images with no plain and mirror vectors yet, which the draft cannot use. */
  unembedded: number;
  accuracy: LiveAccuracyInfo | null;
  /** The figure is being measured for the newest guesses (the one shown is older). */
  measuring: boolean;
  /** How long the last fit took, in the worker. */
  fitMs: number | null;
  /** The draft's accuracy after each run this session, oldest first. */
  history: LiveAccuracyPoint[];
  /** Vectors the draft is missing, being computed in the background. */
  embedding: { jobId: string; done: number; total: number; etaSeconds: number | null } | null;
}

/** Guesses for the unlabelled images, as columns. */
export interface LiveGuesses {
  imageIds: number[];
  classIds: number[];
  confidences: number[];
}

export interface LiveModelEvent {
  type: 'live-model';
  status: LiveModelStatus;
}

/**
 * What the app makes while it is otherwise idle (the mirrors an import
 * leaves out, then the costlier training views): images still to do, and
 * how long that should take at the rate measured so far.
 */
export interface BackgroundViews {
  left: number;
  etaSeconds: number | null;
}

export interface BackgroundViewsEvent extends BackgroundViews {
  type: 'background-views';
}

export type ApiEvent = JobProgress | ProjectChanged | TrainEpochEvent | LiveModelEvent | BackgroundViewsEvent;

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
  /** Unlike every image the model was trained on: "none of these". Absent when the file could not be read. */
  outOfSet?: boolean;
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

// ---- understanding and improving the model (insights) -----------------------

export interface EvaluationClass {
  name: string;
  precision: number;
  recall: number;
  f1: number;
  /** Validation images whose true class this is. */
  support: number;
  /** Validation images the model put in this class. */
  predicted: number;
}

/** One validation image the model got wrong, with how wrong. */
export interface EvaluationMistake {
  imageId: number;
  trueClass: string;
  predictedClass: string;
  /** Probability of the predicted class. */
  confidence: number;
  /** Probability the model gave the true class. */
  trueProbability: number;
  /** Cross-entropy loss, -ln p(true class). */
  loss: number;
}

export interface EvaluationReport {
  versionId: number;
  versionName: string;
  active: boolean;
  createdAt: number;
  backbone: string;
  classes: string[];
  /** Where the validation images came from when this version trained. */
  validationSource: 'split' | 'holdout' | 'none';
  /** Whether the saved model then learned from the held-out images too (the figures are from before). */
  refit: boolean;
  /** Validation images the figures are computed on; 0 means there are no figures. */
  validationCount: number;
  accuracy: number | null;
  macroF1: number | null;
  perClass: EvaluationClass[];
  /** Rows true class, columns predicted; cells[t][p] lists the ids still in the project. */
  confusion: { labels: string[]; matrix: number[][]; cells: number[][][] };
  /** Wrong predictions, worst (highest loss) first; deleted images left out. */
  mistakes: EvaluationMistake[];
  /** Validation images of this version deleted from the project since. */
  deletedSince: number;
}

export interface SimilarImage {
  imageId: number;
  /** Cosine similarity of the two images' embeddings, -1..1. */
  similarity: number;
}

export interface SimilarImagesResult {
  imageId: number;
  neighbours: SimilarImage[];
  /** Time the search itself took, without computing embeddings. */
  queryMs: number;
}

export interface DuplicateGroup {
  /** The image suggested to keep: labelled before unlabelled, then the most pixels. */
  keep: number;
  /** Every image of the group, the suggested keeper first. */
  members: number[];
  /** Similarity of each member to the keeper, in `members` order. */
  similarity: number[];
}

export interface DuplicateReport {
  threshold: number;
  groups: DuplicateGroup[];
  /** Images compared. */
  images: number;
  /** Images that could not be read, so were not compared. */
  unreadable: number;
  scanSeconds: number;
}

export interface Suggestion {
  imageId: number;
  className: string;
  /** The project's class of that name now, or null when it is gone. */
  classId: number | null;
  confidence: number;
  /** Top probability minus the runner-up's: small means unsure. */
  margin: number;
  runnerUp: string | null;
  /** Unlike every image the model was trained on, so no class may fit; never accepted in bulk. */
  outOfSet: boolean;
}

export interface SuggestionReport {
  versionId: number;
  versionName: string;
  /** Labels changed since the version trained, so a new training may suggest better. */
  outOfDate: boolean;
  unlabelled: number;
  /** Unlabelled images that could not be read. */
  unreadable: number;
  items: Suggestion[];
}

export interface SuggestionBatch {
  id: number;
  description: string;
  createdAt: number;
  images: number;
  /** Images that still carry the label this group gave them. */
  stillApplied: number;
  /** Undone with the global undo. */
  undone: boolean;
}

export interface LabelNoiseItem {
  imageId: number;
  givenClass: string;
  predictedClass: string;
  /** Out-of-fold probability of the predicted class. */
  confidence: number;
  /** Out-of-fold probability of the given label. */
  givenProbability: number;
  /** Unlike every other image of its class (a placeholder, a photo of something else), whatever the held-out model says. */
  unlike: boolean;
  /**
   * What the backbone's own ImageNet classifier is sure this shows, when that
   * is a different kind of thing than any class (a butterfly among ants and
   * bees: `concept` "monarch butterfly", `alike` "insect"); null otherwise.
   */
  seen: { concept: string; probability: number; alike: string } | null;
  /** Among the most likely mistakes, shown before "show more". */
  likely: boolean;
}

export interface LabelNoiseReport {
  folds: number;
  /** Labelled images that were checked. */
  checked: number;
  /** Images whose label the out-of-fold model contradicts, most likely mistakes first. */
  items: LabelNoiseItem[];
  seconds: number;
}
