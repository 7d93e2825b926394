// How the insight views write numbers.

/** 0.9731 -> "97.3%"; whole numbers lose their ".0". */
export function percent(x: number, digits = 1): string {
  const s = (x * 100).toFixed(digits);
  return `${s.endsWith('.0') ? s.slice(0, -2) : s}%`;
}

export function shortDate(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
}

export function formatDate(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** A suggestion whose runner-up is closer than this is marked unsure. */
export const UNSURE_MARGIN = 0.3;

/** A model's confidence, rounded down, so "100%" is never shown for a probability below one. */
export function confidence(x: number, digits = 0): string {
  const f = 10 ** digits;
  return `${(Math.floor(x * 100 * f + 1e-6) / f).toFixed(digits)}%`;
}

/** "a" monarch butterfly, "an" admiral: by the first letter, which is right for every concept name the label check shows. */
export function article(noun: string): 'a' | 'an' {
  return /^[aeiou]/i.test(noun) ? 'an' : 'a';
}
