/**
 * The examples run generate_code's output in a restricted child process (examples/lib/sandbox.ts):
 * results come back as data; the code cannot read files, start processes or threads, load native
 * addons or see the environment (provider keys); a runaway loop is stopped; a chain run lets each
 * accepted item count for the next call.
 */
import { describe, expect, it } from 'vitest';
import { plainScript, runGenerated } from '../../../../examples/lib/sandbox.js';

describe('examples sandbox', () => {
  it('defines the code and calls the function with shared data and per-call arguments', async () => {
    const code = 'export function add(shared, a, b) { return shared.base + a + b; }';
    expect(
      await runGenerated(code, 'add', { base: 10 }, [
        [1, 2],
        [3, 4],
      ]),
    ).toEqual({ ok: true, results: [13, 17] });
    expect(await runGenerated('function twice(x) { return 2 * x }', 'twice', undefined, [[4]])).toEqual({
      ok: true,
      results: [8],
    });
    expect(plainScript('export default function f() {}\nexport const g = 1;')).toBe('function f() {}\nconst g = 1;');
  });

  it('says what went wrong: no such function, a syntax error, a throw', async () => {
    expect(await runGenerated('function other() {}', 'wanted', undefined, [[]])).toEqual({
      ok: false,
      error: 'the code defines no function wanted',
    });
    expect(await runGenerated('function f( {', 'f', undefined, [[]])).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^the code does not compile/),
    });
    expect(await runGenerated('function f() { throw new Error("boom") }', 'f', undefined, [[]])).toEqual({
      ok: false,
      error: 'call 0 threw: boom',
    });
    expect(() => runGenerated('', 'not a name', undefined, [])).toThrow(/not a function name/);
  });

  it('denies files, processes, threads and addons, and holds no environment', async () => {
    const code = `function probe() {
      const out = {};
      const tryIt = (k, f) => { try { f(); out[k] = 'allowed'; } catch (e) { out[k] = e.code || e.message; } };
      tryIt('fs', () => require('fs').readFileSync('/etc/hostname'));
      tryIt('spawn', () => require('child_process').spawnSync('true'));
      tryIt('worker', () => new (require('worker_threads').Worker)('1', { eval: true }));
      tryIt('addon', () => process.dlopen({ exports: {} }, '/nonexistent.node'));
      out.env = Object.keys(process.env).length;
      return out;
    }`;
    expect(await runGenerated(code, 'probe', undefined, [[]])).toEqual({
      ok: true,
      results: [
        {
          fs: 'ERR_ACCESS_DENIED',
          spawn: 'ERR_ACCESS_DENIED',
          worker: 'ERR_ACCESS_DENIED',
          addon: 'ERR_DLOPEN_DISABLED',
          env: 0,
        },
      ],
    });
  });

  it('stops a runaway loop at the time limit', async () => {
    expect(await runGenerated('function spin() { for (;;) {} }', 'spin', undefined, [[]], { timeoutMs: 500 })).toEqual({
      ok: false,
      error: 'stopped after 500 ms',
    });
  });

  it('in a chain, an item accepted ({ok: true}) is in shared.items for the next call', async () => {
    const code =
      'function admit(world, item) { return world.items.some((x) => x.sq === item.sq) ? { ok: false } : { ok: true }; }';
    const r = await runGenerated<{ ok: boolean }>(code, 'admit', { items: [] }, [[{ sq: 1 }], [{ sq: 1 }], [{ sq: 2 }]], {
      chain: true,
    });
    expect(r).toEqual({ ok: true, results: [{ ok: true }, { ok: false }, { ok: true }] });
  });
});
