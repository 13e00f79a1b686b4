/**
 * Whether a lazy edit decides its merge under the format's own rule, by brute force and
 * independently of the merger (shared by the property test and the benchmark): a region fits at
 * original lines [s, e] when its first C lines equal the original from s and its last C lines the
 * original up to e (an end fixed to the file's start or end needs none); the two contexts lie on
 * distinct lines, except for one blank line they may share when the region has lines of its own
 * between them. A placement deletes the span's lines the region does not keep (span minus the
 * longest common subsequence). The edit decides its merge when the true spans are the one
 * sequence of fitting placements, in order and apart, that deletes the fewest lines in all.
 */
export interface OracleRegion {
  lines: readonly string[];
  fixedStart: boolean;
  fixedEnd: boolean;
  /** The true span, 0-based inclusive. */
  start: number;
  end: number;
}

export function lcsLength(a: readonly string[], b: readonly string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    let diag = 0;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = a[i - 1] === b[j - 1] ? diag + 1 : Math.max(row[j], row[j - 1]);
      diag = up;
    }
  }
  return row[b.length];
}

export function decidesMerge(original: readonly string[], regions: readonly OracleRegion[], C: number): boolean {
  const n = original.length;
  const deletes = (r: OracleRegion, s: number, e: number) => e - s + 1 - lcsLength(r.lines, original.slice(s, e + 1));
  // No competing sequence can delete more than the true one does in all, and a span of L lines
  // deletes at least L minus the region's length: longer spans are never examined.
  const truth = regions.reduce((sum, r) => sum + deletes(r, r.start, r.end), 0);
  const fits = regions.map((r) => {
    const m = r.lines.length;
    const need = (r.fixedStart ? 0 : C) + (r.fixedEnd ? 0 : C);
    if (need > m) return [];
    const mayShare = !r.fixedStart && !r.fixedEnd && C > 1 && m > 2 * C;
    const starts = r.fixedStart
      ? [0]
      : [...original.keys()].filter((s) => r.lines.slice(0, C).every((l, k) => original[s + k] === l));
    const ends = r.fixedEnd
      ? [n - 1]
      : [...original.keys()].filter((e) => e - C + 1 >= 0 && r.lines.slice(m - C).every((l, k) => original[e - C + 1 + k] === l));
    const out: Array<{ s: number; e: number; d: number }> = [];
    for (const s of starts) {
      for (const e of ends) {
        const span = e - s + 1;
        if (span - m > truth) break;
        const fitsSpan = span >= Math.max(1, need) || (mayShare && span === need - 1 && original[s + C - 1].trim() === '');
        if (fitsSpan) out.push({ s, e, d: deletes(r, s, e) });
      }
    }
    return out;
  });
  // Fewest deletions over ordered sequences ending at each end, how many sequences reach it (capped
  // at 2), and whether the true one is among them.
  type Best = { d: number; ways: number; truth: boolean };
  let best = new Map<number, Best>([[-1, { d: 0, ways: 1, truth: true }]]);
  fits.forEach((list, i) => {
    const next = new Map<number, Best>();
    for (const p of list) {
      let d = Infinity;
      let ways = 0;
      let truthBefore = false;
      for (const [end, v] of best) {
        if (end >= p.s) continue;
        if (v.d < d) [d, ways, truthBefore] = [v.d, v.ways, v.truth];
        else if (v.d === d) [ways, truthBefore] = [Math.min(2, ways + v.ways), truthBefore || v.truth];
      }
      if (d === Infinity) continue;
      const isTrue = truthBefore && p.s === regions[i].start && p.e === regions[i].end;
      const total = d + p.d;
      const cur = next.get(p.e);
      if (!cur || total < cur.d) next.set(p.e, { d: total, ways, truth: isTrue });
      else if (total === cur.d) next.set(p.e, { d: total, ways: Math.min(2, cur.ways + ways), truth: cur.truth || isTrue });
    }
    best = next;
  });
  const finals = [...best.values()];
  if (!finals.length) return false;
  const min = Math.min(...finals.map((v) => v.d));
  const top = finals.filter((v) => v.d === min);
  return top.length === 1 && top[0].ways === 1 && top[0].truth;
}
