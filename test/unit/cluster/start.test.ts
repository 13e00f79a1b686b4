import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { SixfoldError } from '../../../src/errors.js';
import { assertSafeClusterBind, clusterEnabled } from '../../../src/cluster/start.js';
import { nodeIdOf } from '../../../src/peer/identity.js';

const env = { HOME: '/tmp/none' };
const idA = nodeIdOf(generateKeyPairSync('ed25519').publicKey);
const idB = nodeIdOf(generateKeyPairSync('ed25519').publicKey);

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('did not throw');
}

describe('gossip, cluster and crdt config', () => {
  it('defaults: cluster off (no listen, no peers), gossip fanout 3 every 1 s with push; compaction every 100', () => {
    const c = loadConfig({}, env);
    expect(c.cluster.listen).toBeUndefined();
    expect(c.cluster.peers).toEqual([]);
    expect(clusterEnabled(c)).toBe(false);
    expect(c.gossip).toEqual({ fanout: 3, period_ms: 1000, push: true });
    expect(c.crdt.compact_every).toBe(100);
  });

  it('--cluster-port alone listens on loopback; --cluster-host alone on port 7401; repeated --peer ID@HOST:PORT beats SIXFOLD_PEERS', () => {
    expect(loadConfig({ clusterPort: '0' }, env).cluster.listen).toBe('127.0.0.1:0');
    expect(loadConfig({ clusterHost: '10.0.0.5' }, env).cluster.listen).toBe('10.0.0.5:7401');
    expect(loadConfig({ clusterHost: '::1', clusterPort: '9' }, env).cluster.listen).toBe('[::1]:9');
    expect(loadConfig({ clusterPort: '7500' }, { ...env, SIXFOLD_CLUSTER_LISTEN: '10.1.1.1:7400' }).cluster.listen).toBe(
      '10.1.1.1:7500',
    );
    const c = loadConfig(
      { peers: [`${idA.toLowerCase()}@127.0.0.1:7401`, idB.replace(/-/g, '')] },
      { ...env, SIXFOLD_PEERS: `${idB}@x:1` },
    );
    expect(c.cluster.peers).toEqual([{ id: idA, address: '127.0.0.1:7401' }, { id: idB }]);
    expect(clusterEnabled(c)).toBe(true);
    expect(loadConfig({}, { ...env, SIXFOLD_PEERS: `${idA}@a:1, ${idB}@[::1]:2` }).cluster.peers).toEqual([
      { id: idA, address: 'a:1' },
      { id: idB, address: '[::1]:2' },
    ]);
  });

  it('a bad peer id or address is refused, naming the key and where it came from', () => {
    const typo = `${idA.slice(0, 3)}${idA[3] === 'A' ? 'B' : 'A'}${idA.slice(4)}`;
    expect(thrown(() => loadConfig({ peers: [`${typo}@127.0.0.1:1`] }, env)).message).toMatch(
      /cluster\.peers\.0\.id.*--peer.*node id/,
    );
    expect(thrown(() => loadConfig({ peers: [`${idA}@nohostport`] }, env)).message).toMatch(
      /cluster\.peers\.0\.address.*host:port/,
    );
    expect(thrown(() => loadConfig({ clusterPort: 'abc' }, env)).message).toMatch(/--cluster-port "abc" is not a port/);
  });

  it('the WebSocket gossip options are gone, each with a one-line error naming what replaces it', () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [() => loadConfig({ gossipPort: '7401' }, env), /--gossip-port was removed.*use --cluster-port N/],
      [() => loadConfig({ gossipHost: '0.0.0.0' }, env), /--gossip-host was removed.*use --cluster-host HOST/],
      [
        () => loadConfig({ peers: ['ws://127.0.0.1:7401'] }, env),
        /--peer ws:\/\/HOST:PORT was removed.*--peer NODE_ID@HOST:PORT/,
      ],
      [
        () => loadConfig({}, { ...env, SIXFOLD_PEERS: 'ws://a:1' }),
        /SIXFOLD_PEERS=ws:\/\/HOST:PORT was removed.*SIXFOLD_PEERS=NODE_ID@HOST:PORT/,
      ],
      [() => loadConfig({}, { ...env, SIXFOLD_GOSSIP_PORT: '1' }), /SIXFOLD_GOSSIP_PORT was removed.*SIXFOLD_CLUSTER_LISTEN/],
    ];
    for (const [fn, re] of cases) {
      const err = thrown(fn);
      expect(err).toBeInstanceOf(SixfoldError);
      expect(err.message).toMatch(re);
      expect(err.message).not.toMatch(/\n/);
    }
  });

  it('listening beyond loopback needs at least one allowed peer; a token does not admit peers', () => {
    expect(() => assertSafeClusterBind(loadConfig({ clusterHost: '127.0.0.1' }, env))).not.toThrow();
    expect(() => assertSafeClusterBind(loadConfig({ clusterHost: '0.0.0.0', peers: [idA] }, env))).not.toThrow();
    const err = thrown(() =>
      assertSafeClusterBind(loadConfig({ clusterHost: '0.0.0.0' }, { ...env, SIXFOLD_HTTP_TOKEN: 'x'.repeat(20) })),
    );
    expect((err as SixfoldError).describe()).toMatch(
      /Refusing to listen for cluster peers on 0\.0\.0\.0:7401 with an empty allow-list\. A bearer token .* no longer admits peers.*--peer NODE_ID@HOST:PORT/,
    );
  });
});
