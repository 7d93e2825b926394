// The one API contract. Electron IPC, the browser host and the CLI all
// dispatch through it, and the renderer's typed client is derived from it,
// so there is no second list of methods to keep in step.
import { trainSettings } from './train-settings.js';
import { v, type Validator } from './validate.js';
import {
  SPLITS,
  type AppInfo,
  type ImageRow,
  type ImportReport,
  type ProjectInfo,
  type ProjectRecovery,
  type UndoResult,
  type ImagesDelta,
  type BackboneInfo,
  type TrainingReadiness,
  type TrainResult,
  type VersionDetail,
  type VersionSummary,
  type ExportResult,
  type FilePrediction,
  type FolderEvaluationResult,
  type ModelStatusInfo,
  type ModelsFetchResult,
  type LiveGuesses,
  type LiveModelStatus,
} from './types.js';
import type {
  DuplicateReport,
  EvaluationReport,
  LabelNoiseReport,
  SimilarImagesResult,
  SuggestionBatch,
  SuggestionReport,
} from './types.js';

export interface MethodSpec<P, R> {
  params: Validator<P>;
  /** Phantom: carries the result type only. */
  result?: R;
}

function method<R>() {
  return <P>(params: Validator<P>): MethodSpec<P, R> => ({ params });
}

const id = () => v.int({ min: 1 });
const jobId = () => v.string({ min: 1, max: 100 });
const ids = () => v.array(id(), { max: 1_000_000 });
const path = () => v.string({ min: 1, max: 4096 });
const color = () => v.string({ min: 4, max: 9 });
const className = () => v.string({ min: 1, max: 100 });
const none = v.object({});

export const contract = {
  appInfo: method<AppInfo>()(none),

  projectCreate: method<ProjectInfo>()(v.object({ path: path() })),
  projectOpen: method<ProjectInfo>()(v.object({ path: path() })),
  projectClose: method<null>()(none),
  projectInfo: method<ProjectInfo | null>()(none),
  recentForget: method<null>()(v.object({ path: path() })),
  /** Copies the readable rows of a damaged project into a new project file. */
  projectRecover: method<ProjectRecovery>()(v.object({ from: path(), to: path() })),

  listImages: method<{ images: ImageRow[] }>()(none),
  imagesDelete: method<{ deleted: number; delta: ImagesDelta }>()(v.object({ imageIds: ids() })),
  imagesSetSplit: method<{ changed: number; delta: ImagesDelta }>()(v.object({ imageIds: ids(), split: v.literal(...SPLITS) })),

  classCreate: method<{ id: number }>()(v.object({ name: className(), color: v.optional(color()) })),
  classUpdate: method<null>()(
    v.object({ id: id(), name: v.optional(className()), color: v.optional(color()) }),
  ),
  classDelete: method<{ unlabelled: number }>()(v.object({ id: id() })),
  classMerge: method<{ moved: number }>()(v.object({ from: id(), into: id() })),
  classReorder: method<null>()(v.object({ ids: ids() })),

  labelSet: method<{ changed: number; delta: ImagesDelta }>()(v.object({ imageIds: ids(), classId: v.nullable(id()) })),
  /** Labels the given unlabelled images as the live model guesses, as one undoable step; images it has no guess for stay as they are. */
  liveAccept: method<{ changed: number; delta: ImagesDelta }>()(v.object({ imageIds: ids() })),
  undo: method<UndoResult>()(none),
  redo: method<UndoResult>()(none),

  importPaths: method<ImportReport>()(v.object({ jobId: jobId(), paths: v.array(path(), { max: 100_000 }) })),
  importBegin: method<null>()(v.object({ jobId: jobId(), expected: v.optional(v.int({ min: 0 })) })),
  importAdd: method<{ accepted: number }>()(
    v.object({
      jobId: jobId(),
      files: v.array(v.object({ path: path(), bytes: v.bytes() }), { max: 1000 }),
    }),
  ),
  importEnd: method<ImportReport>()(v.object({ jobId: jobId() })),
  importReports: method<{ reports: ImportReport[] }>()(none),

  backbonesList: method<{ backbones: BackboneInfo[]; current: string; searched: string[] }>()(none),
  /** Every backbone: ready, missing or damaged, where it was found, and what fetching it downloads. */
  modelsList: method<{ models: ModelStatusInfo[]; installDir: string; searched: string[] }>()(none),
  /** Downloads, converts and installs backbones (default: every one not ready) as a job with progress. */
  modelsFetch: method<ModelsFetchResult>()(
    v.object({ jobId: jobId(), ids: v.optional(v.array(v.string({ min: 1, max: 100 }), { max: 20 })), dir: v.optional(path()) }),
  ),
  settingsSet: method<null>()(v.object({ modelsDir: v.nullable(path()) })),
  projectSetBackbone: method<null>()(v.object({ backbone: v.string({ min: 1, max: 100 }) })),
  trainingReadiness: method<TrainingReadiness>()(none),
  train: method<TrainResult>()(
    v.object({
      jobId: jobId(),
      settings: v.optional(trainSettings),
    }),
  ),
  versionsList: method<{ versions: VersionSummary[] }>()(none),
  versionGet: method<VersionDetail>()(v.object({ id: id() })),
  versionUpdate: method<null>()(
    v.object({ id: id(), name: v.optional(v.string({ min: 1, max: 200 })), note: v.optional(v.string({ max: 10_000 })) }),
  ),
  versionSetActive: method<null>()(v.object({ id: id() })),
  versionDelete: method<null>()(v.object({ id: id() })),

  evaluateFolder: method<FolderEvaluationResult>()(v.object({ jobId: jobId(), folder: path() })),
  predictPaths: method<{ results: FilePrediction[] }>()(
    v.object({ jobId: jobId(), paths: v.array(path(), { max: 100_000 }), topK: v.optional(v.int({ min: 1, max: 1000 })) }),
  ),
  predictFiles: method<{ results: FilePrediction[] }>()(
    v.object({
      files: v.array(v.object({ name: v.string({ min: 1, max: 4096 }), bytes: v.bytes() }), { max: 200 }),
      topK: v.optional(v.int({ min: 1, max: 1000 })),
    }),
  ),

  exportModel: method<ExportResult>()(
    v.object({
      jobId: jobId(),
      format: v.literal('onnx', 'tfjs', 'dataset'),
      dir: path(),
      versionId: v.optional(id()),
      overwrite: v.optional(v.boolean()),
    }),
  ),
  /** With a jobId the copy reports its progress (pages copied) as that job. */
  exportProject: method<{ path: string; bytes: number }>()(v.object({ jobId: v.optional(jobId()), path: path(), overwrite: v.optional(v.boolean()) })),

  /** Native file dialogs; only hosts with AppInfo.nativeDialogs answer it. */
  pickPaths: method<{ paths: string[] }>()(
    v.object({ kind: v.literal('open-project', 'new-project', 'import-files', 'import-folder') }),
  ),

  /** The draft model that retrains after every label change, and its guesses for the unlabelled images. */
  liveModelGet: method<{ status: LiveModelStatus; guesses: LiveGuesses }>()(none),

  cancelJob: method<{ cancelled: boolean }>()(v.object({ jobId: jobId() })),

  // ---- understanding and improving the model (main/insights) ----------------
  /** Validation figures, confusion cells and worst mistakes of a version (default: the active one). */
  evaluationGet: method<EvaluationReport>()(v.object({ versionId: v.optional(id()) })),
  /** Nearest images by embedding; computes missing embeddings as the job. */
  similarImages: method<SimilarImagesResult>()(
    v.object({ jobId: jobId(), imageId: id(), limit: v.optional(v.int({ min: 1, max: 500 })) }),
  ),
  duplicatesFind: method<DuplicateReport>()(
    v.object({ jobId: jobId(), threshold: v.optional(v.number({ min: 0.8, max: 1 })) }),
  ),
  /** The active version's predictions for every unlabelled image. */
  suggestionsCompute: method<SuggestionReport>()(v.object({ jobId: jobId() })),
  /** Labels still-unlabelled images as suggested, as one undoable group. */
  suggestionsAccept: method<{ changed: number; batchId: number | null }>()(
    v.object({ items: v.array(v.object({ imageId: id(), classId: id() }), { max: 1_000_000 }) }),
  ),
  suggestionBatches: method<{ batches: SuggestionBatch[] }>()(none),
  /** Reverts one accepted group, even under later steps: only images still carrying its label. */
  suggestionBatchUndo: method<{ reverted: number; kept: number }>()(v.object({ batchId: id() })),
  /** Labelled images whose label out-of-fold models contradict. */
  labelNoiseFind: method<LabelNoiseReport>()(
    v.object({ jobId: jobId(), folds: v.optional(v.int({ min: 2, max: 10 })) }),
  ),
  /** Loads the backbone the active version needs, so the first "try it" answers fast. */
  tryWarm: method<{ backbone: string | null; ms: number }>()(none),
  /** Adds an image that was tried to the project, labelled by the user. */
  addTriedImage: method<{ imageId: number }>()(
    v.object({ name: v.string({ min: 1, max: 4096 }), bytes: v.bytes(), classId: id() }),
  ),
} as const;

export type Contract = typeof contract;
export type MethodName = keyof Contract;
export type ParamsOf<K extends MethodName> = Contract[K] extends MethodSpec<infer P, unknown> ? P : never;
export type ResultOf<K extends MethodName> = Contract[K] extends MethodSpec<unknown, infer R> ? R : never;

/** The typed API as a caller sees it. */
export type Api = { [K in MethodName]: (params: ParamsOf<K>) => Promise<ResultOf<K>> };

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(contract, name);
}
