// Wording shared by the Train view's parts, so a figure reads the same in
// the result, the table, the details and the comparison.
import type { BackboneInfo } from '../../../../contract/types.js';

export function percent(share: number | null, digits = 1): string {
  return share === null ? '—' : `${(share * 100).toFixed(digits)}%`;
}

export function dateTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

/** "MobileNetV2 (recommended)" reads as "MobileNetV2" where space is tight. */
export function backboneName(id: string, backbones: readonly BackboneInfo[]): string {
  const label = backbones.find((b) => b.id === id)?.label;
  return label ? label.replace(/\s*\(.*\)\s*$/, '') : id;
}

/** The two series colours of the live curves: the app's blue and a warm contrast. */
export const TRAIN_COLOR = '#2b63d9';
export const VALIDATION_COLOR = '#d9822b';

/** Distinct colours for versions compared side by side. */
export const VERSION_COLORS = ['#2b63d9', '#d9822b', '#1f7a45', '#8e44ad', '#c4302b', '#16a0a0', '#7f6a00', '#555b66'];
