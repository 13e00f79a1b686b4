/**
 * Regression tests for the ten defects found by fuzzing the tools and the stdio stream (one
 * describe per defect), through a real MCP client over stdio, or raw bytes on a spawned server's
 * stdin where the client would refuse to send them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { startFakeProvider, type FakeProvider } from '../../testkit/fake-provider.js';
import { call, callErr, callOk, readStatus, search, store } from '../helpers/mcp.js';
import {
  connectHttpClient,
  makeTempDir,
  rawRpc,
  spawnStdioServer,
  startHttpServer,
  startStdioClient,
  withTimeout,
  type ServerProcess,
  type StdioClientHandle,
  type TempDir,
} from '../helpers/server.js';

const MODEL = 'fake-coder';

/** Arguments built with JSON.parse keep "__proto__" as an own key, as a hostile client's JSON would. */
const raw = (json: string) => JSON.parse(json) as Record<string, unknown>;

describe('hostile input: one regression test per defect', () => {
  let fake: FakeProvider;
  let tmp: TempDir;
  let h: StdioClientHandle;
  let client: Client;

  beforeAll(async () => {
    fake = await startFakeProvider({ models: { [MODEL]: { answer: '```js\nconst x = 1;\n```' } } });
    tmp = makeTempDir();
    h = await startStdioClient({
      db: tmp.db,
      xdg: tmp.xdg,
      env: { OPENAI_API_KEY: 'sk-hostile-0000', OPENAI_BASE_URL: fake.baseURL, SIXFOLD_OPENAI_MODEL: MODEL },
    });
    client = h.client;
  });

  afterAll(async () => {
    await h?.close();
    await fake?.close();
    tmp?.remove();
  });

  describe('1. ReDoS through byzantine_propose.schema', () => {
    it('^(a+)+$ against 5000 a\'s and a "!" is decided (RE2), not backtracked for ever', async () => {
      const r = await callOk<{ committed: boolean; reason: string }>(client, 'byzantine_propose', {
        cluster: 'redos',
        value: `${'a'.repeat(5000)}!`,
        schema: { type: 'string', pattern: '^(a+)+$' },
      });
      expect(r.committed).toBe(false);
      expect(r.reason).toMatch(/must match pattern "\^\(a\+\)\+\$"/);
      expect(
        (
          await callOk<{ committed: boolean }>(client, 'byzantine_propose', {
            cluster: 'redos',
            value: 'aaaa',
            schema: { type: 'string', pattern: '^(a+)+$' },
          })
        ).committed,
      ).toBe(true);
    });

    it('a pattern RE2 cannot run (lookahead, backreference) is refused with the reason', async () => {
      for (const pattern of ['(?=a)a', '(a)\\1']) {
        const text = await callErr(client, 'byzantine_propose', {
          cluster: 'redos',
          value: 'a',
          schema: { type: 'string', pattern },
        });
        expect(text).toMatch(/not supported by the linear-time \(RE2\) regex engine/);
      }
    });

    it('ECMAScript escapes (\\u0041) still work', async () => {
      expect(
        (
          await callOk<{ committed: boolean }>(client, 'byzantine_propose', {
            cluster: 'redos',
            value: 'A',
            schema: { type: 'string', pattern: '^\\u0041$' },
          })
        ).committed,
      ).toBe(true);
    });

    it('a schema whose check would take seconds is cut off at the bound and refused; the server answers at once after', async () => {
      // 1000 patterns against 6500 keys (each just under its 16 / 64 KiB limit): 6.5 million RE2
      // tests, about 6 s of work here.
      const patternProperties: Record<string, boolean> = {};
      for (let i = 0; i < 1000; i++) patternProperties[`^k${i}z`] = false;
      const value: Record<string, number> = {};
      for (let i = 0; i < 6500; i++) value[`a${i}`] = 0;
      const text = await callErr(client, 'byzantine_propose', { cluster: 'redos', value, schema: { patternProperties } });
      expect(text).toMatch(/schema is too costly: validating the value against the schema took over 1000 ms/);
      await client.ping();
    });

    it('nesting deeper than 32 levels and a $ref cycle are answered, not a crash', async () => {
      let deep: Record<string, unknown> = {};
      const top = deep;
      for (let i = 0; i < 40; i++) deep = (deep.items = {}) as Record<string, unknown>;
      expect(await callErr(client, 'byzantine_propose', { cluster: 'redos', value: 1, schema: top })).toMatch(
        /nests deeper than 32 levels/,
      );
      const cyc = await callOk<{ committed: boolean; reason: string }>(client, 'byzantine_propose', {
        cluster: 'redos',
        value: 1,
        schema: { anyOf: [{ $ref: '#' }] },
      });
      expect(cyc.committed).toBe(false);
      expect(cyc.reason).toMatch(/could not be checked/);
    });
  });

  describe('2. sizes: no call a tool accepts is over the stdio read cap', () => {
    it('arguments over 8 MiB (under the 10 MiB line cap) are an isError naming the limit, and the server keeps serving', async () => {
      const big = '字'.repeat(1_450_000); // 4.35 MB of UTF-8 each
      const text = await callErr(client, 'apply_edit', { original: big, edit: big });
      expect(text).toMatch(/over the 8388608-byte \(8 MiB\) limit per call/);
      expect(text.length).toBeLessThan(4096);
      await client.ping();
    });
  });

  describe('3. "__proto__" in arguments is refused like any unknown field', () => {
    const valid: Record<string, string> = {
      memory_store: '"content":"x"',
      memory_search: '"query":"x"',
      memory_delete: '"id":"nope"',
      multi_model_vote: '"prompt":"x"',
      memory_get: '"id":"nope"',
      memory_list: '"limit":1',
      memory_update: '"id":"nope","content":"y"',
      apply_edit: '"original":"a","edit":"a"',
      generate_code: '"task":"x","language":"js"',
      record_outcome: '"trajectory_id":"t"',
      aggregate: '"ops":["count"],"values":[1]',
      spawn_ephemeral: '"task":"x"',
      list_agents: '"limit":1',
      terminate_agent: '"run_id":"00000000-0000-4000-8000-000000000000"',
      byzantine_propose: '"value":1',
      crdt_merge: '"doc":"d","ops":[{"op":"map_set","target":"m","key":"k","value":1}]',
      crdt_read: '"doc":"d"',
      gossip_status: '',
      verify_certificate: '"cluster":"c","value":1,"certificate":[{"replica":0,"signature":"AA=="}],"sequence":1,"view":0',
    };

    it('covers every tool the server lists', async () => {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(Object.keys(valid).sort());
    });

    it.each(Object.entries(valid))('%s: top-level "__proto__" → Unknown field(s) "__proto__"', async (name, fields) => {
      const text = await callErr(client, name, raw(`{${fields}${fields ? ',' : ''}"__proto__":{"namespace":"BAD NAME!"}}`));
      expect(text).toMatch(/Unknown field\(s\) "__proto__": remove them\. Accepted fields: /);
    });

    it('nested in a record (memory_store metadata) or a JSON value (crdt op value): refused naming where', async () => {
      expect(await callErr(client, 'memory_store', raw('{"content":"x","metadata":{"__proto__":{"a":1}}}'))).toMatch(
        /"__proto__" is not accepted inside "metadata"/,
      );
      expect(
        await callErr(
          client,
          'crdt_merge',
          raw('{"doc":"d3","ops":[{"op":"map_set","target":"m","key":"k","value":{"__proto__":{"x":1}}}]}'),
        ),
      ).toMatch(/inside "ops\[0\]\.value"/);
    });

    it('nothing was stored by those calls', async () => {
      const status = await readStatus(client);
      expect(status.counts.memories).toBe(0);
      expect(await callErr(client, 'crdt_read', { doc: 'd3' })).toMatch(/No document "d3"/);
    });
  });

  describe('4. echoed values are clipped', () => {
    it('a 100,000-character unknown field name comes back clipped, the whole text under 4 KB', async () => {
      const text = await callErr(client, 'memory_store', { content: 'x', ['k'.repeat(100_000)]: 1 });
      expect(text).toMatch(/Unknown field\(s\) "k{40}…" \(100000 characters\)/);
      expect(text.length).toBeLessThan(4096);
    });

    it('hundreds of unknown fields and a thousand bad ops: every error text is under 4 KB', async () => {
      const many: Record<string, unknown> = { content: 'x' };
      for (let i = 0; i < 500; i++) many[`field_${i}_${'x'.repeat(100)}`] = i;
      const t1 = await callErr(client, 'memory_store', many);
      expect(t1).toMatch(/and 495 more/);
      expect(t1.length).toBeLessThan(4096);
      const ops = Array.from({ length: 1000 }, (_, i) => ({ op: 'nope', target: 5, [`extra_${i}_${'y'.repeat(200)}`]: 1 }));
      const t2 = await callErr(client, 'crdt_merge', { doc: 'clip', ops });
      expect(t2.length).toBeLessThan(4096);
      expect(t2).toMatch(/characters in all\)$/);
    });
  });

  describe('5. aggregate overflow', () => {
    it('sum of [1e308, 1e308] is beyond the double range: null, listed in overflow; mean still exact', async () => {
      const r = await callOk<{ results: Record<string, number | null>; overflow?: string[] }>(client, 'aggregate', {
        ops: ['sum', 'mean', 'max'],
        values: [1e308, 1e308],
      });
      expect(r.results).toEqual({ sum: null, mean: 1e308, max: 1e308 });
      expect(r.overflow).toEqual(['sum']);
    });

    it('mean of [1e308, -1e308, 1e308] is exact (compensated, overflow-safe sum); variance overflows, flagged', async () => {
      const r = await callOk<{ results: Record<string, number | null>; overflow?: string[] }>(client, 'aggregate', {
        ops: ['mean', 'sum', 'variance', 'stddev'],
        values: [1e308, -1e308, 1e308],
      });
      expect(r.results.mean).toBe(1e308 / 3);
      expect(r.results.sum).toBe(1e308);
      expect(r.results.variance).toBeNull();
      expect(r.overflow).toEqual(['variance', 'stddev']);
      const order = await callOk<{ results: Record<string, number | null> }>(client, 'aggregate', {
        ops: ['sum'],
        values: [1e308, 1e308, -1e308],
      });
      expect(order.results.sum).toBe(1e308); // overflowed part-way: the scaled sum answers
    });

    it('gossip: overflow flagged instead of failing output validation', async () => {
      const r = await callOk<{ results: Record<string, number | null>; overflow?: string[] }>(client, 'aggregate', {
        ops: ['sum', 'count'],
        method: 'gossip',
        values: [1e308, 1e308],
      });
      expect(r.results).toEqual({ sum: null, count: 2 });
      expect(r.overflow).toEqual(['sum']);
    });

    it('a million bad values are refused with one message naming the first, not a million issues', async () => {
      const text = await callErr(client, 'aggregate', { ops: ['count'], values: Array.from({ length: 1_000_000 }, () => ({})) });
      expect(text).toMatch(/values\[0\] is an object: values must be numbers, or strings of at most 256 characters/);
      expect(text.length).toBeLessThan(500);
    });
  });

  describe('6. generate_code: a language named like an Object.prototype member', () => {
    it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('language "%s" is just a language', async (language) => {
      const r = await callOk<{ language: string; code: string }>(client, 'generate_code', { task: 'declare x', language });
      expect(r.language).toBe(language.toLowerCase()); // languages are normalised to lower case
      expect(r.code).toBe('const x = 1;');
    });

    it('no tool failure was logged', () => {
      expect(h.stderr()).not.toMatch(/tool failed/);
    });
  });

  describe('7. crdt_merge: a "constructor" key', () => {
    it('as a top-level key of a plain value: a clear isError, nothing written', async () => {
      const text = await callErr(client, 'crdt_merge', {
        doc: 'c7',
        ops: [{ op: 'map_set', target: 'm', key: 'k', value: { constructor: 1 } }],
      });
      expect(text).toMatch(/top-level "constructor" key, which Yjs cannot store as a plain value.*Nest it one level down/);
      expect(await callErr(client, 'crdt_read', { doc: 'c7' })).toMatch(/No document "c7"/);
    });

    it('as a map key, a target, or nested in a value: stored and read back', async () => {
      const r = await callOk<{ snapshot: Record<string, unknown> }>(client, 'crdt_merge', {
        doc: 'c7',
        ops: [
          { op: 'map_set', target: 'constructor', key: 'constructor', value: { v: { constructor: 1 } } },
          { op: 'array_push', target: 'toString', value: { a: 1 } },
        ],
      });
      expect(r.snapshot).toEqual({ constructor: { constructor: { v: { constructor: 1 } } }, toString: [{ a: 1 }] });
      expect((await callOk<{ snapshot: Record<string, unknown> }>(client, 'crdt_read', { doc: 'c7' })).snapshot).toEqual(
        r.snapshot,
      );
    });
  });

  describe('8. crdt_merge: "__proto__" names are refused, never silently lost', () => {
    it.each([
      ['target', { op: 'map_set', target: '__proto__', key: 'a', value: 1 }],
      ['key', { op: 'map_set', target: 'm', key: '__proto__', value: 1 }],
      ['path', { op: 'map_set', target: 'm', path: ['__proto__'], key: 'a', value: 1 }],
    ])('as %s', async (where, op) => {
      const text = await callErr(client, 'crdt_merge', { doc: 'p8', ops: [op] });
      expect(text).toContain(`has ${where} "__proto__", which a document cannot hold`);
    });

    it('in a raw Yjs update (a root type and a map key named "__proto__"): refused, document unchanged', async () => {
      await callOk(client, 'crdt_merge', { doc: 'p8', ops: [{ op: 'map_set', target: 'm', key: 'ok', value: 1 }] });
      // Y.Doc: getMap('m').set('__proto__', 1), and getMap('__proto__').set('a', 1), encoded as updates.
      for (const update of ['AQGd0tLQAgAoAQFtCV9fcHJvdG9fXwF9AQA=', 'AQHGzrjaAQAoAQlfX3Byb3RvX18BYQF9AQA=']) {
        expect(await callErr(client, 'crdt_merge', { doc: 'p8', updates: [update] })).toMatch(
          /updates\[0\] names a type or map key "__proto__".*unchanged/,
        );
      }
      expect((await callOk<{ snapshot: unknown }>(client, 'crdt_read', { doc: 'p8' })).snapshot).toEqual({ m: { ok: 1 } });
    });
  });

  it('after all of the above: ping, a store and a search still work', async () => {
    await client.ping();
    const s = await store(client, { content: 'the canary survived the hostile input', namespace: 'control' });
    expect(
      (await search(client, { query: 'canary hostile', namespace: 'control', mode: 'keyword' })).results.map((r) => r.id),
    ).toEqual([s.id]);
    expect((await call(client, 'memory_delete', { id: s.id })).isError).toBe(false);
  });
});

describe('hostile input on the raw stdio stream', () => {
  let tmp: TempDir;
  let p: ServerProcess | undefined;

  beforeAll(() => {
    tmp = makeTempDir();
  });

  afterAll(async () => {
    await p?.stop('SIGKILL').catch(() => {});
    tmp?.remove();
  });

  const responseTo = (id: unknown) => (line: string) => {
    try {
      return (JSON.parse(line) as { id?: unknown }).id === id;
    } catch {
      return false;
    }
  };

  it('9. a tools/call with array params, a batch, garbage and an id-less bad request each get a JSON-RPC error; notifications none', async () => {
    p = spawnStdioServer({ db: tmp.db, xdg: tmp.xdg, logLevel: 'info' });
    const rpc = rawRpc(p);
    await rpc.initialize();
    const send = (line: string) => p!.proc.stdin!.write(`${line}\n`);

    send('{"jsonrpc":"2.0","id":901,"method":"tools/call","params":[1,2]}');
    const arr = JSON.parse(await p.waitForStdoutLine(responseTo(901), 5000, 'the answer to array params')) as {
      error: { code: number; message: string };
    };
    expect(arr.error.code).toBe(-32602);
    expect(arr.error.message).toMatch(/params must be a JSON object/);

    send('{"jsonrpc":"2.0","id":"s902","method":"tools/call","params":"x"}');
    expect(
      (
        JSON.parse(await p.waitForStdoutLine(responseTo('s902'), 5000, 'the answer to string params')) as {
          error: { code: number };
        }
      ).error.code,
    ).toBe(-32602);

    send('{"jsonrpc":"2.0","id":903,"method":5}');
    expect(
      (
        JSON.parse(await p.waitForStdoutLine(responseTo(903), 5000, 'the answer to a numeric method')) as {
          error: { code: number };
        }
      ).error.code,
    ).toBe(-32600);

    // Responses only: log notifications to the client (notifications/message) may come out too.
    const responses = () =>
      p!
        .stdout()
        .split('\n')
        .filter((l) => /"id":/.test(l) && !l.includes('"method":')).length;
    const before = responses();
    send('{"jsonrpc":"2.0","method":"notifications/bogus","params":[1]}'); // an invalid notification: no answer
    send('this is not json');
    const parse = JSON.parse(await p.waitForStdoutLine((l) => l.includes('-32700'), 5000, 'the parse error')) as {
      id: unknown;
      error: { code: number };
    };
    expect(parse.id).toBeNull();
    send('[{"jsonrpc":"2.0","id":904,"method":"ping"}]');
    const batch = JSON.parse(
      await p.waitForStdoutLine((l) => l.includes('batches are not supported'), 5000, 'the batch error'),
    ) as { error: { code: number } };
    expect(batch.error.code).toBe(-32600);
    // Exactly two lines came out for those three inputs: the notification got none.
    expect(responses() - before).toBe(2);

    expect((await rpc.request('ping')).result).toEqual({});
  });

  it('stdin closed right after a request: the request is still answered, then the server exits 0', async () => {
    const q = spawnStdioServer({ db: tmp.db, xdg: tmp.xdg });
    try {
      await rawRpc(q).initialize();
      const answered = q.waitForStdoutLine(responseTo(77), 10_000, 'the answer to the last request');
      q.proc.stdin!.end(
        `${JSON.stringify({ jsonrpc: '2.0', id: 77, method: 'tools/call', params: { name: 'aggregate', arguments: { ops: ['count'], values: [1, 2, 3] } } })}\n`,
      );
      const r = JSON.parse(await answered) as { result: { structuredContent: { results: { count: number } } } };
      expect(r.result.structuredContent.results.count).toBe(3);
      expect((await withTimeout(q.exited, 10_000, 'exit after stdin closed')).code).toBe(0);
    } finally {
      await q.stop('SIGKILL').catch(() => {});
    }
  });

  it('2. a line over the 10 MiB read cap: logged on stderr, clean shutdown (exit 1), data kept', async () => {
    const rpc = rawRpc(p!);
    const stored = await rpc.request('tools/call', {
      name: 'memory_store',
      arguments: { content: 'stored before the flood', namespace: 'flood' },
    });
    expect(stored.result?.isError).toBeFalsy();
    // 11 MiB with no newline yet: the server must not wait for the end of the line to act.
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    for (let i = 0; i < 11; i++) p!.proc.stdin!.write(chunk);
    const exit = await withTimeout(p!.exited, 20_000, 'the server to exit after an oversize line');
    expect(exit.code).toBe(1);
    expect(p!.stderr()).toMatch(/over the 10485760-byte limit.*shutting down/);
    expect(p!.stderr()).toMatch(/"why":"message over 10485760 bytes"/);

    // The store was acknowledged before the flood: a new server finds it.
    const again = spawnStdioServer({ db: tmp.db, xdg: tmp.xdg });
    p = again;
    const rpc2 = rawRpc(again);
    await rpc2.initialize();
    const found = await rpc2.request('tools/call', {
      name: 'memory_search',
      arguments: { query: 'flood', namespace: 'flood', mode: 'keyword' },
    });
    expect(found.result.structuredContent.results).toHaveLength(1);
  });
});

describe('hostile input over Streamable HTTP (the same edge guards every session)', () => {
  let tmp: TempDir;
  let server: Awaited<ReturnType<typeof startHttpServer>> | undefined;
  let http: Awaited<ReturnType<typeof connectHttpClient>> | undefined;

  beforeAll(async () => {
    tmp = makeTempDir();
    server = await startHttpServer({ db: tmp.db, xdg: tmp.xdg });
    http = await connectHttpClient(server.url);
  });

  afterAll(async () => {
    await http?.close();
    await server?.close();
    tmp?.remove();
  });

  it('"__proto__" is refused and a long unknown field name is clipped', async () => {
    expect(await callErr(http!.client, 'memory_store', raw('{"content":"x","__proto__":{"namespace":"BAD NAME!"}}'))).toMatch(
      /Unknown field\(s\) "__proto__"/,
    );
    const text = await callErr(http!.client, 'memory_store', { content: 'x', ['q'.repeat(50_000)]: 1 });
    expect(text.length).toBeLessThan(4096);
    expect((await readStatus(http!.client)).counts.memories).toBe(0);
  });
});
