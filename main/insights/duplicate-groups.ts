// Turns similar pairs into groups of near-duplicates (connected pairs at
// or above the threshold) and picks the copy worth keeping in each.
import type { DuplicateGroup } from '../../contract/types.js';
import type { KeeperFacts } from '../../db/image-queries.js';
import type { PairList } from './pair-scan-protocol.js';
import { dot, type VectorIndex } from './vector-index.js';

class UnionFind {
  private readonly parent: Int32Array;

  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
  }

  find(x: number): number {
    let root = x;
    while (this.parent[root] !== root) root = this.parent[root]!;
    // Path compression keeps later finds short.
    while (this.parent[x] !== root) {
      const next = this.parent[x]!;
      this.parent[x] = root;
      x = next;
    }
    return root;
  }

  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

/**
 * The copy to keep: a labelled one (its label is work someone did), then the
 * most pixels, then the biggest file (least recompressed), then the oldest.
 */
export function chooseKeeper(facts: readonly KeeperFacts[]): number {
  const best = [...facts].sort(
    (x, y) => Number(y.labelled) - Number(x.labelled) || y.pixels - x.pixels || y.bytes - x.bytes || x.id - y.id,
  )[0];
  if (!best) throw new RangeError('an empty group has no keeper');
  return best.id;
}

export function groupDuplicates(
  pairs: PairList,
  threshold: number,
  index: VectorIndex,
  factsOf: (ids: number[]) => Map<number, KeeperFacts>,
): DuplicateGroup[] {
  const uf = new UnionFind(index.ids.length);
  const linked = new Set<number>();
  for (let i = 0; i < pairs.a.length; i++) {
    if (pairs.similarity[i]! < threshold) continue;
    uf.union(pairs.a[i]!, pairs.b[i]!);
    linked.add(pairs.a[i]!);
    linked.add(pairs.b[i]!);
  }
  const byRoot = new Map<number, number[]>();
  for (const row of linked) {
    const root = uf.find(row);
    let rows = byRoot.get(root);
    if (!rows) byRoot.set(root, (rows = []));
    rows.push(row);
  }
  const allIds = [...linked].map((row) => index.ids[row]!);
  const facts = factsOf(allIds);
  const groups: DuplicateGroup[] = [];
  for (const rows of byRoot.values()) {
    const known = rows.map((r) => facts.get(index.ids[r]!)).filter((f): f is KeeperFacts => f !== undefined);
    // Images deleted since the index was read are simply no longer part of a group.
    if (known.length < 2) continue;
    const keep = chooseKeeper(known);
    const keepRow = index.rowOf.get(keep)!;
    const members = known
      .map((f) => ({ id: f.id, similarity: f.id === keep ? 1 : dot(index.matrix, keepRow * index.dim, index.matrix, index.rowOf.get(f.id)! * index.dim, index.dim) }))
      .sort((x, y) => (x.id === keep ? -1 : y.id === keep ? 1 : y.similarity - x.similarity || x.id - y.id));
    groups.push({ keep, members: members.map((m) => m.id), similarity: members.map((m) => Math.min(1, m.similarity)) });
  }
  // Biggest groups first, then the closest copies.
  return groups.sort((x, y) => y.members.length - x.members.length || (y.similarity[1] ?? 0) - (x.similarity[1] ?? 0) || x.keep - y.keep);
}
