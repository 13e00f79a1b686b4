/**
 * Acceptance 7: clean shutdown of the stdio server. SIGTERM exits 0; closing stdin exits 0; what
 * was stored before is there after a restart on the same DB file.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readStatus, search } from '../helpers/mcp.js';
import {
  makeTempDir,
  rawRpc,
  resourceJson,
  spawnStdioServer,
  startStdioClient,
  withTimeout,
  type ServerProcess,
  type StdioClientHandle,
  type TempDir,
} from '../helpers/server.js';

describe('stdio shutdown', () => {
  let tmp: TempDir;
  const procs: ServerProcess[] = [];
  const handles: StdioClientHandle[] = [];

  beforeEach(() => {
    tmp = makeTempDir();
  });

  afterEach(async () => {
    await Promise.all(handles.splice(0).map((h) => h.close()));
    await Promise.all(procs.splice(0).map((p) => p.stop('SIGKILL').catch(() => {})));
    tmp.remove();
  });

  /** Spawns a server, initializes, stores one memory; returns the process and the stored id. */
  async function serverWithOneMemory(content: string) {
    const p = spawnStdioServer({ db: tmp.db, xdg: tmp.xdg });
    procs.push(p);
    const rpc = rawRpc(p);
    await rpc.initialize();
    const r = await rpc.request('tools/call', { name: 'memory_store', arguments: { content, namespace: 'shutdown' } });
    expect(r.result?.isError).toBeFalsy();
    const id = r.result?.structuredContent?.id as string;
    expect(id).toMatch(/\S/);
    return { p, id };
  }

  async function readBack(id: string, content: string) {
    const h = await startStdioClient({ db: tmp.db, xdg: tmp.xdg });
    handles.push(h);
    const m = resourceJson<{ content: string }>(await h.client.readResource({ uri: `memory://shutdown/${id}` }));
    expect(m.content).toBe(content);
    return h;
  }

  it('SIGTERM exits 0 and keeps the data', async () => {
    const { p, id } = await serverWithOneMemory('stored before SIGTERM: pelican');
    p.proc.kill('SIGTERM');
    expect(await withTimeout(p.exited, 10_000, 'exit after SIGTERM')).toEqual({ code: 0, signal: null });
    const h = await readBack(id, 'stored before SIGTERM: pelican');
    expect((await search(h.client, { query: 'pelican', mode: 'keyword' })).results.map((r) => r.id)).toEqual([id]);
  });

  it('closing stdin exits 0 and keeps the data', async () => {
    const { p, id } = await serverWithOneMemory('stored before stdin closed: albatross');
    p.proc.stdin!.end();
    expect(await withTimeout(p.exited, 10_000, 'exit after stdin closed')).toEqual({ code: 0, signal: null });
    const h = await readBack(id, 'stored before stdin closed: albatross');
    expect((await readStatus(h.client)).counts.by_namespace).toEqual({ shutdown: 1 });
  });

  it('SIGINT exits 0 too', async () => {
    const { p, id } = await serverWithOneMemory('stored before SIGINT: cormorant');
    p.proc.kill('SIGINT');
    expect(await withTimeout(p.exited, 10_000, 'exit after SIGINT')).toEqual({ code: 0, signal: null });
    await readBack(id, 'stored before SIGINT: cormorant');
  });

  it('the SDK client closing (stdin end) lets the server exit by itself', async () => {
    const h = await startStdioClient({ db: tmp.db, xdg: tmp.xdg });
    const exited = new Promise<void>((resolve) => {
      h.client.onclose = () => resolve();
    });
    await h.client.close();
    await withTimeout(exited, 10_000, 'the server to exit after the client closed');
    expect(() => process.kill(h.pid, 0)).toThrow();
  });
});
