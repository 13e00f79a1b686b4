/**
 * Acceptance 6: the command line. --version, --help, bad flags, and stdout of the stdio server
 * carrying nothing but JSON-RPC.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOOL_NAMES } from '../helpers/mcp.js';
import {
  REPO_ROOT,
  childEnv,
  makeTempDir,
  rawRpc,
  runCli,
  spawnStdioServer,
  withTimeout,
  type ServerProcess,
  type TempDir,
} from '../helpers/server.js';

const PKG_VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** A one-line reason: exactly one non-empty line on stderr, prefixed by the program name. */
function expectOneLineReason(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines, `stderr was:\n${stderr}`).toHaveLength(1);
  expect(lines[0]).toMatch(/^sixfold: /);
  return lines[0];
}

describe('CLI', () => {
  let tmp: TempDir;
  const procs: ServerProcess[] = [];

  beforeEach(() => {
    tmp = makeTempDir();
  });

  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => p.stop('SIGKILL').catch(() => {})));
    tmp.remove();
  });

  it('--version prints the package.json version to stdout', async () => {
    const r = await runCli(['--version'], childEnv(tmp.xdg));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${PKG_VERSION}\n`);
    expect(r.stderr).toBe('');
  });

  it('--help exits 0 with usage on stdout', async () => {
    const r = await runCli(['--help'], childEnv(tmp.xdg));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage:/);
    expect(r.stdout).toContain('--transport');
    expect(r.stdout).toContain('--port');
    expect(r.stderr).toBe('');
  });

  it('an unknown flag exits non-zero with a one-line reason naming it', async () => {
    const r = await runCli(['--bogus', '--db', tmp.db], childEnv(tmp.xdg));
    expect(r.code).not.toBe(0);
    expect(r.signal).toBeNull();
    expect(expectOneLineReason(r.stderr)).toContain('--bogus');
    expect(r.stdout).toBe('');
  });

  it('--port abc exits non-zero with a one-line reason naming the port', async () => {
    for (const transport of ['stdio', 'http']) {
      const r = await runCli(['--transport', transport, '--port', 'abc', '--db', tmp.db], childEnv(tmp.xdg));
      expect(r.code, transport).not.toBe(0);
      expect(r.signal).toBeNull();
      const line = expectOneLineReason(r.stderr);
      expect(line).toMatch(/port/);
      expect(line).toContain('--port');
      expect(r.stdout).toBe('');
    }
  });

  it('an unknown command exits non-zero with a one-line reason', async () => {
    const r = await runCli(['frobnicate', '--db', tmp.db], childEnv(tmp.xdg));
    expect(r.code).not.toBe(0);
    expect(expectOneLineReason(r.stderr)).toContain('frobnicate');
  });

  it('stdout of the stdio server carries nothing but JSON-RPC', async () => {
    // debug logging: plenty of log lines, all of which must go to stderr.
    const p = spawnStdioServer({ db: tmp.db, xdg: tmp.xdg, logLevel: 'debug' });
    procs.push(p);
    const rpc = rawRpc(p);
    await rpc.initialize();
    const list = await rpc.request('tools/list');
    expect(list.result.tools.map((t: { name: string }) => t.name).sort()).toEqual(TOOL_NAMES);
    const ok = await rpc.request('tools/call', { name: 'memory_store', arguments: { content: 'stdout purity check' } });
    expect(ok.result.isError).toBeFalsy();
    const bad = await rpc.request('tools/call', { name: 'memory_store', arguments: { content: 5 } });
    expect(bad.result.isError).toBe(true);
    const unknown = await rpc.request('no/such/method');
    expect(unknown.error.code).toBe(-32601);
    p.proc.stdin!.end();
    expect(await withTimeout(p.exited, 10_000, 'exit after stdin closed')).toEqual({ code: 0, signal: null });

    const out = p.stdout();
    expect(out.endsWith('\n')).toBe(true);
    const lines = out.split('\n').slice(0, -1);
    const msgs = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    // One response per request; anything else is a notification (the first memory of a namespace
    // changes the resource list: notifications/resources/list_changed).
    expect(msgs.filter((m) => 'id' in m)).toHaveLength(5);
    for (const msg of msgs) {
      expect(msg.jsonrpc).toBe('2.0');
      expect(
        'result' in msg ||
          'error' in msg ||
          (typeof msg.method === 'string' && (msg.method as string).startsWith('notifications/')),
      ).toBe(true);
    }
    // The logs went to stderr instead.
    expect(p.stderr()).toContain('"msg":"sixfold ready"');
  });
});
