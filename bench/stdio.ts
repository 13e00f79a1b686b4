import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { measureRoundTrips } from './lib/round-trips.js';
import { fmt, median, summarize, type Row } from './lib/stats.js';

const ENTRY = resolve('dist/src/main.js');
const CALLS = 1000;
const COLD_RUNS = 9;

async function connect(db: string): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [ENTRY, '--db', db, '--log-level', 'silent'],
    stderr: 'ignore',
    // hash-384: these rows measure the protocol round trip, not a model (the memory suite has use-lite's).
    env: { PATH: process.env.PATH ?? '', SIXFOLD_EMBEDDER: 'hash-384' },
  });
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(transport);
  return client;
}

export async function runStdioBench(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sixfold-bench-'));
  const rows: Row[] = [];
  try {
    const db = join(dir, 'rt.db');
    const client = await connect(db);
    const { ping, store, search } = await measureRoundTrips(client, CALLS);
    await client.close();
    const p = summarize(ping);
    for (const [what, samples] of [
      ['memory_store', store],
      ['memory_search hybrid k=5, 1k memories', search],
    ] as const) {
      const t = summarize(samples);
      rows.push({
        figure: `tools/call round trip over stdio: ${what}`,
        anchor: `ping round trip, this run: p50 ${fmt(p.p50, 3)} ms`,
        ours: `p50 ${fmt(t.p50, 3)} ms, p95 ${fmt(t.p95, 3)} ms`,
        goal: 'p50 < 1 ms',
        met: t.p50 < 1,
      });
    }

    // Cold start: spawn → initialize → first tools/list answer, on an existing DB file.
    const cold: number[] = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      const s = performance.now();
      const c = await connect(db);
      await c.listTools();
      cold.push(performance.now() - s);
      await c.close();
    }
    const bare: number[] = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      const s = performance.now();
      spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
      bare.push(performance.now() - s);
    }
    rows.push({
      figure: `cold start to first tools/list answer (median of ${COLD_RUNS})`,
      anchor: `bare \`node -e ""\`, this run: ${fmt(median(bare), 1)} ms`,
      ours: `${fmt(median(cold), 1)} ms`,
      goal: '< 400 ms',
      met: median(cold) < 400,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
