// The out-of-set rule's heavy part: each unit row's cosine distance to its
// nearest other row, n²/2 dot products. Four rows are compared with one at
// a time, so each value of that row is loaded once for four products.

/** `stopped` is polled once per row; when it says yes the result is null. */
export function nearestOtherDistances(unit: Float32Array, n: number, dim: number, stopped: () => boolean = () => false): Float64Array | null {
  const best = new Float64Array(n).fill(-Infinity);
  for (let a = 0; a < n; a++) {
    if (stopped()) return null;
    const oa = a * dim;
    let b = a + 1;
    for (; b + 3 < n; b += 4) {
      const o0 = b * dim;
      const o1 = o0 + dim;
      const o2 = o1 + dim;
      const o3 = o2 + dim;
      let d0 = 0;
      let d1 = 0;
      let d2 = 0;
      let d3 = 0;
      for (let j = 0; j < dim; j++) {
        const x = unit[oa + j]!;
        d0 += x * unit[o0 + j]!;
        d1 += x * unit[o1 + j]!;
        d2 += x * unit[o2 + j]!;
        d3 += x * unit[o3 + j]!;
      }
      best[a] = Math.max(best[a]!, d0, d1, d2, d3);
      if (d0 > best[b]!) best[b] = d0;
      if (d1 > best[b + 1]!) best[b + 1] = d1;
      if (d2 > best[b + 2]!) best[b + 2] = d2;
      if (d3 > best[b + 3]!) best[b + 3] = d3;
    }
    for (; b < n; b++) {
      let dot = 0;
      for (let j = 0, ob = b * dim; j < dim; j++) dot += unit[oa + j]! * unit[ob + j]!;
      if (dot > best[a]!) best[a] = dot;
      if (dot > best[b]!) best[b] = dot;
    }
  }
  for (let i = 0; i < n; i++) best[i] = 1 - best[i]!;
  return best;
}
