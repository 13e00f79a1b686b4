/**
 * Choosing the tools a server loads (SIXFOLD_TOOLS, tools.enabled), over stdio and HTTP: only the
 * named tools are listed, with their resources and prompts and nothing else; bad names stop the
 * server with a message listing what is accepted. Prompt argument completions, too.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSPORTS, startFixture, type Fixture } from '../helpers/both.js';
import { MEMORY_TOOL_NAMES, callOk, type StoreResult } from '../helpers/mcp.js';
import { childEnv, makeTempDir, resourceJson, runCli, type TempDir } from '../helpers/server.js';

describe.each(TRANSPORTS)('SIXFOLD_TOOLS=memory over %s', (kind) => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture(kind, { env: { SIXFOLD_TOOLS: 'memory' } });
  });
  afterAll(async () => {
    await f?.close();
  });

  it('lists only the memory tools, the memory resources and the recall prompt', async () => {
    const { client } = f.main;
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(MEMORY_TOOL_NAMES);
    const size = JSON.stringify({ tools }).length;
    expect(size / 4).toBeLessThan(2000); // the goal: the memory preset under 2,000 tokens
    for (const t of tools) {
      expect(JSON.stringify(t)).not.toContain('$schema');
      expect(t.outputSchema?.type).toBe('object');
    }
    const templates = (await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate).sort();
    expect(templates).toEqual(['memory://{namespace}', 'memory://{namespace}/{id}']);
    const fixed = (await client.listResources()).resources.map((r) => r.uri);
    expect(fixed).toContain('sixfold://status');
    expect(fixed.filter((u) => !u.startsWith('memory://'))).toEqual(['sixfold://status']);
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual(['recall']);
    await expect(client.readResource({ uri: 'crdt://' })).rejects.toThrow(/not found/i);
    const missing = await client.callTool({ name: 'crdt_merge', arguments: { doc: 'x', ops: [] } });
    expect(missing.isError).toBe(true);
    expect(JSON.stringify(missing.content)).toMatch(/crdt_merge not found/);
    const status = resourceJson<{ tools: string[] }>(await client.readResource({ uri: 'sixfold://status' }));
    expect(status.tools.sort()).toEqual(MEMORY_TOOL_NAMES);
    const init = client.getInstructions() ?? '';
    expect(init).toContain('memory_store');
    expect(init).not.toContain('crdt_merge');
    await callOk<StoreResult>(client, 'memory_store', { content: 'presets still store' });
  });

  it('completes prompt arguments: recall namespace and topic', async () => {
    const { client } = f.main;
    await callOk(client, 'memory_store', {
      content: 'Preset completion seed',
      namespace: 'proj.alpha',
      tags: ['planning', 'platform'],
    });
    await callOk(client, 'memory_store', { content: 'Another seed', namespace: 'proj.beta' });
    const ns = await client.complete({
      ref: { type: 'ref/prompt', name: 'recall' },
      argument: { name: 'namespace', value: 'proj.' },
    });
    expect(ns.completion.values).toEqual(['proj.alpha', 'proj.beta']);
    const topic = await client.complete({
      ref: { type: 'ref/prompt', name: 'recall' },
      argument: { name: 'topic', value: 'pla' },
    });
    expect(topic.completion.values).toEqual(['planning', 'platform']);
    const none = await client.complete({
      ref: { type: 'ref/prompt', name: 'recall' },
      argument: { name: 'namespace', value: 'zzz' },
    });
    expect(none.completion.values).toEqual([]);
  });
});

// The transport does not change how the config is read: stdio only (both transports: the block above).
describe.each(['stdio'] as const)('tools.enabled from the config file over %s', (kind) => {
  let tmp: TempDir;
  let f: Fixture;
  beforeAll(async () => {
    tmp = makeTempDir('sixfold-presets-');
    const config = join(tmp.dir, 'config.json');
    writeFileSync(config, JSON.stringify({ tools: { enabled: ['codegen', 'crdt_read'] } }));
    f = await startFixture(kind, { tmp, extraArgs: ['--config', config] });
  });
  afterAll(async () => {
    await f?.close();
    tmp?.remove();
  });

  it('loads a preset plus a single tool, with their resources and prompts', async () => {
    const { client } = f.main;
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual([
      'apply_edit',
      'crdt_read',
      'generate_code',
      'record_outcome',
    ]);
    const templates = (await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate).sort();
    expect(templates).toEqual(['crdt://{doc}', 'reasoningbank://{namespace}', 'trajectory://{id}']);
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual(['self_improving_codegen']);
    const lang = await client.complete({
      ref: { type: 'ref/prompt', name: 'self_improving_codegen' },
      argument: { name: 'language', value: 'py' },
    });
    expect(lang.completion.values).toEqual(['python']);
    const attempts = await client.complete({
      ref: { type: 'ref/prompt', name: 'self_improving_codegen' },
      argument: { name: 'max_attempts', value: '' },
    });
    expect(attempts.completion.values).toHaveLength(9);
  });
});

describe('bad tool names', () => {
  let tmp: TempDir;
  beforeAll(() => {
    tmp = makeTempDir('sixfold-presets-bad-');
  });
  afterAll(() => tmp?.remove());

  it('an unknown name in SIXFOLD_TOOLS stops the server with what is accepted', async () => {
    const r = await runCli(['--db', tmp.db], childEnv(tmp.xdg, { SIXFOLD_TOOLS: 'memory,memroy_store' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /Invalid config key "tools\.enabled" from SIXFOLD_TOOLS: unknown "memroy_store"; accepted: presets: memory, codegen, coordination, all; tools: memory_store/,
    );
  });

  it('an empty list is refused', async () => {
    const config = join(tmp.dir, 'empty.json');
    writeFileSync(config, JSON.stringify({ tools: { enabled: [] } }));
    const r = await runCli(['--db', tmp.db, '--config', config], childEnv(tmp.xdg));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tools\.enabled.*name at least one tool or preset/);
  });
});
