/**
 * apply_edit on two corpora of real edits, beside agent-booster on the same cases:
 * - dev: 250 edits cut from the git history of five repositories (test/fixtures/apply-corpus-dev),
 *   every one decidable by the format's rule, counted by determinacy, file size and language;
 * - repo: the 180 edits cut from npm release diffs (test/fixtures/apply-edit), not filtered for
 *   decidability: the cases where the edit decides the merge (by the brute-force oracle in
 *   lib/apply-oracle.ts) are counted apart.
 *
 * Outcomes: exact (byte for byte; "flagged" when it came with confidence < 0.5 anyway), refused
 * (a SixfoldError), guessed (wrong, but flagged: confidence < 0.5 with warnings), wrong (silently,
 * confidence >= 0.5) and crashed (any other error). Timing covers the applyEdit call only,
 * refusals included: WARMUP untimed runs, then RUNS timed ones per case, interleaved with
 * agent-booster's so drift on a shared machine hits both alike. Details go to stderr.
 */
import { createRequire } from 'node:module';
import { SixfoldError } from '../src/errors.js';
import { applyEdit, parseEdit } from '../src/patterns/codegen/apply-edit.js';
import { splitLines } from '../src/patterns/codegen/lines.js';
import { loadApplyCorpus, type ApplyCase } from '../testkit/apply-corpus.js';
import { decidesMerge } from '../testkit/apply-oracle.js';
import { fmt, summarize, type Row } from './lib/stats.js';

const WARMUP = 3;
const RUNS = 20;

type Outcome = 'exact' | 'flagged' | 'refused' | 'guessed' | 'wrong' | 'crashed';
const OUTCOMES: Outcome[] = ['exact', 'flagged', 'refused', 'guessed', 'wrong', 'crashed'];

class Tally {
  readonly ids = new Map<Outcome, string[]>(OUTCOMES.map((o) => [o, []]));
  add(id: string, o: Outcome): void {
    this.ids.get(o)!.push(id);
  }
  n(o: Outcome): number {
    return this.ids.get(o)!.length;
  }
  get total(): number {
    return OUTCOMES.reduce((s, o) => s + this.n(o), 0);
  }
  /** Byte-for-byte merges, flagged or not. */
  get exact(): number {
    return this.n('exact') + this.n('flagged');
  }
  describe(): string {
    const t = this.total;
    const parts = [
      `${pct(this.exact, t)} exact (${this.exact}/${t}; ${this.n('flagged')} of them flagged as guesses)`,
      `refused ${this.n('refused')}`,
      `wrong but flagged ${this.n('guessed')}`,
      `**wrong with confidence >= 0.5: ${this.n('wrong')}**`,
    ];
    if (this.n('crashed')) parts.push(`crashed ${this.n('crashed')}`);
    return parts.join('; ');
  }
}

function ours(c: ApplyCase): { outcome: Outcome; error?: string } {
  try {
    const r = applyEdit(c.original, c.edit);
    if (r.merged === c.expected) return { outcome: r.confidence < 0.5 ? 'flagged' : 'exact' };
    return { outcome: r.confidence < 0.5 && r.warnings?.length ? 'guessed' : 'wrong' };
  } catch (err) {
    if (err instanceof SixfoldError) return { outcome: 'refused' };
    return { outcome: 'crashed', error: err instanceof Error ? err.message : String(err) };
  }
}

function timeOurs(c: ApplyCase): number {
  const t = performance.now();
  try {
    applyEdit(c.original, c.edit);
  } catch {
    // Classified already; a refusal is timed like a merge.
  }
  return performance.now() - t;
}

/** Whether the edit decides its merge by the format's rule (lib/apply-oracle.ts). */
function decidable(c: ApplyCase): boolean {
  const o = splitLines(c.original).lines;
  const regions = parseEdit(splitLines(c.edit).lines);
  if (regions.length !== c.spans.length) return false;
  return decidesMerge(
    o,
    regions.map((r, i) => ({
      lines: r.lines,
      fixedStart: i === 0 && !r.leadingMarker,
      fixedEnd: i === regions.length - 1 && !r.trailingMarker,
      start: c.spans[i].start_line - 1,
      end: c.spans[i].end_line - 1,
    })),
    c.context,
  );
}

/** The part of agent-booster's public API used here (dist/index.d.ts: AgentBooster#apply). */
interface BoosterResult {
  output: string;
  success: boolean;
}
interface Booster {
  apply(request: { code: string; edit: string; language?: string }): Promise<BoosterResult>;
}

/** Corpus languages agent-booster lists (JS, TS, Python, Rust, Go, Java, C, C++); others go as named. */
const BOOSTER_LANGUAGE = new Map([
  ['javascript', 'javascript'],
  ['dts', 'typescript'],
  ['typescript', 'typescript'],
  ['python', 'python'],
  ['rust', 'rust'],
  ['go', 'go'],
  ['c', 'c'],
  ['cpp', 'cpp'],
]);

async function loadBooster(): Promise<{ booster: Booster; version: string } | { error: string }> {
  const name = 'agent-booster'; // not a literal import, so the bench compiles without the devDependency
  let version = '?';
  try {
    version = (createRequire(import.meta.url)(`${name}/package.json`) as { version: string }).version;
    const mod = (await import(name)) as { AgentBooster?: new () => Booster; default?: { AgentBooster?: new () => Booster } };
    const Ctor = mod.AgentBooster ?? mod.default?.AgentBooster;
    if (!Ctor) return { error: `${name} ${version} exports no AgentBooster class` };
    const booster = new Ctor();
    const probe = await booster.apply({
      code: 'function f() {\n  return 1;\n}\n',
      edit: 'function f() {\n  return 2;\n}',
      language: 'javascript',
    });
    if (typeof probe.output !== 'string') return { error: `${name} ${version}: apply() returned no output` };
    return { booster, version };
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { error: `${name} ${version === '?' ? 'is not installed' : `${version} failed to load`}: ${msg}` };
  }
}

const boosterRequest = (c: ApplyCase) => ({
  code: c.original,
  edit: c.edit,
  language: BOOSTER_LANGUAGE.get(c.language) ?? c.language,
});

function boosterOutcome(c: ApplyCase, r: BoosterResult): Outcome {
  if (!r.success) return 'refused';
  return r.output === c.expected ? 'exact' : 'wrong';
}

const pct = (k: number, n: number) => `${fmt((100 * k) / Math.max(1, n), 1)}%`;
const ms = (x: number) => `${fmt(x, x < 10 ? 3 : 1)} ms`;

const SIZE_BUCKETS = [
  { label: '~100', range: '≤ 150 lines', has: (n: number) => n <= 150, goal: '—', target: undefined },
  {
    label: '~1000',
    range: '500–1500 lines',
    has: (n: number) => n >= 500 && n <= 1500,
    goal: 'p50 < 2 ms at ~1000 lines',
    target: 2,
  },
  { label: '~3000', range: '≥ 2000 lines', has: (n: number) => n >= 2000, goal: '—', target: undefined },
] as const;
const DEV_SIZES = [
  { label: '10–99 lines', has: (n: number) => n < 100 },
  { label: '100–499', has: (n: number) => n >= 100 && n < 500 },
  { label: '500–1499', has: (n: number) => n >= 500 && n < 1500 },
  { label: '1500–3000', has: (n: number) => n >= 1500 },
];

export async function runApplyEditBench(): Promise<Row[]> {
  const dev = loadApplyCorpus('dev');
  const repo = loadApplyCorpus('repo');
  const cases = [...dev, ...repo];
  const loaded = await loadBooster();
  const b = 'booster' in loaded ? loaded.booster : undefined;
  const boosterName = 'version' in loaded ? `agent-booster ${loaded.version}` : 'agent-booster';

  const mine = new Map<string, Outcome>();
  const theirs = new Map<string, Outcome>();
  const crashes: string[] = [];
  const oursMs = new Map<string, number[]>();
  const boosterMs = new Map<string, number[]>();
  for (const c of cases) {
    const o = ours(c);
    mine.set(c.id, o.outcome);
    if (o.error) crashes.push(`${c.id}: ${o.error}`);
    for (let i = 1; i < WARMUP; i++) timeOurs(c);
    if (b) {
      theirs.set(c.id, boosterOutcome(c, await b.apply(boosterRequest(c))));
      for (let i = 1; i < WARMUP; i++) await b.apply(boosterRequest(c));
    }
    const mineT: number[] = [];
    const theirT: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      mineT.push(timeOurs(c));
      if (b) {
        const req = boosterRequest(c);
        const t = performance.now();
        await b.apply(req);
        theirT.push(performance.now() - t);
      }
    }
    oursMs.set(c.id, mineT);
    if (b) boosterMs.set(c.id, theirT);
  }

  const tallyOf = (list: ApplyCase[], m = mine) => {
    const t = new Tally();
    for (const c of list) t.add(c.id, m.get(c.id)!);
    return t;
  };
  const boosterRate = (list: ApplyCase[]) =>
    b
      ? `${boosterName}: ${pct(tallyOf(list, theirs).n('exact'), list.length)} exact on the same cases`
      : `${boosterName}: could not run`;
  const devT = tallyOf(dev);
  const repoT = tallyOf(repo);
  const decided = repo.filter(decidable);
  const decidedT = tallyOf(decided);
  const rows: Row[] = [
    {
      figure: `exact-match, ${dev.length} edits from commit history (click, urfave/cli, immer, serde_json, hiredis)`,
      anchor: boosterRate(dev),
      ours: devT.describe(),
      goal: '>= 99% exact, 0 wrong with confidence >= 0.5',
      met: devT.exact / dev.length >= 0.99 && devT.n('wrong') === 0 && devT.n('crashed') === 0,
    },
    ...(['unique', 'nearest'] as const).map((d) => {
      const list = dev.filter((c) => c.determinacy === d);
      return {
        figure: `… ${d} (${d === 'unique' ? 'one place fits the context' : 'the fewest-deleted of several'}): ${list.length} cases`,
        anchor: boosterRate(list),
        ours: tallyOf(list).describe(),
        goal: '—',
      };
    }),
    ...DEV_SIZES.map((s) => {
      const list = dev.filter((c) => s.has(c.lines));
      return {
        figure: `… files of ${s.label}: ${list.length} cases`,
        anchor: boosterRate(list),
        ours: tallyOf(list).describe(),
        goal: '—',
      };
    }),
    {
      figure: '… by language (exact / cases)',
      anchor: '—',
      ours: [...new Set(dev.map((c) => c.language))]
        .sort()
        .map((l) => {
          const list = dev.filter((c) => c.language === l);
          return `${l} ${tallyOf(list).exact}/${list.length}`;
        })
        .join(', '),
      goal: '—',
    },
    {
      figure: `exact-match, ${repo.length} edits from npm release diffs (in-repo corpus)`,
      anchor: boosterRate(repo),
      ours: repoT.describe(),
      goal: '>= 97% exact, 0 wrong with confidence >= 0.5',
      met: repoT.exact / repo.length >= 0.97 && repoT.n('wrong') === 0 && repoT.n('crashed') === 0,
    },
    {
      figure: `… the ${decided.length} of them the edit decides (brute-force oracle: true spans are the one fewest-deleted fit at the edit's context)`,
      anchor: boosterRate(decided),
      ours: decidedT.describe(),
      goal: '—',
    },
  ];

  const samples = (m: Map<string, number[]>, ids: string[]) => ids.flatMap((id) => m.get(id) ?? []);
  for (const bucket of SIZE_BUCKETS) {
    const ids = cases.filter((c) => bucket.has(c.lines)).map((c) => c.id);
    const s = summarize(samples(oursMs, ids));
    const t = b ? summarize(samples(boosterMs, ids)) : undefined;
    rows.push({
      figure: `apply_edit p50 / p99 by file size: ${bucket.label} lines (${bucket.range}; ${ids.length} cases of both corpora × ${RUNS} runs)`,
      anchor: t ? `${boosterName}, same cases: p50 ${ms(t.p50)} / p99 ${ms(t.p99)}` : `${boosterName}: could not run`,
      ours: `p50 ${ms(s.p50)} / p99 ${ms(s.p99)} (${s.n} samples)`,
      goal: bucket.goal,
      met: bucket.target === undefined ? undefined : s.p50 < bucket.target,
    });
  }
  if (!b)
    rows.push({
      figure: 'agent-booster on the same corpora',
      anchor: 'its README: 91% success across 8 languages, ~1 ms per edit',
      ours: `could not run: ${'error' in loaded ? loaded.error : ''}`,
      goal: '—',
    });

  const slowest = cases
    .map((c) => ({ id: c.id, lines: c.lines, p50: summarize(oursMs.get(c.id) ?? []).p50 }))
    .sort((x, y) => y.p50 - x.p50 || x.id.localeCompare(y.id))
    .slice(0, 5);
  const list = (ids: string[]) => (ids.length ? ids.join(', ') : 'none');
  const detail = [
    ...(['dev', 'repo'] as const).flatMap((name) => {
      const t = name === 'dev' ? devT : repoT;
      return [
        `${name}: wrong with confidence >= 0.5: ${list(t.ids.get('wrong')!)}`,
        `${name}: refused: ${list(t.ids.get('refused')!)}`,
        `${name}: wrong but flagged (confidence < 0.5): ${list(t.ids.get('guessed')!)}`,
        `${name}: exact but flagged (confidence < 0.5): ${list(t.ids.get('flagged')!)}`,
      ];
    }),
    `repo: not decided by the edit (oracle): ${list(repo.filter((c) => !decided.includes(c)).map((c) => c.id))}`,
    ...crashes.map((c) => `apply_edit crashed: ${c}`),
    `apply_edit slowest (p50 of ${RUNS}): ${slowest.map((s) => `${s.id} (${s.lines} lines) ${ms(s.p50)}`).join('; ')}`,
  ];
  process.stderr.write(`${detail.join('\n')}\n`);
  return rows;
}
