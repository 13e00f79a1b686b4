/** `npm run example` argument handling: unknown names and bad options exit 2 saying what is accepted; nothing is written. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_RUNNER } from '../../helpers/examples.js';
import { REPO_ROOT } from '../../helpers/server.js';

const run = (...args: string[]) =>
  spawnSync(process.execPath, [EXAMPLE_RUNNER, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
const NAMES = 'names: protein-folding, ocean-pagerank, market-crash, p2p-game, self-healing-cluster';

describe('example runner', () => {
  it('refuses what it cannot run, naming what it can', () => {
    for (const [args, message] of [
      [[], 'name an example'],
      [['protein'], 'no example "protein"'],
      [['p2p-game', '--seed', 'x1'], '--seed takes a whole number, 0 to 999999999 (got "x1")'],
      [['p2p-game', '--out'], '--out needs a value'],
      [['p2p-game', '--fast'], 'unknown option --fast'],
      [['p2p-game', 'market-crash'], 'one example at a time'],
    ] as const) {
      const r = run(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain(NAMES);
    }
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: npm run example -- <name>');
  });
});
