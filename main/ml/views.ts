// The catalogue of views an image is embedded under. The plain centre crop
// is what every image gets; the others are augmentations. Views are
// deterministic (no randomness), and each is known by a key spelled from its
// parameters (and read back from it), so a cached embedding of (image,
// backbone, view key) is the embedding of exactly that view: changing a
// view's parameters changes its key, and reordering the catalogue changes
// nothing.

import type { ViewKey } from '../../contract/types.js';

export type { ViewKey };

export interface ViewSpec {
  /** Mirror left-right. */
  flip: boolean;
  /** Shorter side is resized to inputSize * zoom before cropping; 1 = the whole centre square. */
  zoom: number;
  /** Where the crop sits within the slack left by the zoom: 0 = left/top, 0.5 = centre, 1 = right/bottom. */
  x: number;
  y: number;
  /** Rotation in degrees, clockwise; the crop stays inside the rotated picture. */
  rotate: number;
  brightness: number;
  saturation: number;
}


const PLAIN_SPEC: ViewSpec = { flip: false, zoom: 1, x: 0.5, y: 0.5, rotate: 0, brightness: 1, saturation: 1 };

/** Parameters in the order they are spelled; a parameter at its plain value is left out. */
const SPELLED = ['zoom', 'x', 'y', 'rotate', 'brightness', 'saturation'] as const;

export function viewKey(spec: ViewSpec): ViewKey {
  const parts: string[] = [];
  for (const p of SPELLED) if (spec[p] !== PLAIN_SPEC[p]) parts.push(`${p}${spec[p]}`);
  if (spec.flip) parts.push('flip');
  return parts.length === 0 ? 'plain' : parts.join('_');
}

const AUGMENTED: readonly ViewSpec[] = [
  { ...PLAIN_SPEC, zoom: 1.25, x: 0.2, y: 0.25 },
  { ...PLAIN_SPEC, zoom: 1.25, x: 0.8, y: 0.75, flip: true },
  { ...PLAIN_SPEC, rotate: 10, brightness: 1.12, saturation: 1.2 },
  { ...PLAIN_SPEC, rotate: -10, brightness: 0.88, saturation: 0.8, flip: true },
];

const CATALOGUE: readonly ViewSpec[] = [PLAIN_SPEC, { ...PLAIN_SPEC, flip: true }, ...AUGMENTED];

export const PLAIN_VIEW: ViewKey = viewKey(PLAIN_SPEC);
export const FLIP_VIEW: ViewKey = viewKey({ ...PLAIN_SPEC, flip: true });

/** What predictions average over, when the mirror is there for every image they judge. */
export const PREDICTION_VIEWS: readonly ViewKey[] = [PLAIN_VIEW, FLIP_VIEW];

/** Every view of the catalogue, the plain one first. */
export const ALL_VIEWS: readonly ViewKey[] = CATALOGUE.map(viewKey);

/**
 * What an import embeds every image under as it arrives. Where an idle
 * embedder makes the other views later (the app), the plain view alone: one
 * forward pass per photo instead of two, which is most of what the import
 * costs beyond a bare embedding pass, so the first model comes that much
 * sooner (docs/benchmarks.md). The CLI has no idle time to make the mirror
 * in, so its import embeds both views predictions average.
 */
export function importViews(background: boolean): ViewKey[] {
  return background ? [PLAIN_VIEW] : [...PREDICTION_VIEWS];
}

/** Views every training image learns from once the mirror is cached: mirroring is the augmentation every reference uses. */
export function baseTrainingViews(): ViewKey[] {
  return [PLAIN_VIEW, FLIP_VIEW];
}

/** The costlier views (crops, rotations, colour), embedded while Pancake is otherwise idle. */
export function extraTrainingViews(): ViewKey[] {
  const base = baseTrainingViews();
  return ALL_VIEWS.filter((v) => !base.includes(v));
}

/** Views embedded for a training image. */
export function trainingViews(augment: boolean): ViewKey[] {
  return augment ? [...baseTrainingViews(), ...extraTrainingViews()] : baseTrainingViews();
}

/** The view a key spells; throws RangeError for anything viewKey() would not have written. */
export function viewSpec(key: ViewKey): ViewSpec {
  const spec: ViewSpec = { ...PLAIN_SPEC };
  if (key !== 'plain') {
    for (const part of key.split('_')) {
      if (part === 'flip') {
        spec.flip = true;
        continue;
      }
      const name = SPELLED.find((p) => part.startsWith(p) && part.length > p.length);
      const value = name === undefined ? NaN : Number(part.slice(name.length));
      if (name === undefined || !Number.isFinite(value)) throw new RangeError(`Unknown view "${key}".`);
      spec[name] = value;
    }
  }
  if (viewKey(spec) !== key) throw new RangeError(`Unknown view "${key}".`);
  return spec;
}
