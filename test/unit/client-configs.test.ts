/**
 * Every MCP client config this repository ships or shows parses the way its client reads it:
 * `mcp.json` (Claude Code's .mcp.json shape), `mcp.inspector.json` (the MCP Inspector's
 * --config), each JSON snippet of README "Use it from your client" (marked with
 * `<!-- client-config: <client> -->`), and `server.json` for the MCP Registry, which must
 * describe this package.json. One small validator per format, written from each client's
 * documented shape; strict, so a key a client does not know (`serverUrl` in Cursor, `url` in
 * Windsurf, `mcpServers` in VS Code) fails here instead of silently in the client.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const read = (file: string) => readFileSync(join(REPO_ROOT, file), 'utf8');
const strings = z.array(z.string());
const env = z.record(z.string(), z.string());
const httpUrl = z.string().regex(/^https?:\/\/[^\s]+$/);

// Claude Desktop: stdio only (remote servers are added as connectors in its UI, not here).
const claudeDesktop = z.strictObject({
  mcpServers: z.record(z.string(), z.strictObject({ command: z.string().min(1), args: strings.optional(), env: env.optional() })),
});

// Claude Code (.mcp.json, `claude mcp add-json`): type stdio (the default) or http / sse.
const claudeCode = z.strictObject({
  mcpServers: z.record(
    z.string(),
    z.union([
      z.strictObject({
        type: z.literal('stdio').optional(),
        command: z.string().min(1),
        args: strings.optional(),
        env: env.optional(),
      }),
      z.strictObject({ type: z.enum(['http', 'sse']), url: httpUrl, headers: env.optional() }),
    ]),
  ),
});

// Cursor (.cursor/mcp.json): a command, or a url (Streamable HTTP or SSE).
const cursor = z.strictObject({
  mcpServers: z.record(
    z.string(),
    z.union([
      z.strictObject({
        type: z.literal('stdio').optional(),
        command: z.string().min(1),
        args: strings.optional(),
        env: env.optional(),
        envFile: z.string().optional(),
      }),
      z.strictObject({ url: httpUrl, headers: env.optional() }),
    ]),
  ),
});

// VS Code (.vscode/mcp.json): "servers" with an explicit type, plus "inputs" for ${input:id}.
const vscode = z.strictObject({
  inputs: z
    .array(
      z.strictObject({
        type: z.literal('promptString'),
        id: z.string(),
        description: z.string(),
        password: z.boolean().optional(),
      }),
    )
    .optional(),
  servers: z.record(
    z.string(),
    z.union([
      z.strictObject({
        type: z.literal('stdio'),
        command: z.string().min(1),
        args: strings.optional(),
        env: env.optional(),
        envFile: z.string().optional(),
      }),
      z.strictObject({ type: z.enum(['http', 'sse']), url: httpUrl, headers: env.optional() }),
    ]),
  ),
});

// Windsurf (~/.codeium/windsurf/mcp_config.json): a command, or a serverUrl.
const windsurf = z.strictObject({
  mcpServers: z.record(
    z.string(),
    z.union([
      z.strictObject({
        command: z.string().min(1),
        args: strings.optional(),
        env: env.optional(),
        disabled: z.boolean().optional(),
      }),
      z.strictObject({ serverUrl: httpUrl, headers: env.optional() }),
    ]),
  ),
});

// The MCP Inspector's --config: stdio (type optional) or sse / streamable-http with a url.
const inspector = z.strictObject({
  mcpServers: z.record(
    z.string(),
    z.union([
      z.strictObject({
        type: z.literal('stdio').optional(),
        command: z.string().min(1),
        args: strings.optional(),
        env: env.optional(),
      }),
      z.strictObject({ type: z.enum(['sse', 'streamable-http']), url: httpUrl }),
    ]),
  ),
});

const VALIDATORS = new Map<string, z.ZodType>([
  ['claude-desktop', claudeDesktop],
  ['claude-code', claudeCode],
  ['cursor', cursor],
  ['vscode', vscode],
  ['windsurf', windsurf],
]);

/** The stdio launches a snippet may use: the installed command or npx, never a checkout path. */
function expectLaunchesSixfold(config: unknown): void {
  const servers = Object.values(
    (config as { mcpServers?: object; servers?: object }).mcpServers ?? (config as { servers: object }).servers,
  );
  for (const s of servers as Array<{ command?: string; args?: string[] }>) {
    if (s.command === undefined) continue; // a URL entry
    const line = [s.command, ...(s.args ?? [])].join(' ');
    expect(['sixfold', 'npx -y sixfold', 'cmd /c sixfold', 'cmd /c npx -y sixfold']).toContain(line);
  }
}

/** `${input:id}` references in a VS Code config must name a declared input. */
function expectInputsDeclared(config: z.infer<typeof vscode>): void {
  const declared = new Set((config.inputs ?? []).map((i) => i.id));
  for (const m of JSON.stringify(config.servers).matchAll(/\$\{input:([^}]+)\}/g)) expect(declared).toContain(m[1]);
}

interface Snippet {
  client: string;
  json: string;
  line: number;
}

/** The JSON blocks of README "Use it from your client", each with the marker before it. */
function readmeSnippets(): { snippets: Snippet[]; unmarked: number[] } {
  const readme = read('README.md');
  const start = readme.indexOf('## Use it from your client');
  const end = readme.indexOf('\n## ', start + 1);
  expect(start, 'README has a "Use it from your client" section').toBeGreaterThan(0);
  const lines = readme.slice(start, end).split('\n');
  const offset = readme.slice(0, start).split('\n').length;
  const snippets: Snippet[] = [];
  const unmarked: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```json') continue;
    const close = lines.indexOf('```', i + 1);
    const marker = /^<!-- client-config: ([a-z-]+) -->$/.exec(lines[i - 1] ?? '');
    if (marker) snippets.push({ client: marker[1], json: lines.slice(i + 1, close).join('\n'), line: offset + i });
    else unmarked.push(offset + i);
    i = close;
  }
  return { snippets, unmarked };
}

describe('README client snippets', () => {
  const { snippets, unmarked } = readmeSnippets();

  it('every JSON block in the section is marked with its client, and every client has one', () => {
    expect(unmarked, 'JSON blocks without a <!-- client-config: … --> marker (README lines)').toEqual([]);
    expect(new Set(snippets.map((s) => s.client))).toEqual(new Set(VALIDATORS.keys()));
  });

  it.each(snippets.map((s) => [`${s.client} (README line ${s.line})`, s] as const))(
    '%s parses as its client reads it',
    (_, s) => {
      const config = JSON.parse(s.json) as unknown;
      const parsed = VALIDATORS.get(s.client)!.safeParse(config);
      expect(parsed.error?.issues ?? []).toEqual([]);
      expectLaunchesSixfold(config);
      if (s.client === 'vscode') expectInputsDeclared(config as z.infer<typeof vscode>);
    },
  );

  it('the validators are strict: a key from another client fails', () => {
    expect(cursor.safeParse({ mcpServers: { s: { serverUrl: 'http://x/mcp' } } }).success).toBe(false);
    expect(windsurf.safeParse({ mcpServers: { s: { url: 'http://x/mcp' } } }).success).toBe(false);
    expect(vscode.safeParse({ mcpServers: { s: { type: 'stdio', command: 'sixfold' } } }).success).toBe(false);
    expect(claudeCode.safeParse({ mcpServers: { s: { type: 'streamable-http', url: 'http://x/mcp' } } }).success).toBe(false);
    expect(inspector.safeParse({ mcpServers: { s: { type: 'http', url: 'http://x/mcp' } } }).success).toBe(false);
  });
});

describe('config files in the repository', () => {
  it("mcp.json is in Claude Code's shape: the installed command over stdio, and the HTTP endpoint", () => {
    const config = claudeCode.parse(JSON.parse(read('mcp.json')));
    expect(config.mcpServers.sixfold).toMatchObject({ type: 'stdio', command: 'sixfold' });
    expect(config.mcpServers['sixfold-http']).toEqual({ type: 'http', url: 'http://127.0.0.1:7400/mcp' });
    expectLaunchesSixfold(config);
  });

  it("mcp.inspector.json is in the Inspector's shape and runs this checkout's build", () => {
    const config = inspector.parse(JSON.parse(read('mcp.inspector.json')));
    expect(config.mcpServers.sixfold).toMatchObject({ command: 'node', args: ['dist/src/main.js'] });
    expect(config.mcpServers['sixfold-http']).toEqual({ type: 'streamable-http', url: 'http://127.0.0.1:7400/mcp' });
  });
});

// The MCP Registry's server.json (schema 2025-12-11), the parts this package uses.
const input = {
  description: z.string().min(1),
  isRequired: z.boolean().optional(),
  isSecret: z.boolean().optional(),
  format: z.enum(['string', 'number', 'boolean', 'filepath']).optional(),
  default: z.string().optional(),
  placeholder: z.string().optional(),
  choices: strings.optional(),
  value: z.string().optional(),
};
const registryServer = z.strictObject({
  $schema: z.literal('https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json'),
  name: z
    .string()
    .regex(/^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/)
    .max(200),
  title: z.string().optional(),
  description: z.string().min(1).max(100),
  version: z.string().regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/),
  packages: z
    .array(
      z.strictObject({
        registryType: z.literal('npm'),
        registryBaseUrl: z.literal('https://registry.npmjs.org'),
        identifier: z.string().min(1),
        version: z.string().regex(/^\d+\.\d+\.\d+/),
        runtimeHint: z.literal('npx'),
        transport: z.union([
          z.strictObject({ type: z.literal('stdio') }),
          z.strictObject({ type: z.literal('streamable-http'), url: z.string() }),
        ]),
        packageArguments: z
          .array(
            z.strictObject({
              type: z.literal('named'),
              name: z.string().startsWith('--'),
              value: z.string(),
              description: z.string().optional(),
            }),
          )
          .optional(),
        environmentVariables: z.array(z.strictObject({ name: z.string().regex(/^[A-Z][A-Z0-9_]*$/), ...input })),
      }),
    )
    .min(1),
});

/** Every .ts file under src/: environment variables server.json names must be ones the server reads. */
function sourceText(dir = join(REPO_ROOT, 'src')): string {
  return readdirSync(dir)
    .map((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? sourceText(p) : f.endsWith('.ts') ? readFileSync(p, 'utf8') : '';
    })
    .join('\n');
}

describe('server.json (MCP Registry)', () => {
  const pkg = JSON.parse(read('package.json')) as { name: string; version: string; mcpName: string };
  const server = registryServer.parse(JSON.parse(read('server.json')));

  it('matches package.json: name (mcpName, which the registry checks), identifier and version', () => {
    expect(server.name).toBe(pkg.mcpName);
    expect(server.version).toBe(pkg.version);
    for (const p of server.packages) expect([p.identifier, p.version]).toEqual([pkg.name, pkg.version]);
  });

  it('describes both transports: stdio, and Streamable HTTP started with --transport http on SIXFOLD_PORT', () => {
    const [stdio, http] = server.packages;
    expect(stdio.transport).toEqual({ type: 'stdio' });
    expect(http.transport).toEqual({ type: 'streamable-http', url: 'http://127.0.0.1:{SIXFOLD_PORT}/mcp' });
    expect(http.packageArguments).toEqual([{ type: 'named', name: '--transport', value: 'http' }]);
    expect(http.environmentVariables.find((v) => v.name === 'SIXFOLD_PORT')).toMatchObject({ default: '7400' });
  });

  it('names only environment variables the server reads; keys and the token are secrets', () => {
    const src = sourceText();
    for (const p of server.packages) {
      for (const v of p.environmentVariables) {
        expect(src, `${v.name} is not read anywhere in src/`).toMatch(new RegExp(`['"\`.]${v.name}\\b`));
        expect(v.isSecret ?? false, v.name).toBe(/_KEY$|_TOKEN$/.test(v.name));
      }
    }
  });
});
