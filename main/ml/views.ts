// The fixed catalogue of views an image is embedded under. View 0 is the
// plain centre crop every image gets; the others are augmentations given to
// training images only. Views are deterministic (no randomness), so a cached
// embedding of (image, backbone, view) never goes stale.

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

const plain: ViewSpec = { flip: false, zoom: 1, x: 0.5, y: 0.5, rotate: 0, brightness: 1, saturation: 1 };

export const VIEWS: readonly ViewSpec[] = [
  plain,
  { ...plain, flip: true },
  { ...plain, zoom: 1.25, x: 0.2, y: 0.25 },
  { ...plain, zoom: 1.25, x: 0.8, y: 0.75, flip: true },
  { ...plain, rotate: 10, brightness: 1.12, saturation: 1.2 },
  { ...plain, rotate: -10, brightness: 0.88, saturation: 0.8, flip: true },
];

export const PLAIN_VIEW = 0;
export const FLIP_VIEW = 1;

/**
 * Views every training image learns from: the two every image is embedded
 * under anyway, for predictions, so the first model waits for nothing else
 * (measured in docs/benchmarks.md).
 */
export function baseTrainingViews(): number[] {
  return [PLAIN_VIEW, FLIP_VIEW];
}

/** The costlier views (crops, rotations, colour), embedded while Pancake is otherwise idle. */
export function extraTrainingViews(): number[] {
  const base = baseTrainingViews();
  return VIEWS.map((_, i) => i).filter((v) => !base.includes(v));
}

/** Views embedded for a training image. */
export function trainingViews(augment: boolean): number[] {
  return augment ? [...baseTrainingViews(), ...extraTrainingViews()] : baseTrainingViews();
}

export function viewSpec(view: number): ViewSpec {
  const spec = VIEWS[view];
  if (!spec) throw new RangeError(`Unknown view ${view}.`);
  return spec;
}
