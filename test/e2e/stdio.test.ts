/**
 * Acceptance 1: the built server over stdio, driven by the SDK Client: tools, hybrid/vector/keyword
 * search, filters, resources, completion, deletion and the recall prompt. One server for the file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import {
  callErr,
  callOk,
  expectMatchesSchema,
  readAllPages,
  readNamespace,
  readStatus,
  search,
  store,
  type SearchResult,
  type StoreResult,
  TOOL_NAMES,
} from '../helpers/mcp.js';
import {
  REPO_ROOT,
  makeTempDir,
  resourceJson,
  startStdioClient,
  type StdioClientHandle,
  type TempDir,
} from '../helpers/server.js';

const PKG_VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const RESOURCE_NOT_FOUND = -32002;

describe('stdio server', () => {
  let tmp: TempDir;
  let h: StdioClientHandle;
  let client: Client;
  let tools: Tool[];

  beforeAll(async () => {
    tmp = makeTempDir();
    h = await startStdioClient({ db: tmp.db, xdg: tmp.xdg });
    client = h.client;
    // Listing tools also makes the SDK client validate every structuredContent against outputSchema.
    tools = (await client.listTools()).tools;
  });

  afterAll(async () => {
    await h?.close();
    tmp?.remove();
  });

  const tool = (name: string) => {
    const t = tools.find((x) => x.name === name);
    if (!t) throw new Error(`tool ${name} not listed`);
    return t;
  };

  describe('tools/list', () => {
    it('lists every tool with schemas and truthful annotations', () => {
      expect(tools.map((t) => t.name).sort()).toEqual(TOOL_NAMES);
      for (const t of tools) {
        expect(t.inputSchema.type).toBe('object');
        expect(t.inputSchema.properties).toBeTypeOf('object');
        expect(t.outputSchema?.type).toBe('object');
        expect(t.outputSchema?.properties).toBeTypeOf('object');
        expect(t.description?.length).toBeGreaterThan(0);
        expect(t.annotations).toBeDefined();
      }
      expect(tool('memory_store').inputSchema.required).toEqual(['content']);
      expect(tool('memory_search').inputSchema.required).toEqual(['query']);

      const readOnly = tools.filter((t) => t.annotations?.readOnlyHint === true).map((t) => t.name);
      const destructive = tools.filter((t) => t.annotations?.destructiveHint === true).map((t) => t.name);
      expect(readOnly.sort()).toEqual([
        'aggregate',
        'apply_edit',
        'crdt_read',
        'gossip_status',
        'list_agents',
        'memory_get',
        'memory_list',
        'memory_search',
        'multi_model_vote',
        'verify_certificate',
      ]);
      // record_outcome's consolidation deletes distrusted and merged ReasoningBank items; terminate_agent stops work;
      // memory_update overwrites what it changes.
      expect(destructive.sort()).toEqual(['memory_delete', 'memory_update', 'record_outcome', 'terminate_agent']);
      for (const t of tools) {
        expect(typeof t.annotations?.readOnlyHint).toBe('boolean');
        expect(typeof t.annotations?.destructiveHint).toBe('boolean');
      }
    });
  });

  describe('store and search', () => {
    const NS = 'ops';
    const ids: Record<string, string> = {};
    const corpus = {
      deploy: 'The deployment pipeline failed because the database migration timed out',
      invoice: 'Invoice ZX-7731 was paid in March by the finance team',
      cats: 'Cats sleep in warm sunlight most afternoons',
      budget: 'The quarterly budget review is scheduled for Thursday',
      garden: 'Remember to water the tomato plants before the weekend',
      hiring: 'Hiring engineers takes about six weeks from first call to offer',
      backups: 'Nightly backups copy every file to the cold storage bucket',
    };

    beforeAll(async () => {
      for (const [key, content] of Object.entries(corpus)) {
        ids[key] = (await store(client, { content, namespace: NS })).id;
      }
    });

    it('memory_store returns a structured result matching its outputSchema and a summary text', async () => {
      const r = await client.callTool({
        name: 'memory_store',
        arguments: { content: 'schema check memory', namespace: 'schema-check' },
      });
      expect(r.isError).toBeFalsy();
      expectMatchesSchema(tool('memory_store').outputSchema, r.structuredContent);
      const s = r.structuredContent as unknown as StoreResult;
      expect(s.id).toMatch(/\S/);
      expect(s).toMatchObject({ namespace: 'schema-check', tier: 'long_term', expires_at: null });
      expect(Number.isNaN(Date.parse(s.created_at))).toBe(false);
      const content = r.content as Array<{ type: string; text: string }>;
      expect(content[0].type).toBe('text');
      expect(content[0].text).toContain(s.id);
      expect(content[0].text).toContain('schema-check');
    });

    it('hybrid finds a keyword-only match by a rare token', async () => {
      const r = await search(client, { query: 'ZX-7731' });
      expectMatchesSchema(tool('memory_search').outputSchema, r);
      expect(r.mode).toBe('hybrid');
      expect(r.results[0].id).toBe(ids.invoice);
      expect(r.results[0].content).toBe(corpus.invoice);
      expect(r.results[0].namespace).toBe(NS);
    });

    it('hybrid ranks a near-paraphrase first among unrelated memories', async () => {
      const r = await search(client, { query: 'deploying pipelines: migrations timing out', namespace: NS });
      expect(r.results.length).toBeGreaterThan(1);
      expect(r.results[0].id).toBe(ids.deploy);
      // Scores are ordered and within 0..1.
      for (let i = 0; i < r.results.length; i++) {
        expect(r.results[i].score).toBeGreaterThanOrEqual(0);
        expect(r.results[i].score).toBeLessThanOrEqual(1);
        if (i) expect(r.results[i].score).toBeLessThanOrEqual(r.results[i - 1].score);
      }
    });

    it('vector mode ranks the paraphrase first', async () => {
      const r = await search(client, { query: 'deploying pipelines: migrations timing out', mode: 'vector', namespace: NS });
      expectMatchesSchema(tool('memory_search').outputSchema, r);
      expect(r.mode).toBe('vector');
      expect(r.results[0].id).toBe(ids.deploy);
    });

    it('keyword mode finds exactly the memories sharing a word', async () => {
      const r = await search(client, { query: 'ZX-7731', mode: 'keyword' });
      expectMatchesSchema(tool('memory_search').outputSchema, r);
      expect(r.mode).toBe('keyword');
      expect(r.results.map((x) => x.id)).toEqual([ids.invoice]);

      const p = await search(client, { query: 'deploying pipelines: migrations timing out', mode: 'keyword', namespace: NS });
      expect(p.results[0].id).toBe(ids.deploy);
    });

    it('k limits the number of results', async () => {
      const r = await search(client, { query: 'the', namespace: NS, k: 2, mode: 'vector' });
      expect(r.results).toHaveLength(2);
    });

    it('min_score drops weaker results', async () => {
      const all = await search(client, { query: 'ZX-7731', namespace: NS });
      expect(all.results.length).toBeGreaterThan(1);
      const strong = await search(client, { query: 'ZX-7731', namespace: NS, min_score: 0.9 });
      expect(strong.results.map((x) => x.id)).toEqual([ids.invoice]);
      for (const x of strong.results) expect(x.score).toBeGreaterThanOrEqual(0.9);
      const none = await search(client, {
        query: 'nothing stored looks like this qwxz',
        namespace: NS,
        mode: 'keyword',
        min_score: 1,
      });
      expect(none.results).toEqual([]);
    });

    it('an empty result is still a structured result with a summary', async () => {
      const r = await client.callTool({ name: 'memory_search', arguments: { query: 'zzqqxxjj', mode: 'keyword' } });
      expect(r.isError).toBeFalsy();
      expect(r.structuredContent).toMatchObject({ results: [], mode: 'keyword' });
      expect((r.content as Array<{ text: string }>)[0].text).toMatch(/no memories match/i);
    });

    it('the search summary text lists the hits', async () => {
      const r = await client.callTool({ name: 'memory_search', arguments: { query: 'ZX-7731', namespace: NS, k: 1 } });
      const text = (r.content as Array<{ type: string; text: string }>)[0].text;
      expect(typeof text).toBe('string');
      expect(text).toContain(ids.invoice);
      expect(text).toContain('ZX-7731');
    });

    it('namespace filter returns only that namespace', async () => {
      const a = await store(client, { content: 'kiwi orchard harvest notes', namespace: 'alpha' });
      const b = await store(client, { content: 'kiwi orchard harvest notes', namespace: 'beta' });
      const onlyA = await search(client, { query: 'kiwi orchard', namespace: 'alpha' });
      expect(onlyA.results.map((x) => x.id)).toEqual([a.id]);
      const both = await search(client, { query: 'kiwi orchard', mode: 'keyword' });
      expect(both.results.map((x) => x.id).sort()).toEqual([a.id, b.id].sort());
    });

    it('tier filter returns only that tier; tiers set expiry', async () => {
      const w = await store(client, { content: 'tierword working note', namespace: 'tiers', tier: 'working' });
      const f = await store(client, {
        content: 'tierword flashbulb moment',
        namespace: 'tiers',
        tier: 'flashbulb',
        salience: 0.9,
      });
      const l = await store(client, {
        content: 'tierword long term fact',
        namespace: 'tiers',
        ttl_seconds: 3600,
        metadata: { source: 'e2e' },
      });
      expect(w.tier).toBe('working');
      expect(w.expires_at).not.toBeNull();
      expect(f.tier).toBe('flashbulb');
      expect(f.expires_at).toBeNull();
      expect(l.tier).toBe('long_term');
      expect(Date.parse(l.expires_at!) - Date.parse(l.created_at)).toBe(3600_000);

      for (const [tier, id] of [
        ['working', w.id],
        ['flashbulb', f.id],
        ['long_term', l.id],
      ] as const) {
        for (const mode of ['hybrid', 'vector', 'keyword']) {
          const r = await search(client, { query: 'tierword', namespace: 'tiers', tier, mode });
          expect(
            r.results.map((x) => x.id),
            `${tier}/${mode}`,
          ).toEqual([id]);
          expect(r.results[0].tier).toBe(tier);
        }
      }
      const fl = await search(client, { query: 'tierword', tier: 'flashbulb', namespace: 'tiers' });
      expect(fl.results[0]).toMatchObject({ salience: 0.9, metadata: {} });
      const lt = await search(client, { query: 'tierword', tier: 'long_term', namespace: 'tiers' });
      expect(lt.results[0].metadata).toEqual({ source: 'e2e' });
    });
  });

  describe('resources', () => {
    it('sixfold://status reports version, db, embedder, counts and tools', async () => {
      const before = await readStatus(client);
      await store(client, { content: 'status counting memory', namespace: 'status-ns', tier: 'flashbulb' });
      const s = await readStatus(client);
      expect(s.name).toBe('sixfold');
      expect(s.version).toBe(PKG_VERSION);
      expect(s.db).toBe(tmp.db);
      expect(s.embedder).toEqual({ id: 'hash-384', dims: 384 });
      expect(s.tools.sort()).toEqual(TOOL_NAMES);
      expect(s.counts.memories).toBe(before.counts.memories + 1);
      expect(s.counts.by_namespace['status-ns']).toBe(1);
      expect(s.counts.by_tier.flashbulb).toBe((before.counts.by_tier.flashbulb ?? 0) + 1);
      const sumNs = Object.values(s.counts.by_namespace).reduce((a, b) => a + b, 0);
      const sumTier = Object.values(s.counts.by_tier).reduce((a, b) => a + b, 0);
      expect(sumNs).toBe(s.counts.memories);
      expect(sumTier).toBe(s.counts.memories);
    });

    describe('memory://{namespace}', () => {
      const NS = 'paging';
      const stored: StoreResult[] = [];
      beforeAll(async () => {
        for (let i = 0; i < 5; i++) stored.push(await store(client, { content: `page item number ${i}`, namespace: NS }));
      });

      it('lists a namespace newest first in one page', async () => {
        const page = await readNamespace(client, `memory://${NS}`);
        expect(page.namespace).toBe(NS);
        expect(page.memories.map((m) => m.id)).toEqual(stored.map((s) => s.id).reverse());
        expect(page.memories.map((m) => m.content)).toEqual([4, 3, 2, 1, 0].map((i) => `page item number ${i}`));
        expect(page.next_cursor).toBeNull();
        expect(page.next).toBeNull();
      });

      it('?limit=2 pages through every memory exactly once by following next', async () => {
        const pages = await readAllPages(client, `memory://${NS}?limit=2`);
        expect(pages.map((p) => p.memories.length)).toEqual([2, 2, 1]);
        for (const p of pages.slice(0, -1)) {
          expect(p.next).toMatch(/^memory:\/\/paging\?/);
          expect(p.next_cursor).toMatch(/\S/);
        }
        expect(pages[pages.length - 1].next).toBeNull();
        const ids = pages.flatMap((p) => p.memories.map((m) => m.id));
        expect(ids).toEqual(stored.map((s) => s.id).reverse());
        expect(new Set(ids).size).toBe(stored.length);
      });

      it('rejects a bad limit and a cursor it never issued', async () => {
        await expect(client.readResource({ uri: `memory://${NS}?limit=0` })).rejects.toThrow(/limit/);
        await expect(client.readResource({ uri: `memory://${NS}?cursor=bogus` })).rejects.toThrow(/cursor/i);
      });

      it('memory://{namespace}/{id} reads one memory', async () => {
        const m = stored[2];
        const r = await client.readResource({ uri: `memory://${NS}/${m.id}` });
        expect(r.contents[0].mimeType).toBe('application/json');
        const mem = resourceJson<Record<string, unknown>>(r);
        expect(mem).toMatchObject({
          id: m.id,
          namespace: NS,
          content: 'page item number 2',
          tier: 'long_term',
          created_at: m.created_at,
        });
        // The same id under another namespace is not found.
        await expect(client.readResource({ uri: `memory://ops/${m.id}` })).rejects.toMatchObject({ code: RESOURCE_NOT_FOUND });
      });
    });

    it('lists every resource template', async () => {
      const { resourceTemplates } = await client.listResourceTemplates();
      expect(resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual([
        'agents://{run_id}',
        'consensus://{cluster}/keys',
        'consensus://{cluster}/log',
        'consensus://{cluster}/log{?after,limit}',
        'crdt://{doc}',
        'memory://{namespace}',
        'memory://{namespace}/{id}',
        'reasoningbank://{namespace}',
        'trajectory://{id}',
      ]);
    });

    it('completes namespaces by prefix', async () => {
      await store(client, { content: 'completion one', namespace: 'prefs' });
      await store(client, { content: 'completion two', namespace: 'project.notes' });
      await store(client, { content: 'completion three', namespace: 'other-pre' });
      const r = await client.complete({
        ref: { type: 'ref/resource', uri: 'memory://{namespace}' },
        argument: { name: 'namespace', value: 'pre' },
      });
      expect([...r.completion.values].sort()).toEqual(['prefs']);
      const p = await client.complete({
        ref: { type: 'ref/resource', uri: 'memory://{namespace}' },
        argument: { name: 'namespace', value: 'pr' },
      });
      expect([...p.completion.values].sort()).toEqual(['prefs', 'project.notes']);
    });

    it('listResources has sixfold://status and one entry per namespace', async () => {
      const { resources } = await client.listResources();
      const s = await readStatus(client);
      const uris = resources.map((r) => r.uri);
      expect(uris).toContain('sixfold://status');
      const nsUris = uris.filter((u) => u.startsWith('memory://')).sort();
      expect(nsUris).toEqual(
        Object.keys(s.counts.by_namespace)
          .map((n) => `memory://${n}`)
          .sort(),
      );
      expect(new Set(uris).size).toBe(uris.length);
    });
  });

  describe('memory_delete', () => {
    it('deletes by id: search no longer finds it and reading it is an error', async () => {
      const m = await store(client, { content: 'ephemeral marmalade token QV-4410', namespace: 'deltest' });
      expect((await search(client, { query: 'QV-4410', mode: 'keyword' })).results.map((x) => x.id)).toEqual([m.id]);

      const r = await client.callTool({ name: 'memory_delete', arguments: { id: m.id } });
      expect(r.isError).toBeFalsy();
      expectMatchesSchema(tool('memory_delete').outputSchema, r.structuredContent);
      expect(r.structuredContent).toEqual({ deleted: 1 });
      expect((r.content as Array<{ text: string }>)[0].text).toContain(m.id);

      for (const mode of ['keyword', 'vector', 'hybrid']) {
        const after = await search(client, { query: 'ephemeral marmalade QV-4410', mode });
        expect(after.results.map((x) => x.id)).not.toContain(m.id);
      }
      await expect(client.readResource({ uri: `memory://deltest/${m.id}` })).rejects.toMatchObject({ code: RESOURCE_NOT_FOUND });
    });

    it('a namespace needs confirm: true', async () => {
      for (let i = 0; i < 3; i++) await store(client, { content: `purge candidate ${i}`, namespace: 'purge' });
      const text = await callErr(client, 'memory_delete', { namespace: 'purge' });
      expect(text).toContain('confirm: true');
      const text2 = await callErr(client, 'memory_delete', { namespace: 'purge', confirm: false });
      expect(text2).toContain('confirm: true');
      expect((await readNamespace(client, 'memory://purge')).memories).toHaveLength(3);

      const r = await callOk<{ deleted: number }>(client, 'memory_delete', { namespace: 'purge', confirm: true });
      expect(r).toEqual({ deleted: 3 });
      expect((await readNamespace(client, 'memory://purge')).memories).toEqual([]);
      expect((await readStatus(client)).counts.by_namespace.purge).toBeUndefined();
      const again = await callOk<{ deleted: number }>(client, 'memory_delete', { namespace: 'purge', confirm: true });
      expect(again).toEqual({ deleted: 0 });
    });
  });

  describe('prompts', () => {
    it('recall exists and tells the agent to call memory_search', async () => {
      const { prompts } = await client.listPrompts();
      expect(prompts.map((p) => p.name)).toContain('recall');
      const p = await client.getPrompt({ name: 'recall', arguments: { topic: 'release checklist', namespace: 'ops' } });
      expect(p.messages.length).toBeGreaterThan(0);
      const content = p.messages[0].content;
      expect(content.type).toBe('text');
      const text = content.type === 'text' ? content.text : '';
      expect(text).toContain('memory_search');
      expect(text).toContain('release checklist');
      expect(text).toContain('"ops"');
    });
  });

  it('is still serving after everything above', async () => {
    const r: SearchResult = await search(client, { query: 'ZX-7731', k: 1 });
    expect(r.results).toHaveLength(1);
  });
});
