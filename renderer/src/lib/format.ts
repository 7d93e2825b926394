// Small wording helpers so every count in the UI reads the same way.
import type { Split } from '../../../contract/types.js';

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

export const SPLIT_LABELS: Record<Split, string> = {
  train: 'Train',
  validation: 'Validation',
  test: 'Test',
  none: 'Pancake decides',
};

/** Short tags for grid cells, where space is tight. */
export const SPLIT_TAGS: Record<Split, string> = {
  train: 'train',
  validation: 'val',
  test: 'test',
  none: '',
};

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 1) return 'under a second';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return s ? `${m} min ${s} s` : `${m} min`;
}

/** "about 2 min left", and "almost done" where `duration` would give "about under a second left". */
export function timeLeft(seconds: number, prefix = 'about'): string {
  return seconds < 1 ? 'almost done' : `${prefix} ${duration(seconds)} left`;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export const isMac = /Mac|iPhone|iPad/.test(navigator.platform);
export const modKey = isMac ? '⌘' : 'Ctrl';
