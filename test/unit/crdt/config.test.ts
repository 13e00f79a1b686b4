import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { SixfoldError } from '../../../src/errors.js';

const env = { HOME: '/tmp/none' };

describe('gossip and crdt config', () => {
  it('defaults: gossip off (no port, no peers), loopback, fanout 3, 1 s period; compaction every 100', () => {
    const c = loadConfig({}, env);
    expect(c.gossip).toMatchObject({ host: '127.0.0.1', peers: [], fanout: 3, period_ms: 1000 });
    expect(c.gossip.port).toBeUndefined();
    expect(c.crdt.compact_every).toBe(100);
  });

  it('flags beat env: --gossip-port, --gossip-host, repeated --peer', () => {
    const c = loadConfig(
      { gossipPort: '0', gossipHost: '127.0.0.2', peers: ['ws://127.0.0.1:7401', 'ws://10.0.0.2:7401'] },
      { ...env, SIXFOLD_GOSSIP_PORT: '9999', SIXFOLD_PEERS: 'ws://x:1' },
    );
    expect(c.gossip.port).toBe(0);
    expect(c.gossip.host).toBe('127.0.0.2');
    expect(c.gossip.peers).toEqual(['ws://127.0.0.1:7401', 'ws://10.0.0.2:7401']);
    expect(loadConfig({}, { ...env, SIXFOLD_PEERS: 'ws://a:1, ws://b:2' }).gossip.peers).toEqual(['ws://a:1', 'ws://b:2']);
  });

  it('a peer that is not a ws:// URL is refused, naming the key and the flag', () => {
    let err: unknown;
    try {
      loadConfig({ peers: ['http://127.0.0.1:7401'] }, env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SixfoldError);
    expect((err as Error).message).toMatch(/gossip\.peers\.0.*--peer.*ws:\/\/host:port/);
    expect(() => loadConfig({ gossipPort: 'abc' }, env)).toThrow(/gossip\.port.*--gossip-port/);
  });
});
