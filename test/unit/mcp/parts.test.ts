import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { PRESET_TOOLS, TOOL_NAMES, resolveTools, unknownToolEntries } from '../../../src/mcp/catalog.js';
import { ClientLogHub, clientLogData } from '../../../src/mcp/client-log.js';
import { compactTool } from '../../../src/mcp/compact-list.js';
import { loadConfig } from '../../../src/config.js';
import { tempDir, thrown } from '../helpers.js';

describe('tool catalog', () => {
  it('presets and names resolve to tools in catalog order; unknown entries are named', () => {
    expect([...resolveTools(['memory'])]).toEqual(PRESET_TOOLS.memory);
    expect([...resolveTools(['all'])]).toEqual(TOOL_NAMES);
    expect([...resolveTools(['crdt_read', 'codegen'])]).toEqual(['generate_code', 'record_outcome', 'apply_edit', 'crdt_read']);
    expect(unknownToolEntries(['memory', 'constructor', '__proto__', 'memory_get'])).toEqual(['constructor', '__proto__']);
  });

  it('SIXFOLD_TOOLS and tools.enabled load through the one config loader', () => {
    expect(loadConfig({}, { SIXFOLD_TOOLS: 'memory, crdt_read', SIXFOLD_DB: ':memory:' }).tools.enabled).toEqual([
      'memory',
      'crdt_read',
    ]);
    expect(loadConfig({}, { SIXFOLD_DB: ':memory:' }).tools.enabled).toEqual(['all']);
    expect(thrown(() => loadConfig({}, { SIXFOLD_TOOLS: 'toString', SIXFOLD_DB: ':memory:' })).message).toMatch(
      /unknown "toString"; accepted: presets/,
    );
  });

  it('memory.dedup_threshold is off by default and must be a cosine from 0.5 to 1', () => {
    expect(loadConfig({}, { SIXFOLD_DB: ':memory:' }).memory.dedup_threshold).toBeNull();
    const dir = tempDir();
    try {
      const file = join(dir.path, 'c.json');
      writeFileSync(file, JSON.stringify({ memory: { dedup_threshold: 0.2 } }));
      expect(thrown(() => loadConfig({ config: file }, { SIXFOLD_DB: ':memory:' })).message).toMatch(
        /memory\.dedup_threshold.*>=0\.5/,
      );
      writeFileSync(file, JSON.stringify({ memory: { dedup_threshold: 0.95 } }));
      expect(loadConfig({ config: file }, { SIXFOLD_DB: ':memory:' }).memory.dedup_threshold).toBe(0.95);
    } finally {
      dir.remove();
    }
  });
});

describe('compactTool', () => {
  it('drops what tells a model nothing and keeps every constraint', () => {
    const tool = {
      name: 't',
      title: 'T',
      description: 'd',
      execution: { taskSupport: 'forbidden' },
      inputSchema: {
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        additionalProperties: false,
        properties: {
          n: { type: 'integer', minimum: -9007199254740991, maximum: 9007199254740991 },
          k: { type: 'integer', minimum: 1, maximum: 100 },
          tier: { type: 'string', enum: ['a', 'b'] },
          meta: { type: 'object', propertyNames: { type: 'string' }, additionalProperties: {} },
        },
      },
      outputSchema: {
        $schema: 'x',
        type: 'object',
        additionalProperties: false,
        properties: { tier: { type: 'string', enum: ['a', 'b'] }, status: { type: 'string', enum: ['ok', 'no'] } },
        required: ['tier', 'status'],
      },
    };
    expect(compactTool(tool)).toEqual({
      name: 't',
      title: 'T',
      description: 'd',
      inputSchema: {
        type: 'object',
        additionalProperties: false,
        properties: {
          n: { type: 'integer' },
          k: { type: 'integer', minimum: 1, maximum: 100 },
          tier: { type: 'string', enum: ['a', 'b'] },
          meta: { type: 'object' },
        },
      },
      outputSchema: {
        type: 'object',
        properties: { tier: { type: 'string' }, status: { type: 'string', enum: ['ok', 'no'] } },
        required: ['tier', 'status'],
      },
    });
    expect(compactTool({ ...tool, execution: { taskSupport: 'optional' } }).execution).toEqual({ taskSupport: 'optional' });
  });
});

describe('client logging', () => {
  it('sends the message and fields, errors without stacks, clipped', () => {
    const line = {
      level: 40,
      time: 1,
      pid: 2,
      hostname: 'h',
      name: 'sixfold',
      msg: 'gossip update refused',
      doc: 'd',
      err: { type: 'Error', message: 'bad bytes', stack: 'at x' },
    };
    expect(clientLogData(line)).toEqual({
      message: 'gossip update refused',
      doc: 'd',
      err: { type: 'Error', message: 'bad bytes' },
    });
    const big = clientLogData({ msg: 'm', blob: 'x'.repeat(10_000) });
    expect(big.message).toBe('m');
    expect(String(big.truncated).length).toBeLessThanOrEqual(4001);
  });

  it('stderr keeps the configured level; the client sink gets warn and above, redacted', () => {
    const stderr: string[] = [];
    const dest = new Writable({
      write(chunk, _e, cb) {
        stderr.push(String(chunk));
        cb();
      },
    });
    const sent: string[] = [];
    const log = createLogger(
      'error',
      dest as never,
      {
        write: (l: string) => {
          sent.push(l);
        },
      } as never,
    );
    log.info('not anywhere');
    log.warn({ token: 'secret-token-value' }, 'to the client only');
    log.error('both');
    expect(stderr.map((l) => JSON.parse(l).msg)).toEqual(['both']);
    expect(sent.map((l) => JSON.parse(l).msg)).toEqual(['to the client only', 'both']);
    expect(sent.join('')).not.toContain('secret-token-value');
  });

  it('the hub sends to connected servers with their session ids, and never loops on its own failures', async () => {
    const calls: Array<[string, string | undefined]> = [];
    const fake = (sessionId: string | undefined, connected = true) => ({
      isConnected: () => connected,
      server: {
        transport: { sessionId },
        sendLoggingMessage: async (p: { level: string }, sid?: string) => {
          calls.push([p.level, sid]);
        },
      },
    });
    const hub = new ClientLogHub();
    const detach = hub.attach(fake('s1') as never);
    hub.attach(fake('s2', false) as never);
    hub.stream.write(JSON.stringify({ level: 50, msg: 'boom' }));
    hub.stream.write('not json');
    expect(calls).toEqual([['error', 's1']]);
    detach();
    hub.stream.write(JSON.stringify({ level: 40, msg: 'after detach' }));
    expect(calls).toHaveLength(1);
  });
});
