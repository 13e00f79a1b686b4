/**
 * Builds test/fixtures/apply-edit/: a corpus of "lazy edit" cases for a future apply_edit tool.
 *
 * Every case is a real change: a file that differs between two published versions of an npm package
 * (fetched with `npm pack`, cached in a temp dir). For each chosen file we take a run of consecutive
 * diff hunks (1..8), apply only those to the old version to get `expected`, and write the lazy edit
 * a model would send: each region is the hunk's new lines plus 1..3 lines of unchanged context on
 * each side; unchanged code between regions (and before the first / after the last) is elided by an
 * `... existing code ...` comment in the file's comment style. Regions whose contexts overlap or touch
 * are merged. Deletions are expressed by the context alone (the original lines between a region's
 * first and last line are replaced by the region).
 *
 * Deterministic: fixed package list and versions, seeded PRNG (seed = hash of the case id), sorted
 * output. Re-running reuses the download cache ($APPLY_CORPUS_CACHE, default <tmpdir>/sixfold-apply-corpus).
 * Ends with a self-check of every written case and a summary table; exits 1 if any check fails.
 *
 *   npm run corpus:apply                          (build, then node dist/scripts/make-apply-corpus.js)
 *   npx --yes tsx scripts/make-apply-corpus.ts    (same, without building)
 *   ... --check                                   (only re-verify the fixtures on disk)
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyPatch, diffArrays, structuredPatch } from 'diff';
import { mulberry32 } from '../src/random.js';

// ---------------------------------------------------------------------------------------------
// Configuration

interface Pair {
  name: string;
  from: string;
  to: string;
}

/** Adjacent (mostly minor/patch) releases; chosen for language and size spread. */
const PAIRS: Pair[] = [
  { name: 'commander', from: '12.0.0', to: '12.1.0' },
  { name: 'express', from: '4.19.2', to: '4.20.0' },
  { name: 'zod', from: '3.22.4', to: '3.23.0' },
  { name: 'axios', from: '1.6.8', to: '1.7.0' },
  { name: 'marked', from: '12.0.0', to: '12.0.1' },
  { name: 'ws', from: '8.16.0', to: '8.17.0' },
  { name: 'semver', from: '7.5.4', to: '7.6.0' },
  { name: 'uuid', from: '9.0.1', to: '10.0.0' },
  { name: 'qs', from: '6.11.2', to: '6.12.0' },
  { name: 'jquery', from: '3.7.0', to: '3.7.1' },
  { name: 'eslint', from: '8.56.0', to: '8.57.0' },
  { name: 'date-fns', from: '3.5.0', to: '3.6.0' },
  { name: 'highlight.js', from: '11.9.0', to: '11.10.0' },
  { name: 'markdownlint', from: '0.33.0', to: '0.34.0' },
  { name: 'typescript', from: '5.4.5', to: '5.5.2' },
  { name: '@types/node', from: '20.11.30', to: '20.12.0' },
  { name: 'node-gyp', from: '9.4.1', to: '10.0.0' },
  { name: 'node-gyp', from: '10.0.1', to: '10.1.0' },
  { name: 'tree-sitter-javascript', from: '0.20.4', to: '0.21.0' },
  { name: 'tree-sitter-javascript', from: '0.21.0', to: '0.21.2' },
  { name: 'tree-sitter-javascript', from: '0.21.4', to: '0.23.0' },
  { name: 'tree-sitter-python', from: '0.21.0', to: '0.23.2' },
  { name: 'bull', from: '4.12.2', to: '4.12.3' },
  { name: 'bull', from: '4.12.3', to: '4.12.4' },
  { name: 'bootstrap', from: '5.3.2', to: '5.3.3' },
  { name: 'bulma', from: '1.0.0', to: '1.0.1' },
  { name: '@picocss/pico', from: '2.0.3', to: '2.0.6' },
  { name: 'github-markdown-css', from: '5.5.1', to: '5.6.0' },
  { name: 'modern-normalize', from: '2.0.0', to: '3.0.0' },
  { name: 'normalize.css', from: '7.0.0', to: '8.0.0' },
  { name: 'reveal.js', from: '5.0.5', to: '5.1.0' },
];

const MIN_LINES = 10;
const MAX_LINES = 3000;
const MAX_LINE_LENGTH = 1000; // longer lines => minified / generated blob, skipped
const MAX_HUNKS_PER_CASE = 8;
const MAX_CHANGED_LINES_PER_CASE = 300; // removed + added lines over the chosen hunks
const BUCKET_TARGET = 60; // cases per size bucket
const KIND_QUOTA = 12; // minimum cases for deletion-only / insert-at-start / insert-at-end
const CRLF_CASES = 8; // LF pairs converted to CRLF
const PAIR_CAP = 14; // cases per package pair
const PAIR_BUCKET_CAP = 7; // cases per package pair and size bucket
const DIR_FILE_CAP = 4; // distinct files per (pair, directory)

const NOEOL = '\u0000'; // appended to a last line that has no newline, so diffs see the change

type Style = '//' | '#' | '--' | ';' | '%' | '/* */' | '<!-- -->';
type Bucket = 'lt100' | '100-999' | '1000-3000';
const BUCKETS: Bucket[] = ['lt100', '100-999', '1000-3000'];

const WORDINGS = [
  '... existing code ...',
  '... rest of code ...',
  '... existing code here ...',
  '... unchanged ...',
  '... Existing Code ...',
];
const WORDING_WEIGHTS = [40, 15, 15, 15, 15];
const HUNK_COUNT_WEIGHTS = [20, 18, 15, 13, 11, 9, 7, 7]; // for 1..8 hunks

/** Recognises every marker this script writes (and the looser form a real file must not contain). */
const MARKER_RE =
  /^[ \t]*(?:\/\/|#|--|;|%|\/\*|<!--)[ \t]*\.\.\.[ \t]*(?:existing code here|existing code|rest of code|unchanged)[ \t]*\.\.\.[ \t]*(?:\*\/|-->)?[ \t]*$/i;
const MARKER_LIKE_RE = /\.\.\.\s*(?:existing code|rest of code|unchanged)\s*\.\.\./i;

// ---------------------------------------------------------------------------------------------
// Paths

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'sixfold') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the sixfold package root');
    dir = up;
  }
}

const ROOT = findRoot();
const OUT = join(ROOT, 'test', 'fixtures', 'apply-edit');
const CACHE = process.env.APPLY_CORPUS_CACHE ?? join(tmpdir(), 'sixfold-apply-corpus');

// ---------------------------------------------------------------------------------------------
// Small helpers

function sha(s: string | Buffer, algo = 'sha1'): string {
  return createHash(algo).update(s).digest('hex');
}

function rngFor(id: string): () => number {
  return mulberry32(parseInt(sha(id).slice(0, 8), 16));
}

function weighted(rng: () => number, weights: number[], limit = weights.length): number {
  const w = weights.slice(0, limit);
  const total = w.reduce((a, b) => a + b, 0);
  let x = rng() * total;
  for (let i = 0; i < w.length; i++) {
    x -= w[i];
    if (x < 0) return i;
  }
  return w.length - 1;
}

const strip = (t: string): string => (t.endsWith(NOEOL) ? t.slice(0, -1) : t);

function bucketOf(lines: number): Bucket {
  return lines < 100 ? 'lt100' : lines < 1000 ? '100-999' : '1000-3000';
}

function pairId(p: Pair): string {
  return `${p.name}@${p.from}..${p.to}`;
}

// ---------------------------------------------------------------------------------------------
// Languages

interface Lang {
  language: string;
  style: Style;
  /** extension of the fixture files (TS-family get ".txt" appended so `tsc -p tsconfig.check.json`, which includes test/, ignores them) */
  ext: string;
}

function langOf(path: string): Lang | null {
  const base = basename(path).toLowerCase();
  if (/\.min\.|\.map$/.test(base)) return null;
  if (base === '.eslintrc') return { language: 'json', style: '//', ext: 'json' };
  const m = /(\.d\.[mc]?ts|\.[a-z0-9]+)$/.exec(base);
  if (!m) return null;
  const ext = m[1].slice(1);
  const map: Record<string, [string, Style]> = {
    js: ['javascript', '//'],
    mjs: ['javascript', '//'],
    cjs: ['javascript', '//'],
    jsx: ['javascript', '//'],
    ts: ['typescript', '//'],
    mts: ['typescript', '//'],
    cts: ['typescript', '//'],
    tsx: ['typescript', '//'],
    'd.ts': ['dts', '//'],
    'd.mts': ['dts', '//'],
    'd.cts': ['dts', '//'],
    json: ['json', '//'],
    jsonc: ['jsonc', '//'],
    css: ['css', '/* */'],
    scss: ['scss', '//'],
    sass: ['scss', '//'],
    less: ['less', '//'],
    md: ['markdown', '<!-- -->'],
    markdown: ['markdown', '<!-- -->'],
    html: ['html', '<!-- -->'],
    htm: ['html', '<!-- -->'],
    xml: ['xml', '<!-- -->'],
    py: ['python', '#'],
    gyp: ['gyp', '#'],
    gypi: ['gyp', '#'],
    toml: ['toml', '#'],
    yaml: ['yaml', '#'],
    yml: ['yaml', '#'],
    sh: ['shell', '#'],
    lua: ['lua', '--'],
    sql: ['sql', '--'],
    c: ['c', '//'],
    h: ['c', '//'],
    cc: ['cpp', '//'],
    cpp: ['cpp', '//'],
    hpp: ['cpp', '//'],
    rs: ['rust', '//'],
    scm: ['scheme', ';'],
    el: ['lisp', ';'],
    lisp: ['lisp', ';'],
    ini: ['ini', ';'],
    tex: ['tex', '%'],
  };
  const hit = map[ext];
  if (!hit) return null;
  const tsFamily = hit[0] === 'typescript' || hit[0] === 'dts';
  return { language: hit[0], style: hit[1], ext: tsFamily ? `${ext}.txt` : ext };
}

function renderMarker(style: Style, indent: string, text: string): string {
  switch (style) {
    case '/* */':
      return `${indent}/* ${text} */`;
    case '<!-- -->':
      return `${indent}<!-- ${text} -->`;
    default:
      return `${indent}${style} ${text}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Fetching (npm pack + tar), cached

interface Fetched {
  root: string;
  integrity: string;
}

function run(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

function fetchPackage(name: string, version: string): Fetched {
  const tgzDir = join(CACHE, 'tgz');
  const xDir = join(CACHE, 'x');
  mkdirSync(tgzDir, { recursive: true });
  mkdirSync(xDir, { recursive: true });
  const safe = `${name.replace(/^@/, '').replace(/\//g, '-')}-${version}`;
  let tgz = join(tgzDir, `${safe}.tgz`);
  if (!existsSync(tgz)) {
    const out = run('npm', ['pack', `${name}@${version}`, '--pack-destination', tgzDir, '--json', '--loglevel=error']);
    const info = JSON.parse(out) as { filename: string }[];
    tgz = join(tgzDir, info[0].filename);
    if (!existsSync(tgz)) throw new Error(`npm pack did not produce ${tgz}`);
  }
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
  const dest = join(xDir, safe);
  if (!existsSync(join(dest, '.extracted'))) {
    rmSync(dest, { recursive: true, force: true });
    const tmp = `${dest}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    run('tar', ['-xzf', tgz, '-C', tmp]);
    renameSync(tmp, dest);
    writeFileSync(join(dest, '.extracted'), integrity);
  }
  const tops = readdirSync(dest, { withFileTypes: true }).filter((d) => d.isDirectory());
  if (tops.length !== 1) throw new Error(`${tgz}: expected one top-level directory`);
  return { root: join(dest, tops[0].name), integrity };
}

function listFiles(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const d of readdirSync(join(root, rel), { withFileTypes: true })) {
    const p = rel ? posix.join(rel, d.name) : d.name;
    if (d.isDirectory()) {
      if (d.name !== 'node_modules') out.push(...listFiles(root, p));
    } else if (d.isFile()) out.push(p);
  }
  return out.sort();
}

// ---------------------------------------------------------------------------------------------
// Text, tokens, hunks

type Eol = 'lf' | 'crlf';

interface TextFile {
  text: string; // LF-normalised
  eol: Eol;
  tokens: string[]; // lines; the last carries NOEOL when the file has no final newline
}

function readText(path: string): TextFile | null {
  const buf = readFileSync(path);
  if (buf.includes(0)) return null;
  let raw: string;
  try {
    raw = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    return null;
  }
  const crlf = (raw.match(/\r\n/g) ?? []).length;
  const cr = (raw.match(/\r/g) ?? []).length;
  const lf = (raw.match(/\n/g) ?? []).length;
  let eol: Eol;
  if (cr === 0) eol = 'lf';
  else if (cr === crlf && crlf === lf) eol = 'crlf';
  else return null; // mixed or old-Mac line endings
  const text = eol === 'crlf' ? raw.replace(/\r\n/g, '\n') : raw;
  return { text, eol, tokens: tokenize(text) };
}

function tokenize(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  else lines[lines.length - 1] += NOEOL;
  return lines;
}

interface Hunk {
  oldStart: number; // 0-based, first old line replaced
  oldEnd: number; // exclusive
  removed: string[];
  added: string[];
}

function hunksOf(a: string[], b: string[]): Hunk[] {
  const hunks: Hunk[] = [];
  let oi = 0;
  let cur: Hunk | null = null;
  for (const c of diffArrays(a, b)) {
    if (c.added || c.removed) {
      cur ??= { oldStart: oi, oldEnd: oi, removed: [], added: [] };
      if (c.removed) {
        cur.removed.push(...c.value);
        oi += c.value.length;
        cur.oldEnd = oi;
      } else cur.added.push(...c.value);
    } else {
      if (cur) hunks.push(cur);
      cur = null;
      oi += c.value.length;
    }
  }
  if (cur) hunks.push(cur);
  return hunks;
}

// ---------------------------------------------------------------------------------------------
// Candidates

interface FileDiff {
  pair: Pair;
  pairIndex: number;
  path: string;
  lang: Lang;
  eol: Eol;
  oldText: string;
  newText: string;
  old: string[];
  hunks: Hunk[];
  bucket: Bucket;
}

function candidates(pair: Pair, pairIndex: number, a: Fetched, b: Fetched, skipped: Map<string, number>): FileDiff[] {
  const bump = (why: string): void => void skipped.set(why, (skipped.get(why) ?? 0) + 1);
  const inB = new Set(listFiles(b.root));
  const out: FileDiff[] = [];
  const seen = new Set<string>();
  for (const path of listFiles(a.root)) {
    if (!inB.has(path)) continue;
    const lang = langOf(path);
    if (!lang) continue;
    const x = readText(join(a.root, path));
    const y = readText(join(b.root, path));
    if (!x || !y) {
      bump('binary, non-UTF-8 or mixed line endings');
      continue;
    }
    if (x.text === y.text) continue; // identical (or identical up to EOL)
    if (x.eol !== y.eol) {
      bump('line-ending style changed');
      continue;
    }
    if (x.tokens.length < MIN_LINES || x.tokens.length > MAX_LINES) {
      bump('outside 10..3000 lines');
      continue;
    }
    if ([...x.tokens, ...y.tokens].some((l) => l.length > MAX_LINE_LENGTH)) {
      bump('minified (line > 1000 chars)');
      continue;
    }
    if (MARKER_LIKE_RE.test(x.text) || MARKER_LIKE_RE.test(y.text)) {
      bump('contains a marker-like comment');
      continue;
    }
    const hunks = hunksOf(x.tokens, y.tokens);
    // The same change shipped in several builds (cjs/esm/umd, colour themes): keep the first path.
    const sig = sha(JSON.stringify(hunks.map((h) => [h.removed, h.added])));
    if (seen.has(sig)) {
      bump('duplicate change within package');
      continue;
    }
    seen.add(sig);
    out.push({
      pair,
      pairIndex,
      path,
      lang,
      eol: x.eol,
      oldText: x.text,
      newText: y.text,
      old: x.tokens,
      hunks,
      bucket: bucketOf(x.tokens.length),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Building one case

interface Region {
  s: number; // old start (0-based)
  e: number; // old end (exclusive)
  hunks: Hunk[];
  expS: number;
  expE: number;
}

interface Built {
  regions: Region[];
  expected: string[];
  edit: string[];
  editIsMarker: boolean[];
  markerTexts: string[];
  changed: number;
}

function indentOf(old: string[], a: number, b: number): string {
  for (let i = a; i < b; i++) {
    const l = strip(old[i]);
    if (l.trim() !== '') return /^[ \t]*/.exec(l)![0];
  }
  return '';
}

function build(f: FileDiff, start: number, count: number, ctx: number, style: Style, wording: (i: number) => string): Built {
  const old = f.old;
  const N = old.length;
  const sel = f.hunks.slice(start, start + count);
  const regions: Region[] = [];
  for (const h of sel) {
    const s = Math.max(0, h.oldStart - ctx);
    const e = Math.min(N, h.oldEnd + ctx);
    const last = regions[regions.length - 1];
    if (last && s <= last.e) {
      // contexts overlap or touch: one region, no marker between
      last.e = Math.max(last.e, e);
      last.hunks.push(h);
    } else regions.push({ s, e, hunks: [h], expS: 0, expE: 0 });
  }
  const expected: string[] = [];
  let p = 0;
  for (const r of regions) {
    expected.push(...old.slice(p, r.s));
    r.expS = expected.length;
    let q = r.s;
    for (const h of r.hunks) {
      expected.push(...old.slice(q, h.oldStart), ...h.added);
      q = h.oldEnd;
    }
    expected.push(...old.slice(q, r.e));
    r.expE = expected.length;
    p = r.e;
  }
  expected.push(...old.slice(p));

  const edit: string[] = [];
  const editIsMarker: boolean[] = [];
  const markerTexts: string[] = [];
  const marker = (a: number, b: number): void => {
    const text = wording(markerTexts.length);
    markerTexts.push(text);
    edit.push(renderMarker(style, indentOf(old, a, b), text));
    editIsMarker.push(true);
  };
  let prevE = 0;
  for (const r of regions) {
    if (r.s > prevE) marker(prevE, r.s);
    for (const l of expected.slice(r.expS, r.expE)) {
      edit.push(l);
      editIsMarker.push(false);
    }
    prevE = r.e;
  }
  if (prevE < N) marker(prevE, N);
  const changed = sel.reduce((n, h) => n + h.removed.length + h.added.length, 0);
  return { regions, expected, edit, editIsMarker, markerTexts, changed };
}

function kindsOf(f: FileDiff, start: number, count: number, b: Built, crlf: boolean): string[] {
  const sel = f.hunks.slice(start, start + count);
  const N = f.old.length;
  const freq = new Map<string, number>();
  for (const l of f.old) freq.set(strip(l), (freq.get(strip(l)) ?? 0) + 1);
  const k: string[] = [];
  const first = sel[0];
  const last = sel[sel.length - 1];
  const r0 = b.regions[0];
  const rN = b.regions[b.regions.length - 1];
  if (sel.every((h) => h.added.length === 0)) k.push('deletion-only');
  else if (sel.some((h) => h.added.length === 0)) k.push('has-deletion-hunk');
  if (sel.every((h) => h.removed.length === 0)) k.push('insertion-only');
  if (r0.s === 0 && first.added.length > 0) k.push('insert-at-start');
  if (first.oldStart === 0 && first.removed.length === 0) k.push('prepend');
  if (rN.e === N && last.added.length > 0) k.push('insert-at-end');
  if (last.oldStart === N && last.removed.length === 0) k.push('append');
  const anchors: string[] = [];
  for (const r of b.regions) {
    if (r.s > 0) anchors.push(strip(f.old[r.s]));
    if (r.e < N) anchors.push(strip(f.old[r.e - 1]));
  }
  if (anchors.some((a) => (freq.get(a) ?? 0) > 1)) k.push('repeated-anchor');
  if (anchors.some((a) => a.trim() === '')) k.push('blank-anchor');
  if (count > 1) k.push('multi-hunk');
  if (b.regions.length > 1) k.push('multi-region');
  if (b.regions.some((r) => r.hunks.length > 1)) k.push('merged-hunks');
  if (b.markerTexts.length === 0) k.push('no-markers');
  if (crlf) k.push('crlf');
  const oldEofNl = !f.old[N - 1].endsWith(NOEOL);
  const expEofNl = !b.expected[b.expected.length - 1].endsWith(NOEOL);
  if (!expEofNl) k.push('no-final-newline');
  if (oldEofNl !== expEofNl) k.push('final-newline-change');
  if (f.lang.style !== '//' && f.lang.style !== '#')
    k.push(`marker-${f.lang.style === '/* */' ? 'block-comment' : f.lang.style === '<!-- -->' ? 'html-comment' : 'other'}`);
  return k;
}

// ---------------------------------------------------------------------------------------------
// Case specs (which hunks, how much context) and selection

type Purpose = 'generic' | 'deletion' | 'start' | 'end';

interface Spec {
  id: string;
  f: FileDiff;
  start: number;
  count: number;
  ctx: number;
  purpose: Purpose;
  wording: string; // one of WORDINGS, or 'mixed'
  built: Built;
}

function wordingFn(spec: { id: string; wording: string }): (i: number) => string {
  if (spec.wording !== 'mixed') return () => spec.wording;
  const rng = rngFor(`${spec.id}#mixed`);
  return () => WORDINGS[weighted(rng, WORDING_WEIGHTS)];
}

function perFileCap(f: FileDiff): number {
  const n = f.hunks.length;
  if (f.bucket === '1000-3000') return 1 + Math.floor(Math.min(n, 24) / 8);
  if (f.bucket === '100-999') return n >= 16 ? 2 : 1;
  return 1;
}

function specsFor(f: FileDiff): Spec[] {
  const base = `${pairId(f.pair)}:${f.path}`;
  const rng = rngFor(base);
  const n = f.hunks.length;
  const N = f.old.length;
  const raw: { start: number; count: number; ctx: number; purpose: Purpose }[] = [];
  const pickCtx = (): number => 1 + Math.floor(rng() * 3);
  const pickK = (limit: number): number => 1 + weighted(rng, HUNK_COUNT_WEIGHTS, Math.min(limit, MAX_HUNKS_PER_CASE));

  // generic windows, spread over the file
  const m = Math.min(perFileCap(f), n);
  for (let j = 0; j < m; j++) {
    const lo = Math.floor((j * n) / m);
    const hi = Math.floor(((j + 1) * n) / m);
    const k = pickK(hi - lo);
    raw.push({ start: lo + Math.floor(rng() * (hi - lo - k + 1)), count: k, ctx: pickCtx(), purpose: 'generic' });
  }
  // a run of pure-deletion hunks
  const runs: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    if (f.hunks[i].added.length !== 0) continue;
    let j = i;
    while (j + 1 < n && f.hunks[j + 1].added.length === 0) j++;
    runs.push([i, j + 1]);
    i = j;
  }
  if (runs.length) {
    const [a, b] = runs[Math.floor(rng() * runs.length)];
    const k = pickK(b - a);
    raw.push({ start: a + Math.floor(rng() * (b - a - k + 1)), count: k, ctx: pickCtx(), purpose: 'deletion' });
  }
  // the edit reaches line 1 (no leading marker)
  if (n && f.hunks[0].oldStart <= 3 && f.hunks[0].added.length > 0) {
    raw.push({ start: 0, count: pickK(n), ctx: Math.max(pickCtx(), f.hunks[0].oldStart, 1), purpose: 'start' });
  }
  // the edit reaches EOF (no trailing marker)
  const lastH = f.hunks[n - 1];
  if (n && N - lastH.oldEnd <= 3 && lastH.added.length > 0) {
    const k = pickK(n);
    raw.push({ start: n - k, count: k, ctx: Math.max(pickCtx(), N - lastH.oldEnd, 1), purpose: 'end' });
  }

  const out: Spec[] = [];
  for (const r of raw) {
    const id = `${base}#${r.start}+${r.count}`;
    if (out.some((s) => s.id === id)) continue;
    const wrng = rngFor(`${id}#wording`);
    const wording = wrng() < 0.12 ? 'mixed' : WORDINGS[weighted(wrng, WORDING_WEIGHTS)];
    const partial = { id, wording };
    const built = build(f, r.start, r.count, r.ctx, f.lang.style, wordingFn(partial));
    if (built.markerTexts.length === 0) continue; // the edit would be the whole file
    if (built.changed > MAX_CHANGED_LINES_PER_CASE || built.expected.length > MAX_LINES) continue;
    out.push({ id, f, ...r, wording, built });
  }
  return out;
}

function hashOrder<T extends { id: string }>(xs: T[], salt: string): T[] {
  return xs
    .map((x) => ({ x, k: sha(`${salt}:${x.id}`) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .map((e) => e.x);
}

class Selection {
  readonly chosen: Spec[] = [];
  private readonly perPair = new Map<string, number>();
  private readonly perPairBucket = new Map<string, number>();
  private readonly perFile = new Map<string, Spec[]>();
  private readonly perDir = new Map<string, Set<string>>();

  canTake(s: Spec): boolean {
    if (this.chosen.includes(s)) return false;
    const pid = pairId(s.f.pair);
    if ((this.perPair.get(pid) ?? 0) >= PAIR_CAP) return false;
    if ((this.perPairBucket.get(`${pid}:${s.f.bucket}`) ?? 0) >= PAIR_BUCKET_CAP) return false;
    const fk = `${pid}:${s.f.path}`;
    const same = this.perFile.get(fk) ?? [];
    if (same.length >= perFileCap(s.f)) return false;
    if (same.some((o) => s.start < o.start + o.count && o.start < s.start + s.count)) return false;
    const dk = `${pid}:${posix.dirname(s.f.path)}`;
    const files = this.perDir.get(dk) ?? new Set<string>();
    if (!files.has(s.f.path) && files.size >= DIR_FILE_CAP) return false;
    return true;
  }

  take(s: Spec): void {
    const pid = pairId(s.f.pair);
    this.chosen.push(s);
    this.perPair.set(pid, (this.perPair.get(pid) ?? 0) + 1);
    const pb = `${pid}:${s.f.bucket}`;
    this.perPairBucket.set(pb, (this.perPairBucket.get(pb) ?? 0) + 1);
    const fk = `${pid}:${s.f.path}`;
    this.perFile.set(fk, [...(this.perFile.get(fk) ?? []), s]);
    const dk = `${pid}:${posix.dirname(s.f.path)}`;
    this.perDir.set(dk, (this.perDir.get(dk) ?? new Set<string>()).add(s.f.path));
  }

  /** Round-robin over languages, then over package pairs within a language, until `done()`. */
  fill(pool: Spec[], salt: string, done: () => boolean): void {
    const byLang = new Map<string, Map<string, Spec[]>>();
    // multi-hunk windows first within each list; single-hunk files still come in once those run out
    const ordered = hashOrder(pool, salt).sort((x, y) => Number(x.count === 1) - Number(y.count === 1));
    for (const s of ordered) {
      const l = byLang.get(s.f.lang.language) ?? new Map<string, Spec[]>();
      byLang.set(s.f.lang.language, l);
      const pid = pairId(s.f.pair);
      l.set(pid, [...(l.get(pid) ?? []), s]);
    }
    const langs = [...byLang.keys()].sort();
    const pairCursor = new Map<string, number>();
    let progress = true;
    while (!done() && progress) {
      progress = false;
      for (const lang of langs) {
        if (done()) return;
        const pairs = [...byLang.get(lang)!.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
        const c = pairCursor.get(lang) ?? 0;
        for (let t = 0; t < pairs.length; t++) {
          const [, list] = pairs[(c + t) % pairs.length];
          const pick = list.find((s) => this.canTake(s));
          if (pick) {
            this.take(pick);
            pairCursor.set(lang, (c + t + 1) % pairs.length);
            progress = true;
            break;
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

interface Meta {
  id: string;
  package: string;
  from: string;
  to: string;
  path: string;
  language: string;
  lines: number;
  expectedLines: number;
  editLines: number;
  hunks: number;
  fileHunks: number;
  hunkRange: [number, number];
  context: number;
  regions: { original: [number, number]; expected: [number, number] }[];
  markerStyle: Style;
  markerText: string;
  markers: number;
  eol: Eol;
  crlfSource: 'native' | 'converted' | null;
  finalNewline: boolean;
  files: { original: string; edit: string; expected: string };
  kinds: string[];
}

function render(tokens: string[], eol: Eol, finalNewline: boolean): string {
  const nl = eol === 'crlf' ? '\r\n' : '\n';
  return tokens.map(strip).join(nl) + (finalNewline && tokens.length ? nl : '');
}

/** JSON with short number arrays ([start, end] spans) kept on one line. */
function toJson(x: unknown): string {
  return `${JSON.stringify(x, null, 2).replace(/\[\s+(-?\d+),\s+(-?\d+)\s+\]/g, '[$1, $2]')}\n`;
}

function slugify(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

// ---------------------------------------------------------------------------------------------
// Self-check (reads the written files back; independent of build())

function selfCheck(metas: Meta[], fetched: Map<string, Fetched>): string[] {
  const errors: string[] = [];
  for (const m of metas) {
    const dir = join(OUT, m.id);
    const fail = (msg: string): void => void errors.push(`${m.id}: ${msg}`);
    const rawO = readFileSync(join(dir, m.files.original), 'utf8');
    const rawE = readFileSync(join(dir, m.files.edit), 'utf8');
    const rawX = readFileSync(join(dir, m.files.expected), 'utf8');
    for (const [name, raw] of [
      ['original', rawO],
      ['edit', rawE],
      ['expected', rawX],
    ] as const) {
      const cr = (raw.match(/\r/g) ?? []).length;
      const crlf = (raw.match(/\r\n/g) ?? []).length;
      const lf = (raw.match(/\n/g) ?? []).length;
      if (m.eol === 'crlf' ? !(cr === crlf && crlf === lf) : cr !== 0)
        fail(`${name}: line endings are not consistently ${m.eol}`);
    }
    const norm = (s: string): string => s.replace(/\r\n/g, '\n');
    const o = norm(rawO);
    const e = norm(rawE);
    const x = norm(rawX);
    if (x.endsWith('\n') !== m.finalNewline || e.endsWith('\n') !== m.finalNewline) fail('final-newline state differs from meta');

    // 1. expected == original + the chosen hunks, via jsdiff's own patch machinery
    const pair = PAIRS.find((p) => p.name === m.package && p.from === m.from && p.to === m.to)!;
    const a = readText(join(fetched.get(`${pair.name}@${pair.from}`)!.root, m.path))!;
    const b = readText(join(fetched.get(`${pair.name}@${pair.to}`)!.root, m.path))!;
    if (a.text !== o) fail('original differs from the published file');
    const patch = structuredPatch('a', 'b', a.text, b.text, undefined, undefined, { context: 0 });
    if (patch.hunks.length !== m.fileHunks) fail(`jsdiff finds ${patch.hunks.length} hunks, meta says ${m.fileHunks}`);
    const sub = { ...patch, hunks: patch.hunks.slice(m.hunkRange[0] - 1, m.hunkRange[1]) };
    const applied = applyPatch(a.text, sub);
    if (applied !== x) fail('applying the chosen hunks to original does not give expected');
    if (m.hunkRange[1] === m.fileHunks && m.hunkRange[0] === 1 && x !== b.text)
      fail('all hunks chosen but expected != new version');

    // 2. the edit: markers, regions, anchors
    const O = tokenize(o).map(strip);
    const X = tokenize(x).map(strip);
    const E = tokenize(e).map(strip);
    if (O.some((l) => MARKER_LIKE_RE.test(l)) || X.some((l) => MARKER_LIKE_RE.test(l)))
      fail('original/expected contains a marker-like line');
    const xSet = new Set(X);
    const segs: string[][] = [];
    const markerBefore: boolean[] = [];
    let pendingMarker = false;
    let cur: string[] | null = null;
    let markers = 0;
    for (const l of E) {
      if (MARKER_RE.test(l)) {
        markers++;
        if (pendingMarker && !cur) fail('two markers in a row');
        if (cur) segs.push(cur);
        cur = null;
        pendingMarker = true;
      } else {
        if (!xSet.has(l)) fail(`edit line is neither a marker nor in expected: ${JSON.stringify(l).slice(0, 80)}`);
        if (!cur) {
          cur = [];
          markerBefore.push(pendingMarker);
          pendingMarker = false;
        }
        cur.push(l);
      }
    }
    if (cur) segs.push(cur);
    const trailingMarker = pendingMarker;
    if (markers !== m.markers) fail(`edit has ${markers} markers, meta says ${m.markers}`);
    if (segs.length !== m.regions.length) fail(`edit has ${segs.length} regions, meta says ${m.regions.length}`);
    const N = O.length;
    let rebuilt: string[] = [];
    let prevE = 0;
    m.regions.forEach((r, i) => {
      const [os, oe] = [r.original[0] - 1, r.original[1]];
      const [xs, xe] = [r.expected[0] - 1, r.expected[1]];
      const seg = segs[i] ?? [];
      if (seg.join('\n') !== X.slice(xs, xe).join('\n')) fail(`region ${i + 1} is not expected lines ${xs + 1}..${xe}`);
      // markers exactly where regions are non-contiguous
      if (markerBefore[i] !== os > prevE)
        fail(`region ${i + 1}: leading marker ${markerBefore[i] ? 'present' : 'absent'} but gap is ${os - prevE}`);
      // first/last line are context lines from the original (unless at line 1 / EOF), with `context` lines each
      if (os > 0) {
        if (seg[0] !== O[os]) fail(`region ${i + 1}: first line is not original line ${os + 1}`);
        if (seg.slice(0, m.context).join('\n') !== O.slice(os, os + m.context).join('\n'))
          fail(`region ${i + 1}: leading context != ${m.context} original lines`);
      }
      if (oe < N) {
        if (seg[seg.length - 1] !== O[oe - 1]) fail(`region ${i + 1}: last line is not original line ${oe}`);
        if (seg.slice(-m.context).join('\n') !== O.slice(oe - m.context, oe).join('\n'))
          fail(`region ${i + 1}: trailing context != ${m.context} original lines`);
      }
      rebuilt = rebuilt.concat(O.slice(prevE, os), seg);
      prevE = oe;
    });
    if (trailingMarker !== prevE < N)
      fail(`trailing marker ${trailingMarker ? 'present' : 'absent'} but ${N - prevE} lines follow the last region`);
    rebuilt = rebuilt.concat(O.slice(prevE));
    // reference merge with known spans must reproduce expected
    if (rebuilt.join('\n') !== X.join('\n')) fail('reference merge (original + regions at their spans) != expected');

    // 3. a few kind tags, recomputed
    const freq = new Map<string, number>();
    for (const l of O) freq.set(l, (freq.get(l) ?? 0) + 1);
    const rep = m.regions.some(
      (r) =>
        (r.original[0] > 1 && (freq.get(O[r.original[0] - 1]) ?? 0) > 1) ||
        (r.original[1] < N && (freq.get(O[r.original[1] - 1]) ?? 0) > 1),
    );
    if (rep !== m.kinds.includes('repeated-anchor')) fail('repeated-anchor tag is wrong');
    if ((m.eol === 'crlf') !== m.kinds.includes('crlf')) fail('crlf tag is wrong');
    if (m.kinds.includes('insert-at-start') && m.regions[0].original[0] !== 1)
      fail('insert-at-start but the first region does not start at line 1');
    if (m.kinds.includes('insert-at-end') && m.regions[m.regions.length - 1].original[1] !== N)
      fail('insert-at-end but the last region does not reach EOF');
    if (m.lines !== N || m.expectedLines !== X.length || m.editLines !== E.length) fail('line counts differ from meta');
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Summary

function table(title: string, rows: [string, number][]): string {
  const w = Math.max(title.length, ...rows.map((r) => r[0].length));
  return [`${title.padEnd(w)}  cases`, ...rows.map(([k, v]) => `${k.padEnd(w)}  ${String(v).padStart(5)}`)].join('\n');
}

function countBy<T>(xs: T[], key: (x: T) => string | string[]): [string, number][] {
  const m = new Map<string, number>();
  for (const x of xs) for (const k of [key(x)].flat()) m.set(k, (m.get(k) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

function dirSize(dir: string): number {
  let n = 0;
  for (const d of readdirSync(dir, { withFileTypes: true }))
    n += d.isDirectory() ? dirSize(join(dir, d.name)) : statSync(join(dir, d.name)).size;
  return n;
}

// ---------------------------------------------------------------------------------------------
// Main

function fetcher(): { fetched: Map<string, Fetched>; get: (name: string, v: string) => Fetched } {
  const fetched = new Map<string, Fetched>();
  const get = (name: string, v: string): Fetched => {
    const k = `${name}@${v}`;
    if (!fetched.has(k)) fetched.set(k, fetchPackage(name, v));
    return fetched.get(k)!;
  };
  return { fetched, get };
}

/** `--check`: re-verify the fixtures on disk without regenerating them. */
function checkOnly(): void {
  const { fetched, get } = fetcher();
  const index = JSON.parse(readFileSync(join(OUT, 'index.json'), 'utf8')) as { cases: { id: string }[] };
  const metas = index.cases.map((c) => JSON.parse(readFileSync(join(OUT, c.id, 'meta.json'), 'utf8')) as Meta);
  for (const p of PAIRS) {
    get(p.name, p.from);
    get(p.name, p.to);
  }
  const errors = selfCheck(metas, fetched);
  if (errors.length) {
    console.error(`SELF-CHECK FAILED (${errors.length}):`);
    for (const e of errors.slice(0, 50)) console.error(`  ${e}`);
    process.exitCode = 1;
  } else console.log(`self-check: all ${metas.length} cases OK`);
}

function main(): void {
  console.log(`cache: ${CACHE}`);
  const { fetched, get } = fetcher();

  const skipped = new Map<string, number>();
  const files: FileDiff[] = [];
  PAIRS.forEach((p, i) => files.push(...candidates(p, i, get(p.name, p.from), get(p.name, p.to), skipped)));
  console.log(
    `${files.length} candidate files (${countBy(files, (f) => f.bucket)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')})`,
  );
  for (const [why, n] of [...skipped.entries()].sort()) console.log(`  skipped ${n}: ${why}`);

  const specs = files.flatMap(specsFor);
  const sel = new Selection();
  const tagged = (kind: string): number =>
    sel.chosen.filter((s) => kindsOf(s.f, s.start, s.count, s.built, false).includes(kind)).length;
  // Phase A: the special kinds first, so they get their quota from a spread of languages.
  const purposeKind: [Purpose, string][] = [
    ['deletion', 'deletion-only'],
    ['start', 'insert-at-start'],
    ['end', 'insert-at-end'],
  ];
  for (const [purpose, kind] of purposeKind) {
    const pool = specs.filter((s) => s.purpose === purpose && kindsOf(s.f, s.start, s.count, s.built, false).includes(kind));
    sel.fill(pool, purpose, () => tagged(kind) >= KIND_QUOTA);
  }
  // Phase B: fill each size bucket, big files first (fewest candidates).
  for (const bucket of [...BUCKETS].reverse()) {
    const inBucket = (): number => sel.chosen.filter((s) => s.f.bucket === bucket).length;
    sel.fill(
      specs.filter((s) => s.f.bucket === bucket && s.purpose === 'generic'),
      `bucket:${bucket}`,
      () => inBucket() >= BUCKET_TARGET,
    );
    sel.fill(
      specs.filter((s) => s.f.bucket === bucket),
      `bucket2:${bucket}`,
      () => inBucket() >= BUCKET_TARGET,
    );
  }

  // CRLF: convert a few LF cases (distinct languages, not the biggest files).
  const crlf = new Set<string>();
  const usedLang = new Set<string>();
  for (const s of hashOrder(sel.chosen, 'crlf')) {
    if (crlf.size >= CRLF_CASES) break;
    if (s.f.eol === 'crlf' || s.f.bucket === '1000-3000' || usedLang.has(s.f.lang.language)) continue;
    crlf.add(s.id);
    usedLang.add(s.f.lang.language);
  }

  const chosen = [...sel.chosen].sort(
    (a, b) => a.f.pairIndex - b.f.pairIndex || (a.f.path < b.f.path ? -1 : a.f.path > b.f.path ? 1 : 0) || a.start - b.start,
  );
  const casesPerFile = countBy(chosen, (s) => `${pairId(s.f.pair)}:${s.f.path}`);
  const multi = new Set(casesPerFile.filter(([, n]) => n > 1).map(([k]) => k));

  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  // Byte-exact fixtures (some CRLF, some without a final newline): keep git's EOL conversion off them.
  writeFileSync(join(OUT, '.gitattributes'), '* -text\n');
  const metas: Meta[] = [];
  chosen.forEach((s, i) => {
    const f = s.f;
    const fileKey = `${pairId(f.pair)}:${f.path}`;
    const stem = basename(f.path).replace(/\.[^.]*$/, '') || basename(f.path);
    let slug = `${slugify(f.pair.name)}-${slugify(stem)}`.slice(0, 48).replace(/-+$/, '');
    if (multi.has(fileKey)) slug += `-h${s.start + 1}`;
    const id = `${String(i + 1).padStart(3, '0')}-${slug}`;
    const converted = crlf.has(s.id);
    const eol: Eol = converted ? 'crlf' : f.eol;
    const b = s.built;
    const finalNewline = !b.expected[b.expected.length - 1].endsWith(NOEOL);
    const origFinal = !f.old[f.old.length - 1].endsWith(NOEOL);
    const files = { original: `original.${f.lang.ext}`, edit: `edit.${f.lang.ext}`, expected: `expected.${f.lang.ext}` };
    const dir = join(OUT, id);
    mkdirSync(dir);
    writeFileSync(join(dir, files.original), render(f.old, eol, origFinal));
    writeFileSync(join(dir, files.edit), render(b.edit, eol, finalNewline));
    writeFileSync(join(dir, files.expected), render(b.expected, eol, finalNewline));
    const distinct = [...new Set(b.markerTexts)];
    const meta: Meta = {
      id,
      package: f.pair.name,
      from: f.pair.from,
      to: f.pair.to,
      path: f.path,
      language: f.lang.language,
      lines: f.old.length,
      expectedLines: b.expected.length,
      editLines: b.edit.length,
      hunks: s.count,
      fileHunks: f.hunks.length,
      hunkRange: [s.start + 1, s.start + s.count],
      context: s.ctx,
      regions: b.regions.map((r) => ({ original: [r.s + 1, r.e], expected: [r.expS + 1, r.expE] })),
      markerStyle: f.lang.style,
      markerText: distinct.length === 1 ? distinct[0] : 'mixed',
      markers: b.markerTexts.length,
      eol,
      crlfSource: eol === 'crlf' ? (converted ? 'converted' : 'native') : null,
      finalNewline,
      files,
      kinds: kindsOf(f, s.start, s.count, b, eol === 'crlf'),
    };
    writeFileSync(join(dir, 'meta.json'), toJson(meta));
    metas.push(meta);
  });

  const packages = PAIRS.map((p) => ({
    name: p.name,
    from: p.from,
    to: p.to,
    fromIntegrity: fetched.get(`${p.name}@${p.from}`)!.integrity,
    toIntegrity: fetched.get(`${p.name}@${p.to}`)!.integrity,
    cases: metas.filter((m) => m.package === p.name && m.from === p.from && m.to === p.to).length,
  }));
  const index = {
    description:
      'Lazy-edit merge cases built from real diffs between published npm package versions. For each case, merging edit.* into original.* must produce expected.* byte for byte.',
    generator: 'scripts/make-apply-corpus.ts (npm run corpus:apply)',
    format: {
      marker:
        'a whole line holding a comment whose text is "... existing code ..." (or: "... rest of code ...", "... existing code here ...", "... unchanged ...", any case), indented like the code it stands for',
      markerStyles: {
        '//': 'JS/TS/JSON/C/C++/SCSS',
        '#': 'Python/gyp/TOML/YAML',
        '--': 'Lua',
        ';': 'Scheme (tree-sitter queries)',
        '/* */': 'CSS',
        '<!-- -->': 'Markdown/HTML',
      },
      regions:
        "each region is the new text of one or more hunks with `context` unchanged lines before and after; original lines between the region's first and last line are replaced by the region. No leading marker: the region starts at line 1. No trailing marker: it runs to EOF.",
      regionsField:
        'meta.regions[i].original / .expected are 1-based inclusive line spans (original span = what the region replaces)',
      fileExtensions:
        'TypeScript files use .ts.txt / .d.ts.txt etc. so the repository typecheck (which includes test/) skips them',
    },
    kinds: {
      'deletion-only': 'every chosen hunk only removes lines (the edit is context lines only)',
      'has-deletion-hunk': 'some, not all, chosen hunks only remove lines',
      'insertion-only': 'every chosen hunk only adds lines',
      'insert-at-start': 'first region starts at line 1 (no leading marker) and its first hunk adds lines',
      prepend: 'new lines inserted before original line 1',
      'insert-at-end': 'last region runs to EOF (no trailing marker) and its last hunk adds lines',
      append: 'new lines added after the original last line',
      'repeated-anchor': "a region's first or last line (a context line) occurs more than once in the original",
      'blank-anchor': "a region's first or last line is blank",
      'multi-hunk': 'more than one hunk',
      'multi-region': 'more than one region (markers between regions)',
      'merged-hunks': 'hunks whose contexts overlap/touch share one region',
      crlf: 'CRLF line endings (crlfSource: native or converted from LF by this script)',
      'no-final-newline': 'expected has no final newline',
      'final-newline-change': 'the change adds or removes the final newline',
      'marker-block-comment': 'marker is /* ... */',
      'marker-html-comment': 'marker is <!-- ... -->',
      'marker-other': 'marker uses -- or ; or %',
    },
    packages,
    cases: metas.map((m) => ({
      id: m.id,
      package: m.package,
      from: m.from,
      to: m.to,
      path: m.path,
      language: m.language,
      lines: m.lines,
      hunks: m.hunks,
      regions: m.regions.length,
      context: m.context,
      markerStyle: m.markerStyle,
      eol: m.eol,
      kinds: m.kinds,
      files: m.files,
    })),
  };
  writeFileSync(join(OUT, 'index.json'), toJson(index));

  const errors = selfCheck(metas, fetched);
  console.log('');
  console.log(
    table(
      'language',
      countBy(metas, (m) => m.language),
    ),
  );
  console.log('');
  console.log(
    table(
      'size (original lines)',
      BUCKETS.map((bk) => [bk, metas.filter((m) => bucketOf(m.lines) === bk).length]),
    ),
  );
  console.log('');
  console.log(
    table(
      'hunks',
      countBy(metas, (m) => String(m.hunks)).sort((a, b) => Number(a[0]) - Number(b[0])),
    ),
  );
  console.log('');
  console.log(table('context', countBy(metas, (m) => String(m.context)).sort()));
  console.log('');
  console.log(
    table(
      'regions',
      countBy(metas, (m) => String(m.regions.length)).sort((a, b) => Number(a[0]) - Number(b[0])),
    ),
  );
  console.log('');
  console.log(
    table(
      'marker text',
      countBy(metas, (m) => m.markerText),
    ),
  );
  console.log('');
  console.log(
    table(
      'kind',
      countBy(metas, (m) => m.kinds),
    ),
  );
  console.log('');
  console.log(
    table(
      'package',
      countBy(metas, (m) => `${m.package}@${m.from}..${m.to}`),
    ),
  );
  console.log('');
  console.log(`${metas.length} cases, ${(dirSize(OUT) / 1024 / 1024).toFixed(2)} MB in ${OUT}`);
  if (errors.length) {
    console.error(`\nSELF-CHECK FAILED (${errors.length}):`);
    for (const e of errors.slice(0, 50)) console.error(`  ${e}`);
    process.exitCode = 1;
  } else console.log('self-check: all cases OK');
}

if (process.argv.includes('--check')) checkOnly();
else main();
