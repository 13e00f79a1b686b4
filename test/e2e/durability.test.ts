/**
 * Acceptance 4 (fault): every acknowledged memory_store survives a SIGKILL of the server.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readStatus, search, store } from '../helpers/mcp.js';
import {
  makeTempDir,
  resourceJson,
  startStdioClient,
  withTimeout,
  type StdioClientHandle,
  type TempDir,
} from '../helpers/server.js';

const N = 200;
const DISTINCT = 137;
const content = (i: number) =>
  i === DISTINCT
    ? `durability memory #${i}: the quokkafjord ledger was reconciled`
    : `durability memory #${i}: routine entry number ${i} about nothing special`;

describe('durability across SIGKILL', () => {
  let tmp: TempDir;
  const handles: StdioClientHandle[] = [];

  beforeEach(() => {
    tmp = makeTempDir();
  });

  afterEach(async () => {
    await Promise.all(handles.splice(0).map((h) => h.close()));
    tmp.remove();
  });

  it(`keeps all ${N} acknowledged stores after SIGKILL and restart`, async () => {
    const first = await startStdioClient({ db: tmp.db, xdg: tmp.xdg });
    handles.push(first);
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      // store() throws unless the call returned without isError: each id here was acknowledged.
      ids.push((await store(first.client, { content: content(i), namespace: 'durable' })).id);
    }
    expect(new Set(ids).size).toBe(N);

    const gone = new Promise<void>((resolve) => {
      first.client.onclose = () => resolve();
    });
    process.kill(first.pid, 'SIGKILL');
    await withTimeout(gone, 10_000, 'the SIGKILLed server to go away');
    await first.close();

    const second = await startStdioClient({ db: tmp.db, xdg: tmp.xdg });
    handles.push(second);
    expect(second.pid).not.toBe(first.pid);
    const { client } = second;

    for (let i = 0; i < N; i++) {
      const m = resourceJson<{ id: string; content: string; namespace: string }>(
        await client.readResource({ uri: `memory://durable/${ids[i]}` }),
      );
      expect(m).toMatchObject({ id: ids[i], content: content(i), namespace: 'durable' });
    }
    const status = await readStatus(client);
    expect(status.counts.memories).toBe(N);
    expect(status.counts.by_namespace).toEqual({ durable: N });

    const hit = await search(client, { query: 'quokkafjord' });
    expect(hit.results[0].id).toBe(ids[DISTINCT]);
    const kw = await search(client, { query: 'quokkafjord', mode: 'keyword' });
    expect(kw.results.map((r) => r.id)).toEqual([ids[DISTINCT]]);

    // And the recovered store still takes writes.
    const more = await store(client, { content: 'written after recovery', namespace: 'durable' });
    expect((await readStatus(client)).counts.memories).toBe(N + 1);
    expect(more.id).not.toBe('');
  });
});
