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

export type ApiEvent = JobProgress | ProjectChanged;

export type MediaKind = 'thumb' | 'preview';
