/**
 * The two apply_edit corpora, loaded the same way for the regression test and the benchmark:
 * - `repo`: 180 edits cut from npm release diffs (test/fixtures/apply-edit/, made by
 *   scripts/make-apply-corpus.ts), one folder per case;
 * - `dev`: 250 edits cut from the git history of five open-source repositories
 *   (test/fixtures/apply-corpus-dev/, see its README), one JSON file per case.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface ApplyCase {
  id: string;
  corpus: 'dev' | 'repo';
  language: string;
  /** Lines of the original file. */
  lines: number;
  original: string;
  edit: string;
  expected: string;
  /** Lines of context around each hunk the edit was cut with. */
  context: number;
  /** 1-based original lines each region replaces, in order. */
  spans: Array<{ start_line: number; end_line: number }>;
  /** dev only: whether each region's true span is the only one that fits its context, or the fewest-deleted of several. */
  determinacy?: 'unique' | 'nearest';
}

/** The repository root: the nearest folder above this module with a package.json (works from bench/ and dist/bench/). */
function repoRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + import.meta.dirname);
    dir = up;
  }
  return dir;
}

export function loadApplyCorpus(corpus: 'dev' | 'repo'): ApplyCase[] {
  const fixtures = join(repoRoot(), 'test', 'fixtures');
  return corpus === 'dev' ? loadDev(join(fixtures, 'apply-corpus-dev')) : loadRepo(join(fixtures, 'apply-edit'));
}

function loadDev(dir: string): ApplyCase[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'index.json')
    .sort()
    .map((f) => {
      const c = JSON.parse(readFileSync(join(dir, f), 'utf8')) as {
        id: string;
        language: string;
        original: string;
        edit: string;
        expected: string;
        context: number;
        lines_before: number;
        spans: ApplyCase['spans'];
        determinacy: 'unique' | 'nearest';
      };
      return {
        id: c.id,
        corpus: 'dev',
        language: c.language,
        lines: c.lines_before,
        original: c.original,
        edit: c.edit,
        expected: c.expected,
        context: c.context,
        spans: c.spans,
        determinacy: c.determinacy,
      };
    });
}

function loadRepo(dir: string): ApplyCase[] {
  const read = (caseDir: string, prefix: string) => {
    const file = readdirSync(caseDir).find((f) => f.startsWith(`${prefix}.`));
    if (!file) throw new Error(`${caseDir} has no ${prefix}.* file`);
    return readFileSync(join(caseDir, file), 'utf8');
  };
  return readdirSync(dir)
    .filter((d) => /^\d{3}-/.test(d))
    .sort()
    .map((id) => {
      const caseDir = join(dir, id);
      const meta = JSON.parse(readFileSync(join(caseDir, 'meta.json'), 'utf8')) as {
        lines: number;
        language: string;
        context: number;
        regions: Array<{ original: [number, number] }>;
      };
      return {
        id,
        corpus: 'repo',
        language: meta.language,
        lines: meta.lines,
        original: read(caseDir, 'original'),
        edit: read(caseDir, 'edit'),
        expected: read(caseDir, 'expected'),
        context: meta.context,
        spans: meta.regions.map((r) => ({ start_line: r.original[0], end_line: r.original[1] })),
      };
    });
}
