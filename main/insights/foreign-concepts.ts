// Labelled photos that show a different kind of thing than any class: a
// butterfly filed under bees. Neither a held-out model nor distances find
// these: a model that knows only ants and bees calls a butterfly on a flower
// a bee, because the bees are on flowers too. The backbone's own ImageNet
// classifier knows butterflies, and WordNet (./imagenet-tree.ts) knows that
// a butterfly is an insect, as ants and bees are, but neither of them.
//
// The rule:
// - a class's concept is the most specific one that holds at least half of
//   its photos' ImageNet probability on average (ants: "ant"; dogs: "hunting
//   dog"), and the classes' kind is what all of those concepts are
//   ("hymenopterous insect"; "carnivore");
// - a photo's concept is the most specific one the backbone gives at least
//   SURE (a monarch butterfly, 85%);
// - the photo is flagged when its concept is of the kind one level above the
//   classes' ("insect") but not of their kind itself.
// Concepts of another domain altogether (the flower a bee sits on, the
// shopping cart a dog rides in) are what is around the subject, so they are
// left alone; so are classes that share no kind below "entity".
import { CONCEPT_NAMES, CONCEPT_PARENTS, IMAGENET_CLASSES } from './imagenet-tree.js';

/** A class's concept holds at least this share of its photos' probability on average. */
export const CLASS_SHARE = 0.5;
/**
 * A photo's concept is one the backbone is at least this sure of. Measured on
 * the shared sets: at 0.8 none of cats_vs_dogs' 500 photos is flagged; at 0.5
 * six of its 300 training photos are (cats and dogs taken for monkeys, a
 * hamster, a rabbit), and hymenoptera's flags are the same at 0.7 and 0.8.
 */
export const SURE = 0.8;
/** Fewer photos than this say too little about what a class is. */
const MIN_CLASS_PHOTOS = 3;

const COUNT = CONCEPT_NAMES.length;

/** Each concept with everything above it, itself included. */
const ANCESTORS: readonly ReadonlySet<number>[] = (() => {
  const memo: (Set<number> | undefined)[] = new Array(COUNT);
  const of = (c: number): Set<number> => {
    let set = memo[c];
    if (!set) {
      set = new Set([c]);
      for (const p of CONCEPT_PARENTS[c]!) for (const a of of(p)) set.add(a);
      memo[c] = set;
    }
    return set;
  };
  return Array.from({ length: COUNT }, (_, c) => of(c));
})();

/** Steps from the root along the longest way down: more is more specific. */
const DEPTH: readonly number[] = (() => {
  const memo: (number | undefined)[] = new Array(COUNT);
  const of = (c: number): number => (memo[c] ??= CONCEPT_PARENTS[c]!.length === 0 ? 0 : 1 + Math.max(...CONCEPT_PARENTS[c]!.map(of)));
  return Array.from({ length: COUNT }, (_, c) => of(c));
})();

const LEAF_ANCESTORS = IMAGENET_CLASSES.map((c) => [...ANCESTORS[c]!]);

/** Adds the probability that falls under each concept to `into`. */
function addMasses(probs: Float32Array, into: Float64Array, weight = 1): void {
  for (let k = 0; k < LEAF_ANCESTORS.length; k++) {
    const p = probs[k]!;
    if (p < 1e-6) continue;
    for (const a of LEAF_ANCESTORS[k]!) into[a]! += p * weight;
  }
}

/** The most specific concept holding at least `share`; the surer one of two as specific. */
function mostSpecific(mass: Float64Array, share: number): number | null {
  let best: number | null = null;
  for (let c = 0; c < COUNT; c++) {
    if (mass[c]! < share) continue;
    if (best === null || DEPTH[c]! > DEPTH[best]! || (DEPTH[c] === DEPTH[best] && mass[c]! > mass[best]!)) best = c;
  }
  return best;
}

export interface ForeignConcept {
  /** What the backbone sees, as WordNet names it ("monarch butterfly"). */
  concept: string;
  /** How sure it is, over everything under that concept. */
  probability: number;
  /** What it is as much as the classes are, one level above what they share: "insect" for a butterfly among ants and bees. */
  alike: string;
}

/**
 * Per row, the concept it shows when that is foreign to every class (see
 * above), else null; null throughout when the classes share no kind.
 * `probs` are the backbone's 1,000 ImageNet probabilities of each row.
 */
export function foreignConcepts(rows: readonly { y: number; probs: Float32Array }[]): (ForeignConcept | null)[] {
  const none = rows.map(() => null);
  const sums = new Map<number, { mass: Float64Array; n: number }>();
  for (const r of rows) {
    let s = sums.get(r.y);
    if (!s) sums.set(r.y, (s = { mass: new Float64Array(COUNT), n: 0 }));
    addMasses(r.probs, s.mass);
    s.n++;
  }
  const classConcepts: number[] = [];
  for (const { mass, n } of sums.values()) {
    if (n < MIN_CLASS_PHOTOS) continue;
    const c = mostSpecific(mass.map((m) => m / n), CLASS_SHARE);
    if (c === null) return none;
    classConcepts.push(c);
  }
  if (classConcepts.length < 2) return none;
  const shared = [...ANCESTORS[classConcepts[0]!]!].filter((a) => classConcepts.every((c) => ANCESTORS[c]!.has(a)));
  const kind = shared.reduce((a, b) => (DEPTH[b]! > DEPTH[a]! ? b : a));
  const above = CONCEPT_PARENTS[kind]!;
  if (above.length === 0) return none;
  return rows.map((r) => {
    const mass = new Float64Array(COUNT);
    addMasses(r.probs, mass);
    const seen = mostSpecific(mass, SURE);
    if (seen === null) return null;
    const up = ANCESTORS[seen]!;
    const alike = above.find((a) => up.has(a));
    if (alike === undefined || up.has(kind) || ANCESTORS[kind]!.has(seen)) return null;
    return { concept: CONCEPT_NAMES[seen]!, probability: mass[seen]!, alike: CONCEPT_NAMES[alike]! };
  });
}
