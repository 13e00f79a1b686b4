/**
 * `npm run bench -- fuzz`: the long fuzz run (the short one is in npm test) and the stdio read
 * path at sixfold's input limits (the SDK's ReadBuffer as anchor, beside sixfold's LineReader).
 */
import { ReadBuffer } from '@modelcontextprotocol/sdk/shared/stdio.js';
import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { LineReader } from '../src/transport/line-reader.js';
import { runFuzz, startFuzzServer } from '../testkit/fuzz-driver.js';
import { fmt, median, type Row } from './lib/stats.js';

const SEED = Number(process.env.FUZZ_SEED ?? 2026);
const CALLS_PER_TOOL = Number(process.env.FUZZ_CALLS_PER_TOOL ?? 700);

export async function runFuzzBench(): Promise<Row[]> {
  const server = await startFuzzServer();
  try {
    const r = await runFuzz(server, { seed: SEED, callsPerTool: CALLS_PER_TOOL });
    for (const d of r.defects.slice(0, 20)) process.stderr.write(`defect: ${d.tool} ${d.kind}: ${d.why} ${d.args}\n`);
    const perSec = r.calls / (r.elapsedMs / 1000);
    const crashes = r.defects.filter((d) => /call failed|control/.test(d.why)).length;
    const accepted = r.defects.filter((d) => d.why.startsWith('invalid input accepted')).length;
    return [
      {
        figure: `seeded schema-aware calls over stdio (seed ${SEED}, ${CALLS_PER_TOOL} per tool, ${Object.keys(r.perTool).length} tools)`,
        anchor: 'the issue: about 4,000 calls by hand',
        ours: `${r.calls} calls (${r.accepted} accepted, ${r.refused} refused) in ${fmt(r.elapsedMs / 1000, 1)} s`,
        goal: '>= 10,000 calls',
        met: r.calls >= 10_000,
      },
      { figure: 'calls per second (one client, sequential)', anchor: '—', ours: fmt(perSec, 0), goal: '—' },
      {
        figure: 'defects found (crashes or lost connections / invalid input accepted / all)',
        anchor: 'the issue: 10 before the fixes',
        ours: `${crashes} / ${accepted} / ${r.defects.length}`,
        goal: '0 / 0 / 0',
        met: r.defects.length === 0,
      },
      {
        figure: 'server RSS before / after',
        anchor: '—',
        ours: `${fmt(r.rssBeforeKiB / 1024, 0)} MB / ${fmt(r.rssAfterKiB / 1024, 0)} MB`,
        goal: 'bounded (< +512 MB)',
        met: r.rssAfterKiB < r.rssBeforeKiB + 512 * 1024,
      },
    ];
  } finally {
    await server.close();
  }
}

/** Reading one `mb`-MB line fed in 64 KiB chunks (a pipe's size), best of `runs`. */
function readLine(mb: number, reader: 'sdk' | 'sixfold', runs: number): number {
  const n = Math.floor(mb * 1024 * 1024);
  const line = Buffer.from(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(n - 60) } })}\n`);
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    let got = 0;
    const start = performance.now();
    if (reader === 'sdk') {
      const rb = new ReadBuffer();
      for (let off = 0; off < line.length; off += 65536) {
        rb.append(line.subarray(off, off + 65536));
        while (rb.readMessage()) got++;
      }
    } else {
      // The same work as the SDK's readMessage: split, JSON.parse, then the JSON-RPC schema.
      const lr = new LineReader(
        10 * 1024 * 1024,
        (l) => {
          if (JSONRPCMessageSchema.safeParse(JSON.parse(l)).success) got++;
        },
        () => {},
      );
      for (let off = 0; off < line.length; off += 65536) lr.push(line.subarray(off, off + 65536));
    }
    times.push(performance.now() - start);
    if (got !== 1) throw new Error(`${reader} read ${got} messages from one line`);
  }
  return median(times);
}

export function runStdioReadBench(): Row[] {
  return [1, 2, 4, 8, 9.9].map((mb) => {
    const sdk = readLine(mb, 'sdk', 3);
    const ours = readLine(mb, 'sixfold', 3);
    return {
      figure: `one ${mb} MB line in 64 KiB chunks: split, JSON.parse, JSON-RPC schema (median of 3)`,
      anchor: `SDK ReadBuffer: ${fmt(sdk, 0)} ms`,
      ours: `${fmt(ours, 0)} ms`,
      goal: 'linear in size; below the SDK',
      met: ours < sdk,
    };
  });
}
