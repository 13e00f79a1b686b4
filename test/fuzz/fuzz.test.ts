/**
 * The short fuzz run (fixed seed): schema-aware valid and hostile calls to every tool through a
 * real MCP client over stdio. It must find nothing: the server stays up, refusals are isError
 * texts under 4 KB that name the field, with no stack or path, nothing invalid is accepted, the
 * control store + search works throughout, and RSS stays bounded. The long run is
 * `npm run bench -- fuzz`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFuzz, startFuzzServer, type FuzzServer } from '../../testkit/fuzz-driver.js';

const SEED = 13;
const CALLS_PER_TOOL = 200;

describe('fuzz (short run)', () => {
  let server: FuzzServer;

  beforeAll(async () => {
    server = await startFuzzServer();
  });

  afterAll(async () => {
    await server?.close();
  });

  it(`${CALLS_PER_TOOL} seeded calls per tool find no defect`, async () => {
    const r = await runFuzz(server, { seed: SEED, callsPerTool: CALLS_PER_TOOL, deadlineMs: 40_000 });
    expect(r.defects).toEqual([]);
    // The deadline only guards a very slow machine; on this kind of machine the run completes.
    expect(Object.keys(r.perTool)).toHaveLength(19);
    expect(r.calls).toBeGreaterThanOrEqual(19 * 50);
    expect(r.refused).toBeGreaterThan(0);
    expect(r.accepted).toBeGreaterThan(0);
    expect(r.rssAfterKiB).toBeLessThan(r.rssBeforeKiB + 512 * 1024);
  }, 90_000);
});
