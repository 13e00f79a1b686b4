/**
 * Bench suite `dashboard`: how fast the dashboard paints on a 10k-memory database, measured in
 * Debian's Chromium (playwright-core, /usr/bin/chromium) with the browser's own performance APIs,
 * and how big the bundle is (raw and gzip, as the server sends it).
 *
 * Each sample is a fresh browser context (empty cache) loading the page from the built server over
 * loopback. "First contentful paint" is the browser's paint entry; "list painted" is the first
 * animation frame after the memory table holds its first page (50 rows) and the namespace counts,
 * recorded in the page by an init script (a MutationObserver), so no test-driver polling is timed.
 * The same page on an empty database is the baseline beside it, measured in the same run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';
import { createLogger } from '../src/log.js';
import { HashEmbedder } from '../src/memory/embed/hash.js';
import { MemoryStore, TIERS } from '../src/memory/store.js';
import { TopicCorpus } from './lib/corpus.js';
import { fmt, median, type Row } from './lib/stats.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const MAIN = join(ROOT, 'dist/src/main.js');
const ASSETS = join(ROOT, 'dist/src/dashboard/assets');
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const MEMORIES = Number(process.env.BENCH_DASHBOARD_MEMORIES ?? 10_000);
const SAMPLES = Number(process.env.BENCH_DASHBOARD_SAMPLES ?? 7);
const ROWS = 50;

async function buildDb(path: string, n: number): Promise<void> {
  const store = await MemoryStore.open({ path, embedder: new HashEmbedder(), log: createLogger('silent') });
  const corpus = new TopicCorpus(20);
  for (let done = 0; done < n; done += 500) {
    const batch = Array.from({ length: Math.min(500, n - done) }, (_, i) => ({
      content: corpus.text(),
      namespace: `ns${(done + i) % 10}`,
      tier: TIERS[(done + i) % 7 === 0 ? 2 : 1],
      metadata: { i: done + i },
    }));
    await store.insert(batch);
  }
  store.close();
}

/** The built server over HTTP on a free port; resolves with its origin once it logs "sixfold ready". */
function startServer(db: string, xdg: string): Promise<{ origin: string; stop: () => Promise<void> }> {
  const env: Record<string, string> = { XDG_DATA_HOME: xdg };
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('SIXFOLD_') && !/_API_KEY$/.test(k)) env[k] = v;
  const proc = spawn(process.execPath, [MAIN, '--transport', 'http', '--port', '0', '--db', db, '--log-level', 'info'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const stop = async () => {
    proc.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolveStart, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`server not ready in 30 s: ${buf}`)), 30_000);
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (c: string) => {
      buf += c;
      const m =
        /"msg":"sixfold ready".*?"url":"(http:\/\/[^"]+)\/mcp"|"url":"(http:\/\/[^"]+)\/mcp".*?"msg":"sixfold ready"/.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolveStart({ origin: m[1] ?? m[2], stop });
      }
    });
    proc.once('exit', (code) => reject(new Error(`server exited (${code}) before it was ready: ${buf}`)));
  });
}

/** Runs in the page before its scripts: notes when the memory list and facets are first on screen. */
const LIST_PAINTED = `
  new MutationObserver((_, obs) => {
    const rows = document.querySelectorAll('table.rows tbody tr').length;
    const facets = document.querySelectorAll('.facets .count').length;
    const empty = document.querySelector('.empty');
    if ((rows >= ${ROWS} && facets > 3) || (empty && facets >= 3)) {
      obs.disconnect();
      requestAnimationFrame(() => { window.__listPainted = performance.now(); });
    }
  }).observe(document, { childList: true, subtree: true });
`;

interface Sample {
  fcp: number;
  list: number;
}

async function measure(browser: Browser, origin: string, samples: number): Promise<Sample[]> {
  const out: Sample[] = [];
  for (let i = 0; i < samples; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    await page.addInitScript(LIST_PAINTED);
    await page.goto(`${origin}/#/memory`);
    await page.waitForFunction(() => (window as unknown as { __listPainted?: number }).__listPainted !== undefined, undefined, {
      timeout: 30_000,
    });
    const s = await page.evaluate(() => ({
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
      list: (window as unknown as { __listPainted: number }).__listPainted,
    }));
    out.push(s);
    await context.close();
  }
  return out;
}

/** FCP of a plain text response from the same server: the browser's own floor for a page over loopback. */
async function plainFcp(browser: Browser, url: string, samples: number): Promise<number> {
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0, undefined, {
      timeout: 30_000,
    });
    out.push(await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0].startTime));
    await context.close();
  }
  return median(out);
}

function bundleSizes(): {
  initial: { raw: number; gzip: number; files: number };
  all: { raw: number; gzip: number; files: number };
} {
  const files = readdirSync(ASSETS).filter((f) => /\.(js|css)$/.test(f));
  const size = (names: string[]) =>
    names.reduce(
      (acc, f) => {
        const body = readFileSync(join(ASSETS, f));
        return { raw: acc.raw + body.length, gzip: acc.gzip + gzipSync(body, { level: 9 }).length, files: acc.files + 1 };
      },
      { raw: 0, gzip: 0, files: 0 },
    );
  const app = readFileSync(join(ASSETS, 'app.js'), 'utf8');
  const eager = [...app.slice(0, 4096).matchAll(/from"\.\/(chunk-[A-Za-z0-9]+\.js)"/g)].map((m) => m[1]);
  return { initial: size(['app.js', 'app.css', ...eager]), all: size(files) };
}

const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;

export async function runDashboardBench(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sixfold-bench-dashboard-'));
  const servers: Array<{ stop: () => Promise<void> }> = [];
  let browser: Browser | undefined;
  try {
    const full = join(dir, 'full.db');
    const empty = join(dir, 'empty.db');
    await buildDb(full, MEMORIES);
    await buildDb(empty, 0);
    const a = await startServer(full, join(dir, 'xdg'));
    servers.push(a);
    const b = await startServer(empty, join(dir, 'xdg'));
    servers.push(b);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
    await measure(browser, a.origin, 1); // the browser's own first-start costs are no page's
    const withData = await measure(browser, a.origin, SAMPLES);
    const baseline = await measure(browser, b.origin, SAMPLES);
    const floor = await plainFcp(browser, `${a.origin}/healthz`, SAMPLES);
    const fcp = median(withData.map((s) => s.fcp));
    const list = median(withData.map((s) => s.list));
    const fcp0 = median(baseline.map((s) => s.fcp));
    const list0 = median(baseline.map((s) => s.list));
    const size = bundleSizes();
    return [
      {
        figure: `first contentful paint, #/memory, ${MEMORIES.toLocaleString('en-US')} memories (median of ${SAMPLES}, cold cache)`,
        anchor: `same page, empty database: ${fmt(fcp0, 0)} ms; plain text (/healthz): ${fmt(floor, 0)} ms`,
        ours: `${fmt(fcp, 0)} ms`,
        goal: '< 500 ms',
        met: fcp < 500,
      },
      {
        figure: `memory list painted (first ${ROWS} of ${MEMORIES.toLocaleString('en-US')}, with namespace and tier counts)`,
        anchor: `same page, empty database: ${fmt(list0, 0)} ms`,
        ours: `${fmt(list, 0)} ms`,
        goal: '< 1000 ms',
        met: list < 1000,
      },
      {
        figure: `bundle: first load (app.js, app.css and the ${size.initial.files - 2} chunks app.js imports)`,
        anchor: `everything incl. lazy pages and demos: ${kib(size.all.raw)} raw, ${kib(size.all.gzip)} gzip (${size.all.files} files)`,
        ours: `${kib(size.initial.raw)} raw, ${kib(size.initial.gzip)} gzip`,
        goal: '< 100 KiB gzip',
        met: size.initial.gzip < 100 * 1024,
      },
    ];
  } finally {
    await browser?.close().catch(() => {});
    await Promise.all(servers.map((s) => s.stop().catch(() => {})));
    rmSync(dir, { recursive: true, force: true });
  }
}
