/**
 * Property test (fast-check): files made of many repeated lines ("}", blank, "return x;", copied
 * blocks), a random true edit of 1 to 3 hunks, and the lazy edit cut from it with 1 to 3 lines of
 * context, as the format describes. Whenever the true spans are the one fewest-deleted sequence of
 * placements fitting that context (an oracle written here, independently of the merger, by brute
 * force, testkit/apply-oracle.ts), apply_edit must return the expected file, or refuse, or flag its result as a guess
 * (confidence < 0.5): never a different file with confidence >= 0.5. Every other case must at least
 * end in a merge or a refusal, never a crash. A fixed seed; APPLY_SEED / APPLY_PATH replay others.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SixfoldError } from '../../../../src/errors.js';
import { applyEdit } from '../../../../src/patterns/codegen/apply-edit.js';
import { decidesMerge } from '../../../../testkit/apply-oracle.js';

const RUNS = Number(process.env.APPLY_RUNS ?? 600);
const SEED = 20261203;
const params = () =>
  process.env.APPLY_SEED ? { seed: Number(process.env.APPLY_SEED), path: process.env.APPLY_PATH } : { seed: SEED };

/** Lines that repeat all over real code, and a few that do not. */
const COMMON = ['}', '', '  }', 'return x;', '  return x;', '})', 'assert ok', '{', 'end'];
const MARKER = '// ... existing code ...';

interface Hunk {
  /** 0-based original line the hunk starts at; it deletes `del` lines there and inserts `ins`. */
  at: number;
  del: number;
  ins: string[];
}

interface Case {
  original: string[];
  hunks: Hunk[];
  context: number;
}

const lineArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...COMMON) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 30 }).map((k) => `line ${k}`) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 5 }).map((k) => `  call(${k});`) },
);

/** A file of 12..80 lines with a few blocks copied elsewhere. */
const fileArb = fc
  .tuple(
    fc.array(lineArb, { minLength: 12, maxLength: 80 }),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 2, max: 6 }), fc.nat()), { maxLength: 3 }),
  )
  .map(([lines, copies]) => {
    const out = [...lines];
    for (const [from, len, to] of copies) {
      const a = from % out.length;
      const block = out.slice(a, a + len);
      out.splice(to % (out.length + 1), 0, ...block);
    }
    return out;
  });

const caseArb: fc.Arbitrary<Case> = fileArb.chain((original) =>
  fc
    .record({
      context: fc.integer({ min: 1, max: 3 }),
      hunks: fc.array(
        fc.record({
          at: fc.nat({ max: original.length - 1 }),
          del: fc.integer({ min: 0, max: 4 }),
          ins: fc.array(
            fc.oneof(
              lineArb,
              fc.integer({ min: 0, max: 99 }).map((k) => `new ${k}`),
            ),
            { maxLength: 4 },
          ),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    })
    .map(({ context, hunks }) => ({ original, context, hunks: normalise(hunks, original.length) })),
);

/** Sorted, non-overlapping hunks that each change something, at least one line apart. */
function normalise(hunks: Hunk[], n: number): Hunk[] {
  const out: Hunk[] = [];
  let next = 0;
  for (const h of [...hunks].sort((x, y) => x.at - y.at)) {
    const at = Math.max(h.at, next);
    if (at >= n) break;
    const del = Math.min(h.del, n - at);
    if (!del && !h.ins.length) continue;
    out.push({ at, del, ins: h.ins });
    next = at + del + 1;
  }
  return out;
}

interface Cut {
  edit: string;
  expected: string;
  /** Per region: its lines, whether its ends are fixed to the file's ends, and the true span it replaces (0-based). */
  regions: Array<{ lines: string[]; fixedStart: boolean; fixedEnd: boolean; start: number; end: number }>;
}

/** The lazy edit as the format describes it: each hunk's new lines with C lines of context each side, touching windows merged. */
function cut(c: Case): Cut | null {
  if (!c.hunks.length) return null;
  const o = c.original;
  const n = o.length;
  const C = c.context;
  const expected: string[] = [];
  let cursor = 0;
  for (const h of c.hunks) {
    expected.push(...o.slice(cursor, h.at), ...h.ins);
    cursor = h.at + h.del;
  }
  expected.push(...o.slice(cursor));
  // Windows in original coordinates: [at - C, at + del + C - 1], merged when they touch.
  const windows: Array<{ from: number; to: number; hunks: Hunk[] }> = [];
  for (const h of c.hunks) {
    const from = Math.max(0, h.at - C);
    const to = Math.min(n - 1, h.at + h.del + C - 1);
    const last = windows.at(-1);
    if (last && from <= last.to + 1) {
      last.to = Math.max(last.to, to);
      last.hunks.push(h);
    } else windows.push({ from, to, hunks: [h] });
  }
  const regions: Cut['regions'] = windows.map((w) => {
    const lines: string[] = [];
    let p = w.from;
    for (const h of w.hunks) {
      lines.push(...o.slice(p, h.at), ...h.ins);
      p = h.at + h.del;
    }
    lines.push(...o.slice(p, w.to + 1));
    return { lines, fixedStart: w.from === 0, fixedEnd: w.to === n - 1, start: w.from, end: w.to };
  });
  // An edit with no markers at all means "replace the whole file": not this property's subject.
  if (regions.length === 1 && regions[0].fixedStart && regions[0].fixedEnd) return null;
  if (regions.some((r) => !r.lines.some((l) => l.trim()))) return null; // a region of blank lines only is dropped by the format
  const edit: string[] = [];
  regions.forEach((r, i) => {
    if (i > 0 || !r.fixedStart) edit.push(MARKER);
    edit.push(...r.lines);
  });
  if (!regions.at(-1)!.fixedEnd) edit.push(MARKER);
  return { edit: `${edit.join('\n')}\n`, expected: `${expected.join('\n')}\n`, regions };
}

describe('apply_edit on random repetitive files (property)', () => {
  it(
    `never returns a different file with confidence >= 0.5 where the edit decides the merge (${RUNS} cases)`,
    { timeout: 60_000 },
    () => {
      let decided = 0;
      let exact = 0;
      fc.assert(
        fc.property(caseArb, (c) => {
          const k = cut(c);
          if (!k) return;
          const isDecidable = decidesMerge(c.original, k.regions, c.context);
          let r;
          try {
            r = applyEdit(c.original.join('\n') + '\n', k.edit);
          } catch (err) {
            if (err instanceof SixfoldError) return; // a refusal is always allowed
            throw err;
          }
          if (!isDecidable) return;
          decided++;
          if (r.merged === k.expected) exact++;
          else expect(r.confidence, `wrong merge with confidence ${r.confidence}:\n${k.edit}`).toBeLessThan(0.5);
        }),
        { numRuns: RUNS, ...params() },
      );
      // The generator must produce enough decidable cases for the property to say something, and
      // the merger must get most of them right (not merely refuse or flag everything).
      expect(decided).toBeGreaterThan(RUNS / 4);
      expect(exact / decided).toBeGreaterThan(0.8);
    },
  );
});
