/**
 * The five application prompts (protein_folding, ocean_pagerank, market_crash, p2p_game,
 * self_healing_cluster) over stdio: listed with the tools they use, rendered with their arguments,
 * arguments completed from fixed lists and from what the server holds (CRDT documents, consensus
 * clusters), bad arguments refused; with only the coordination preset, only the prompt whose tools
 * are all loaded is offered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOk } from '../helpers/mcp.js';
import { makeTempDir, startStdioClient, type StdioClientHandle, type TempDir } from '../helpers/server.js';

const APPS = ['market_crash', 'ocean_pagerank', 'p2p_game', 'protein_folding', 'self_healing_cluster'];

let tmp: TempDir;
let h: StdioClientHandle;

beforeAll(async () => {
  tmp = makeTempDir('sixfold-app-prompts-');
  h = await startStdioClient({ db: tmp.db, xdg: tmp.xdg });
});
afterAll(async () => {
  await h?.close();
  tmp?.remove();
});

const text = async (name: string, args: Record<string, string>) => {
  const p = await h.client.getPrompt({ name, arguments: args });
  expect(p.messages).toHaveLength(1);
  const c = p.messages[0].content;
  return c.type === 'text' ? c.text : '';
};
const complete = (name: string, argument: string, value: string) =>
  h.client.complete({ ref: { type: 'ref/prompt', name }, argument: { name: argument, value } }).then((r) => r.completion.values);

/** Each tool named, in the order the walkthrough uses them. */
function expectSteps(t: string, tools: string[]): void {
  let at = -1;
  for (const tool of tools) {
    const i = t.indexOf(tool, at + 1);
    expect(i, `${tool} after position ${at}`).toBeGreaterThan(at);
    at = i;
  }
}

describe('application prompts', () => {
  it('are listed with a title and a description', async () => {
    const { prompts } = await h.client.listPrompts();
    const apps = prompts.filter((p) => APPS.includes(p.name));
    expect(apps.map((p) => p.name).sort()).toEqual(APPS);
    for (const p of apps) {
      expect(p.title).toBeTruthy();
      expect(p.description!.length).toBeGreaterThan(40);
    }
  });

  it('walk an agent through each application with the tools in order and the arguments filled in', async () => {
    const pf = await text('protein_folding', {
      sequence: 'hphpphhphpphphhpphph',
      predictors: '5',
      faulty_behavior: 'equivocate',
      cluster: 'fold-a',
    });
    expect(pf).toContain('HPHPPHHPHPPHPHHPPHPH (20 residues');
    expect(pf).toContain('"pattern": "^[FLR]{18}$"');
    expect(pf).toContain('"behavior": "equivocate"');
    expect(pf).toContain('cluster "fold-a", replicas 5');
    expectSteps(pf, [
      'generate_code',
      'record_outcome',
      'aggregate',
      'byzantine_propose',
      'verify_certificate',
      'npm run example -- protein-folding',
    ]);

    const op = await text('ocean_pagerank', {
      graph: 'edges.tsv, one "from<TAB>to" per line',
      partitions: '8',
      tolerance: '1e-8',
      doc_prefix: 'web',
    });
    expect(op).toContain('edges.tsv');
    expect(op).toContain('"web.round.<r as 3 digits>"');
    expect(op).toContain('below 1e-8');
    expectSteps(op, ['crdt_merge', 'Float32', 'crdt_read', 'aggregate', 'spawn_ephemeral', 'npm run example -- ocean-pagerank']);

    const mc = await text('market_crash', { data: 'prices.csv', lags: '3', doc: 'graph.v2' });
    expectSteps(mc, [
      'generate_code',
      'record_outcome',
      'lags 3',
      'spawn_ephemeral',
      'crdt_merge into "graph.v2"',
      'multi_model_vote',
      'crdt_read',
      'npm run example -- market-crash',
    ]);

    const pg = await text('p2p_game', { theme: 'a drowned city', levels: '1' });
    expect(pg).toContain('"a drowned city", of 1 level,');
    expectSteps(pg, [
      'gossip_status',
      'crdt_merge',
      'spawn_ephemeral',
      'generate_code',
      'record_outcome',
      'multi_model_vote',
      'crdt_read',
      'npm run example -- p2p-game',
    ]);

    const sh = await text('self_healing_cluster', { incident: 'checkout p99 latency 3x since 10:02', quorum: 'majority' });
    expect(sh).toContain('checkout p99 latency 3x since 10:02');
    expect(sh).toContain('quorum "majority"');
    expectSteps(sh, [
      'aggregate',
      'generate_code',
      'spawn_ephemeral',
      'multi_model_vote',
      'byzantine_propose',
      'record_outcome',
      'crdt_merge',
      'npm run example -- self-healing-cluster',
    ]);
  });

  it('complete arguments from fixed lists and from what the server holds', async () => {
    expect(await complete('protein_folding', 'sequence', 'HPHP')).toEqual(['HPHPPHHPHPPHPHHPPHPH']);
    expect(await complete('protein_folding', 'faulty_behavior', 'co')).toEqual(['corrupt_digest']);
    expect(await complete('protein_folding', 'predictors', '')).toEqual(['4', '5', '6', '7']);
    expect(await complete('self_healing_cluster', 'quorum', 'b')).toEqual(['bft']);
    expect(await complete('market_crash', 'lags', '')).toHaveLength(5);
    expect(await complete('ocean_pagerank', 'partitions', '1')).toEqual(['16']);

    expect(await complete('p2p_game', 'doc', 'game.')).toEqual([]);
    await callOk(h.client, 'crdt_merge', {
      doc: 'game.world',
      ops: [{ op: 'map_set', target: 'levels', key: '1', value: ['#'] }],
    });
    expect(await complete('p2p_game', 'doc', 'game.')).toEqual(['game.world']);
    expect(await complete('self_healing_cluster', 'state_doc', 'ga')).toEqual(['game.world']);

    await callOk(h.client, 'byzantine_propose', { cluster: 'fold-b', value: { moves: 'LR' } });
    expect(await complete('protein_folding', 'cluster', 'fold')).toEqual(['fold-b']);
    expect(await complete('self_healing_cluster', 'namespace', '')).toEqual([]);
  });

  it('refuse arguments outside their shape', async () => {
    await expect(h.client.getPrompt({ name: 'protein_folding', arguments: { sequence: 'HPXH' } })).rejects.toThrow(/sequence/);
    await expect(
      h.client.getPrompt({ name: 'protein_folding', arguments: { sequence: 'HPHP', predictors: '3' } }),
    ).rejects.toThrow(/predictors/);
    await expect(h.client.getPrompt({ name: 'ocean_pagerank', arguments: {} })).rejects.toThrow(/graph/);
    await expect(
      h.client.getPrompt({ name: 'self_healing_cluster', arguments: { incident: 'x', state_doc: 'a b' } }),
    ).rejects.toThrow(/state_doc/);
  });
});

describe('application prompts with the coordination preset', () => {
  let t2: TempDir;
  let h2: StdioClientHandle;
  beforeAll(async () => {
    t2 = makeTempDir('sixfold-app-prompts-coord-');
    h2 = await startStdioClient({ db: t2.db, xdg: t2.xdg, env: { SIXFOLD_TOOLS: 'coordination' } });
  });
  afterAll(async () => {
    await h2?.close();
    t2?.remove();
  });

  it('offer only the prompts whose tools are all loaded', async () => {
    expect((await h2.client.listPrompts()).prompts.map((p) => p.name)).toEqual(['ocean_pagerank']);
  });
});
