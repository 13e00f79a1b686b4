/**
 * The browser bundle holds no Node-only module: built here with the same esbuild config as
 * `npm run build` (web/build.mjs), its metafile lists every module that went in. None is a Node
 * builtin or an external import, every package is on the browser list, the pattern cores are in
 * (consensus with its browser crypto, not Node's), and the only imports between output files are
 * the bundle's own chunks. test/browser/dashboard.test.ts then runs the demos in Chromium.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script, no types
import { buildWeb } from '../../web/build.mjs';

interface Metafile {
  inputs: Record<string, { imports: Array<{ path: string; kind: string; external?: boolean }> }>;
  outputs: Record<string, { imports: Array<{ path: string; kind: string; external?: boolean }>; bytes: number }>;
}

const BROWSER_PACKAGES = new Set([
  'preact',
  'uplot',
  'yjs',
  'lib0',
  'y-protocols',
  '@noble/curves',
  '@noble/hashes',
  '@datadog/sketches-js',
]);
const NODE = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

function packageOf(input: string): string | null {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  return m ? m[1] : null;
}

describe('browser bundle', () => {
  let dir: string;
  let meta: Metafile;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sixfold-web-'));
    meta = (await buildWeb(dir)).metafile as Metafile;
  }, 60_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has no Node builtin and no external import among its modules', () => {
    const inputs = Object.keys(meta.inputs);
    expect(inputs.length).toBeGreaterThan(50);
    for (const input of inputs) {
      expect(NODE.has(input), input).toBe(false);
      expect(input.startsWith('node:'), input).toBe(false);
      for (const imp of meta.inputs[input].imports) {
        expect(imp.external ?? false, `${input} imports ${imp.path}`).toBe(false);
        expect(NODE.has(imp.path), `${input} imports ${imp.path}`).toBe(false);
      }
    }
  });

  it('takes packages only from the browser list', () => {
    const packages = new Set(
      Object.keys(meta.inputs)
        .map(packageOf)
        .filter((p): p is string => p !== null),
    );
    expect([...packages].filter((p) => !BROWSER_PACKAGES.has(p))).toEqual([]);
    expect(packages.has('preact')).toBe(true);
  });

  it('holds the pattern cores, with consensus on its browser crypto', () => {
    const inputs = Object.keys(meta.inputs);
    for (const core of [
      'src/patterns/consensus/pbft.ts',
      'src/patterns/consensus/cluster.ts',
      'src/patterns/consensus/certificate.ts',
      'src/patterns/consensus/keys.ts',
      'src/patterns/consensus/crypto.browser.ts',
      'src/patterns/crdt/gossip.ts',
      'src/patterns/crdt/replica.ts',
      'src/patterns/crdt/ops.ts',
      'src/patterns/aggregate/aggregate.ts',
      'src/patterns/aggregate/tree.ts',
      'src/patterns/aggregate/gossip.ts',
    ]) {
      expect(inputs, core).toContain(core);
    }
    expect(inputs).not.toContain('src/patterns/consensus/crypto.ts');
    // Nothing from the server side: no store, router, transport or MCP.
    expect(inputs.filter((i) => /^src\/(memory|router|transport|dashboard)\/|^tools\/|@modelcontextprotocol/.test(i))).toEqual(
      [],
    );
  });

  it('links its output files only to each other', () => {
    const outputs = Object.keys(meta.outputs).map((o) => o.split('/').pop()!);
    expect(outputs).toContain('app.js');
    expect(outputs).toContain('app.css');
    for (const [file, out] of Object.entries(meta.outputs)) {
      for (const imp of out.imports) {
        expect(imp.external ?? false, `${file} imports ${imp.path}`).toBe(false);
        expect(outputs, `${file} imports ${imp.path}`).toContain(imp.path.split('/').pop());
      }
    }
  });
});
