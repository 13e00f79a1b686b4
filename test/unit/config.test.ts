import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultDbPath, isLoopbackHost, loadConfig, type ConfigFlags } from '../../src/config.js';
import { thrown } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sixfold-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(content: unknown): string {
  const p = join(dir, 'config.json');
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}

describe('defaults', () => {
  it('puts the DB under XDG_DATA_HOME when set', () => {
    expect(defaultDbPath({ XDG_DATA_HOME: '/xdg/data' })).toBe('/xdg/data/sixfold/sixfold.db');
    expect(loadConfig({}, { XDG_DATA_HOME: '/xdg/data' }).db).toBe('/xdg/data/sixfold/sixfold.db');
  });

  it('falls back to ~/.local/share when XDG_DATA_HOME is unset or empty', () => {
    const want = join(homedir(), '.local', 'share', 'sixfold', 'sixfold.db');
    expect(defaultDbPath({})).toBe(want);
    expect(defaultDbPath({ XDG_DATA_HOME: '' })).toBe(want);
  });

  it('fills every default when nothing is configured', () => {
    // toMatchObject: sections added later (providers, router) are covered by their own tests.
    expect(loadConfig({}, { XDG_DATA_HOME: '/d' })).toMatchObject({
      db: '/d/sixfold/sixfold.db',
      transport: 'stdio',
      log_level: 'info',
      http: {
        host: '127.0.0.1',
        port: 7400,
        allowed_hosts: [],
        allowed_origins: [],
        session_idle_ms: 1_800_000,
        max_body_bytes: 4_194_304,
        dashboard: true,
        metrics: true,
      },
      memory: { purge_interval_ms: 60_000, working_ttl_seconds: 86_400 },
    });
  });
});

describe('precedence: defaults <- file <- env <- flags', () => {
  const fileValues = { db: '/file.db', transport: 'http', log_level: 'warn', http: { host: '10.0.0.1', port: 1111 } };
  const envValues = {
    SIXFOLD_DB: '/env.db',
    SIXFOLD_TRANSPORT: 'stdio',
    SIXFOLD_LOG_LEVEL: 'debug',
    SIXFOLD_HOST: '10.0.0.2',
    SIXFOLD_PORT: '2222',
  };
  const flagValues: ConfigFlags = { db: '/flag.db', transport: 'http', logLevel: 'error', host: '10.0.0.3', port: '3333' };
  const pick = (c: ReturnType<typeof loadConfig>) => [c.db, c.transport, c.log_level, c.http.host, c.http.port];

  it('file over defaults', () => {
    expect(pick(loadConfig({ config: file(fileValues) }, {}))).toEqual(['/file.db', 'http', 'warn', '10.0.0.1', 1111]);
  });

  it('env over file', () => {
    expect(pick(loadConfig({ config: file(fileValues) }, envValues))).toEqual(['/env.db', 'stdio', 'debug', '10.0.0.2', 2222]);
  });

  it('flags over env and file', () => {
    expect(pick(loadConfig({ config: file(fileValues), ...flagValues }, envValues))).toEqual([
      '/flag.db',
      'http',
      'error',
      '10.0.0.3',
      3333,
    ]);
  });

  it('SIXFOLD_CONFIG names the file when --config is absent, and --config wins over it', () => {
    const a = file({ db: '/a.db' });
    const b = join(dir, 'b.json');
    writeFileSync(b, JSON.stringify({ db: '/b.db' }));
    expect(loadConfig({}, { SIXFOLD_CONFIG: a }).db).toBe('/a.db');
    expect(loadConfig({ config: b }, { SIXFOLD_CONFIG: a }).db).toBe('/b.db');
  });

  it("an env override of one nested key keeps the file's siblings", () => {
    const c = loadConfig(
      { config: file({ http: { host: '10.0.0.1', port: 1111, allowed_hosts: ['x.test'] } }) },
      { SIXFOLD_PORT: '2222' },
    );
    expect(c.http).toMatchObject({ host: '10.0.0.1', port: 2222, allowed_hosts: ['x.test'] });
  });

  it('empty env values count as unset', () => {
    expect(loadConfig({ config: file({ db: '/file.db' }) }, { SIXFOLD_DB: '' }).db).toBe('/file.db');
  });

  it('comma lists from env are split and trimmed', () => {
    const c = loadConfig({}, { SIXFOLD_ALLOWED_HOSTS: ' a.test, b.test ,,', SIXFOLD_ALLOWED_ORIGINS: 'https://x.test' });
    expect(c.http.allowed_hosts).toEqual(['a.test', 'b.test']);
    expect(c.http.allowed_origins).toEqual(['https://x.test']);
  });
});

describe('errors name the key and where the value came from', () => {
  it('an unknown key in the file: names the parent key, the unknown key and the file', () => {
    const p = file({ http: { prot: 1 } });
    const err = thrown(() => loadConfig({ config: p }, {}));
    expect(err.code).toBe('config');
    // zod reports an unknown key on its parent; the loader names the full dotted key.
    expect(err.message).toBe(`Invalid config key "http.prot" from config file ${p}: Unrecognized key: "prot".`);
  });

  it('a wrongly typed file value names the dotted key and the file', () => {
    const p = file({ http: { port: 'x' } });
    const err = thrown(() => loadConfig({ config: p }, {}));
    expect(err.message).toBe(
      `Invalid config key "http.port" from config file ${p}: Invalid input: expected number, received string.`,
    );
  });

  it('counts further issues', () => {
    const p = file({ http: { port: -1 }, memory: { working_ttl_seconds: 0 } });
    const err = thrown(() => loadConfig({ config: p }, {}));
    expect(err.message).toMatch(
      /^Invalid config key "http\.port" from config file .*: Too small: expected number to be >=0 \(and 1 more\)\.$/,
    );
  });

  it('invalid JSON', () => {
    const p = file('{bad');
    const err = thrown(() => loadConfig({ config: p }, {}));
    expect(err.code).toBe('config');
    expect(err.message).toContain(`Config file ${p} is not valid JSON:`);
  });

  it('JSON that is not an object', () => {
    const p = file('[1, 2]');
    expect(thrown(() => loadConfig({ config: p }, {})).message).toBe(`Config file ${p} must hold a JSON object.`);
  });

  it('missing file', () => {
    const p = join(dir, 'missing.json');
    const err = thrown(() => loadConfig({}, { SIXFOLD_CONFIG: p }));
    expect(err.code).toBe('config');
    expect(err.message).toContain(`Cannot read config file ${p}: ENOENT`);
    expect(err.hint).toBe('Pass an existing JSON file to --config or SIXFOLD_CONFIG.');
  });

  it('--port abc names --port', () => {
    const err = thrown(() => loadConfig({ port: 'abc' }, {}));
    expect(err.message).toBe('Invalid config key "http.port" from --port: Invalid input: expected number, received string.');
  });

  it('SIXFOLD_PORT=70000 names SIXFOLD_PORT', () => {
    const err = thrown(() => loadConfig({}, { SIXFOLD_PORT: '70000' }));
    expect(err.message).toBe('Invalid config key "http.port" from SIXFOLD_PORT: Too big: expected number to be <=65535.');
  });

  it('blames the flag, not the env var or file, when all three set the bad key', () => {
    const err = thrown(() => loadConfig({ config: file({ http: { port: 1 } }), port: '99999' }, { SIXFOLD_PORT: '2' }));
    expect(err.message).toContain('"http.port" from --port:');
  });

  it('--transport and --log-level values outside the enums', () => {
    expect(thrown(() => loadConfig({ transport: 'tcp' }, {})).message).toContain('"transport" from --transport:');
    expect(thrown(() => loadConfig({ logLevel: 'loud' }, {})).message).toContain('"log_level" from --log-level:');
  });

  it('rejects a token shorter than 16 characters, accepts 16', () => {
    const err = thrown(() => loadConfig({}, { SIXFOLD_HTTP_TOKEN: '123456789012345' }));
    expect(err.message).toBe(
      'Invalid config key "http.token" from SIXFOLD_HTTP_TOKEN: http.token must be at least 16 characters.',
    );
    expect(loadConfig({}, { SIXFOLD_HTTP_TOKEN: '1234567890123456' }).http.token).toBe('1234567890123456');
    expect(thrown(() => loadConfig({ config: file({ http: { token: 'short' } }) }, {})).message).toContain(
      '"http.token" from config file',
    );
  });
});

describe('embedder config', () => {
  it('defaults to hash-384', () => {
    expect(loadConfig({}, {}).embedder).toBeUndefined(); // chosen per database: use-lite for a new one
    expect(loadConfig({}, { SIXFOLD_EMBEDDER: 'use-lite' }).embedder).toEqual({ kind: 'use-lite' });
  });

  it('openai-compatible from env gets every default', () => {
    expect(loadConfig({}, { SIXFOLD_EMBEDDER: 'openai-compatible' }).embedder).toEqual({
      kind: 'openai-compatible',
      base_url: 'https://api.openai.com/v1',
      model: 'text-embedding-3-small',
      api_key_env: 'OPENAI_API_KEY',
      batch_size: 128,
      timeout_ms: 30_000,
    });
  });

  it('openai-compatible from file and env, env winning per key', () => {
    const p = file({
      embedder: { kind: 'openai-compatible', base_url: 'http://127.0.0.1:11434/v1', model: 'nomic-embed-text', batch_size: 4 },
    });
    const c = loadConfig(
      { config: p },
      { SIXFOLD_EMBED_MODEL: 'other-model', SIXFOLD_EMBED_DIMENSIONS: '256', SIXFOLD_EMBED_API_KEY_ENV: 'MY_KEY' },
    );
    expect(c.embedder).toEqual({
      kind: 'openai-compatible',
      base_url: 'http://127.0.0.1:11434/v1',
      model: 'other-model',
      api_key_env: 'MY_KEY',
      dimensions: 256,
      batch_size: 4,
      timeout_ms: 30_000,
    });
  });

  it('rejects a bad base URL, naming its env var', () => {
    const err = thrown(() => loadConfig({}, { SIXFOLD_EMBEDDER: 'openai-compatible', SIXFOLD_EMBED_BASE_URL: 'not a url' }));
    expect(err.message).toBe('Invalid config key "embedder.base_url" from SIXFOLD_EMBED_BASE_URL: Invalid URL.');
  });

  it('rejects an unknown kind and openai-only keys on hash-384', () => {
    expect(thrown(() => loadConfig({}, { SIXFOLD_EMBEDDER: 'word2vec' })).message).toContain(
      '"embedder.kind" from SIXFOLD_EMBEDDER:',
    );
    const err = thrown(() => loadConfig({ config: file({ embedder: { kind: 'hash-384', model: 'm' } }) }, {}));
    expect(err.message).toContain('Unrecognized key: "model"');
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['localhost', true],
    ['LOCALHOST', true],
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['[::1]', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.1', false],
    ['example.com', false],
    ['localhost.example.com', false],
    ['127.0.0.1.nip.io', false],
    ['1127.0.0.1', false],
    ['', false],
  ])('%s -> %s', (host, want) => {
    expect(isLoopbackHost(host)).toBe(want);
  });
});
