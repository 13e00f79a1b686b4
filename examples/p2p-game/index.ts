/**
 * P2P game content (patterns 1, 3, 4, 5): two sixfold servers, each a real process, gossip one
 * CRDT document (the game world) over the cluster's peer network (mutual TLS on loopback).
 * Designer agents on both servers (spawn_ephemeral) propose items for three levels; every
 * proposal lands in the shared document and reaches the other server by gossip. Acceptance runs
 * in turns, one server at a time: a review vote (multi_model_vote) per proposal, then a validator
 * written by generate_code (tested against a reference first, record_outcome closes the loop)
 * decides the vote-accepted items one after another against the world so far. Accepted items are
 * keyed by their square, so no two can ever share one. At the end both replicas must be identical
 * and the world must validate.
 */
import type { Example, ExampleOptions, ExampleReport } from '../lib/example.js';
import { runGenerated } from '../lib/sandbox.js';
import { nodeId, Sixfold } from '../lib/server.js';
import { formatTable } from '../lib/table.js';
import { until } from '../lib/wait.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { drawGame } from './draw.js';
import { CODEGEN_MARKER, DESIGN_MARKER, REVIEW_MARKER, standIn } from './stand-in.js';
import { checkWorld, makeTerrain, validateItem, WIDTH, HEIGHT, type Item, type World } from './world.js';

export const DOC = 'game.world';
export const THEMES: Record<'A' | 'B', string[]> = {
  A: ['the flooded crypt', 'the sunken library', 'the coral throne'],
  B: ['the moss cavern', 'the glass archive', 'the storm keep'],
};

export interface Proposal extends Item {
  id: string;
  server: 'A' | 'B';
  theme: string;
}

export interface Review {
  vote: string | null;
  valid: boolean | null;
  reason: string;
  accepted: boolean;
}

interface DocSnapshot {
  levels?: Record<string, string[]>;
  proposals?: Record<string, Proposal>;
  reviews?: Record<string, Review>;
  world?: Record<string, Proposal>;
}

interface DocView {
  snapshot: DocSnapshot;
  state_vector: string;
  size_bytes: number;
  clients: number;
}

export interface GameResult {
  proposals: Array<Proposal & Review>;
  world: Proposal[];
  problems: string[];
  replicas_identical: boolean;
  validator: 'generated' | 'reference';
  gossip_ms: number[];
}

/** Cases the generated validator must decide as the reference does before it is trusted. */
function validatorCases(seed: number): { world: World; items: Item[] } {
  const levels = [1, 2, 3].map((l) => makeTerrain(seed + 99, l));
  const floor: Array<[number, number]> = [];
  levels[0].forEach((row, y) =>
    [...row].forEach((c, x) => {
      if (c === '.' && !(x === 1 && y === 1) && !(x === WIDTH - 2 && y === HEIGHT - 2)) floor.push([x, y]);
    }),
  );
  const wall = levels[0]
    .slice(1, -1)
    .map((row, y) => [row.slice(1, -1).indexOf('#') + 1, y + 1])
    .find(([x]) => x > 0) ?? [0, 0];
  const [f0, f1, f2, f3] = floor;
  const world: World = {
    levels,
    items: [
      { name: 'old key', kind: 'key', level: 1, x: f0[0], y: f0[1], power: 0, flavor: '' },
      { name: 'big troll', kind: 'monster', level: 1, x: f1[0], y: f1[1], power: 8, flavor: '' },
    ],
  };
  const base = { level: 1, x: f2[0], y: f2[1], flavor: '' };
  const items: Item[] = [
    { ...base, name: 'good sword', kind: 'sword', power: 4 },
    { ...base, name: 'Bad Name!', kind: 'sword', power: 4 },
    { ...base, name: 'mystery', kind: 'dragon', power: 4 },
    { ...base, name: 'weak sword', kind: 'sword', power: 1 },
    { ...base, name: 'deep potion', kind: 'potion', power: 2, level: 4 },
    { ...base, name: 'far potion', kind: 'potion', power: 2, x: 40 },
    { ...base, name: 'wall potion', kind: 'potion', power: 2, x: wall[0], y: wall[1] },
    { ...base, name: 'start potion', kind: 'potion', power: 2, x: 1, y: 1 },
    { ...base, name: 'exit potion', kind: 'potion', power: 2, x: WIDTH - 2, y: HEIGHT - 2 },
    { ...base, name: 'big troll', kind: 'potion', power: 2 },
    { ...base, name: 'stacked potion', kind: 'potion', power: 2, x: f0[0], y: f0[1] },
    { ...base, name: 'second key', kind: 'key', power: 0 },
    { ...base, name: 'huge ogre', kind: 'monster', power: 8, x: f3[0], y: f3[1] },
    { ...base, name: 'level two key', kind: 'key', power: 0, level: 2, x: 3, y: 1 },
  ].filter((it) => it.level !== 2 || levels[1][it.y][it.x] === '.');
  // One more to push level 1 over its budget of 18 (8 already, then 8 + 4 = 20).
  items.push({ ...base, name: 'heavy chest', kind: 'chest', power: 5, x: f3[0], y: f3[1] });
  world.items.push({ name: 'mid monster', kind: 'monster', level: 1, x: floor[5][0], y: floor[5][1], power: 6, flavor: '' });
  return { world, items };
}

/** JSON with object keys sorted at every depth. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** The first JSON array in a model's answer (fenced or not), as items; [] when there is none. */
function parseItems(text: string): Item[] {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text)?.[1];
  const raw = fenced ?? text.slice(text.indexOf('['), text.lastIndexOf(']') + 1);
  try {
    const v = JSON.parse(raw) as unknown;
    return Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object') as Item[]).slice(0, 8) : [];
  } catch {
    return [];
  }
}

async function run(opts: ExampleOptions): Promise<ExampleReport> {
  const dirA = join(opts.workDir, 'a');
  const dirB = join(opts.workDir, 'b');
  mkdirSync(dirA);
  mkdirSync(dirB);
  const [idA, idB] = await Promise.all([nodeId(dirA), nodeId(dirB)]);
  opts.progress(`node ids: A ${idA}, B ${idB}`);
  const a = await Sixfold.start({ dir: dirA, standIn, env: opts.env, args: ['--cluster-port', '0', '--peer', idB] });
  let b: Sixfold | undefined;
  try {
    const status = (s: Sixfold) => s.call<{ listen: string | null; peers: Array<{ state: string }> }>('gossip_status', {});
    const listen = (
      await until(
        () => status(a),
        (s) => s.listen !== null,
        30_000,
        'server A to listen',
      )
    ).listen!;
    b = await Sixfold.start({ dir: dirB, standIn, env: opts.env, args: ['--peer', `${idA}@${listen}`] });
    const servers = { A: a, B: b };
    await Promise.all(
      [a, b].map((s) =>
        until(
          () => status(s),
          (v) => v.peers.some((p) => p.state === 'open'),
          30_000,
          'the peers to connect',
        ),
      ),
    );
    opts.progress(`A listens on ${listen}; B connected`);

    const read = (s: Sixfold) => s.call<DocView>('crdt_read', { doc: DOC });
    const gossipMs: number[] = [];
    /** Waits until both replicas hold the same state, and returns it. */
    const converge = async (what: string) => {
      const t0 = performance.now();
      const both = async () =>
        Promise.all([
          read(a),
          b!.client
            .callTool({ name: 'crdt_read', arguments: { doc: DOC } })
            .then((r) => (r.isError ? undefined : (r.structuredContent as unknown as DocView))),
        ]);
      const [x] = await until(
        both,
        ([p, q]) => !!q && p.state_vector === q.state_vector,
        30_000,
        `the replicas to converge (${what})`,
      );
      gossipMs.push(performance.now() - t0);
      return x;
    };

    // The terrain, written on A, reaches B by gossip.
    await a.call('crdt_merge', {
      doc: DOC,
      actor: 'world-builder',
      ops: [1, 2, 3].map((l) => ({ op: 'map_set', target: 'levels', key: String(l), value: makeTerrain(opts.seed, l) })),
    });
    await converge('terrain');

    // Pattern 4: designer agents on both servers at once, each reading the terrain from its own replica.
    opts.progress('spawn_ephemeral: three designers on each server');
    const designed = await Promise.all(
      (['A', 'B'] as const).map(async (server) => {
        const s = servers[server];
        const levels = (await read(s)).snapshot.levels!;
        const inputs = THEMES[server].map((theme, i) => {
          const rows = levels[String(i + 1)].map((row, y) => `row ${y}: ${row}`).join('\n');
          return `designer ${server.toLowerCase()}${i + 1} on server ${server}: level ${i + 1}, theme "${theme}"; terrain (x is the column, y the row):\n${rows}`;
        });
        const out = await s.call<{ agents: Array<{ status: string; result: string | null }> }>('spawn_ephemeral', {
          task:
            `${DESIGN_MARKER} Design items for one level of a small dungeon game. Propose exactly 4 items as a JSON array of objects ` +
            '{name, kind, level, x, y, power, flavor}: kind is key (power 0), potion (1-3), chest (1-5), sword (3-6) or monster (2-8); x, y a floor square "." ' +
            'of the terrain, not the start (1,1) nor the exit at the bottom right; name 1-24 characters a-z, 0-9, space or "-"; flavor one sentence in the theme. ' +
            'Each level needs exactly one key, and its total power may not exceed 12 + 6 x level.',
          inputs,
          role: 'level designer',
          namespace: 'p2p-game',
          memory_k: 0,
          max_tokens: 800,
        });
        const proposals: Proposal[] = [];
        out.agents.forEach((ag, i) => {
          const designer = `${server.toLowerCase()}${i + 1}`;
          parseItems(ag.result ?? '').forEach((it, k) =>
            proposals.push({ ...it, id: `${designer}.${k + 1}`, server, theme: THEMES[server][i] }),
          );
        });
        // Pattern 3: each designer writes into its server's replica as its own actor.
        for (let i = 0; i < THEMES[server].length; i++) {
          const designer = `${server.toLowerCase()}${i + 1}`;
          const group = proposals.filter((p) => p.id.startsWith(`${designer}.`));
          if (group.length)
            await s.call('crdt_merge', {
              doc: DOC,
              actor: designer,
              ops: group.map((p) => ({ op: 'map_set', target: 'proposals', key: p.id, value: p })),
            });
        }
        return proposals;
      }),
    );
    await converge('proposals');
    opts.progress(`${designed.flat().length} proposals on both replicas`);

    // Pattern 1: the validator is generated code, trusted only once it agrees with the reference.
    opts.progress('generate_code: the validator');
    const gen = await a.call<{ code: string; trajectory_id: string }>('generate_code', {
      task:
        `Write a JavaScript function \`${CODEGEN_MARKER}\` for a dungeon game. world is {levels, items}: levels[i] is level i+1's terrain, an array of strings ` +
        'of "#" (wall) and "." (floor), indexed [y][x]; items are the accepted items {name, kind, level, x, y, power, flavor}. Return {ok, reason}: ok only if ' +
        'kind is key (power 0), potion (1-3), chest (1-5), sword (3-6) or monster (2-8) with an integer power in range; name matches /^[a-z0-9 -]{1,24}$/ and ' +
        'is not used by another item; level exists; x, y is a floor square inside it, not the start (1,1) nor the exit (width-2, height-2), and holds no other item ' +
        "of that level; the level has no key yet if item is a key; and the level's total power with this item is at most 12 + 6*level. Plain JavaScript, no imports.",
      language: 'javascript',
      namespace: 'p2p-game',
    });
    const cases = validatorCases(opts.seed);
    const check = await runGenerated<{ ok: boolean }>(
      gen.code,
      'validateItem',
      cases.world,
      cases.items.map((it) => [it]),
    );
    const want = cases.items.map((it) => validateItem(cases.world, it).ok);
    const agree = check.ok ? check.results.filter((r, i) => r && r.ok === want[i]).length : 0;
    const trusted = check.ok && agree === want.length;
    await a.call('record_outcome', {
      trajectory_id: gen.trajectory_id,
      success: trusted,
      notes: trusted
        ? `decided all ${want.length} test items as the reference does`
        : `rejected: ${check.ok ? `${want.length - agree} of ${want.length} test items decided differently` : check.error}`,
    });

    // Turns: A reviews its designers' proposals, the world gossips to B, B reviews its own.
    const reviews = new Map<string, Review>();
    for (const server of ['A', 'B'] as const) {
      const s = servers[server];
      const snap = (await read(s)).snapshot;
      const mine = Object.values(snap.proposals ?? {})
        .filter((p) => p.server === server)
        .sort((x, y) => x.id.localeCompare(y.id));
      opts.progress(`turn ${server}: reviewing ${mine.length} proposals`);
      // Pattern 5: a review vote on each proposal.
      const votes: Array<string | null> = [];
      for (const p of mine) {
        const v = await s.call<{ decision: string | null }>('multi_model_vote', {
          prompt:
            `${REVIEW_MARKER} Should this item join level ${p.level} of the game, whose theme is "${p.theme}"? Item: ${p.kind} "${p.name}", power ${p.power}, ` +
            `flavour: "${String(p.flavor ?? '').slice(0, 200)}". Reject items that do not belong to the theme.`,
          choices: ['accept', 'reject'],
          quorum: 'bft',
          max_tokens: 10,
        });
        votes.push(v.decision);
      }
      const world: World = { levels: [1, 2, 3].map((l) => snap.levels![String(l)]), items: Object.values(snap.world ?? {}) };
      const candidates = mine.filter((_, i) => votes[i] === 'accept');
      const checked = trusted
        ? await runGenerated<{ ok: boolean; reason: string }>(
            gen.code,
            'validateItem',
            world,
            candidates.map((p) => [p]),
            { chain: true },
          )
        : undefined;
      const decisions = new Map<string, { ok: boolean; reason: string }>();
      const local: World = { levels: world.levels, items: [...world.items] };
      candidates.forEach((p, i) => {
        const d = checked?.ok ? (checked.results[i] ?? { ok: false, reason: 'no answer' }) : validateItem(local, p);
        if (!checked?.ok && d.ok) local.items.push(p);
        decisions.set(p.id, { ok: d.ok === true, reason: String(d.reason ?? '') });
      });
      const ops: unknown[] = [];
      mine.forEach((p, i) => {
        const d = decisions.get(p.id);
        const r: Review = {
          vote: votes[i],
          valid: d ? d.ok : null,
          reason: d ? d.reason : 'rejected by the review vote',
          accepted: d?.ok === true,
        };
        reviews.set(p.id, r);
        ops.push({ op: 'map_set', target: 'reviews', key: p.id, value: r });
        if (r.accepted) ops.push({ op: 'map_set', target: 'world', key: `L${p.level}:${p.x},${p.y}`, value: p });
      });
      await s.call('crdt_merge', { doc: DOC, actor: `turn-${server}`, ops });
      await converge(`after turn ${server}`);
    }

    const [va, vb] = await Promise.all([read(a), read(b)]);
    // Same state vector and the same content (map keys may list in a different order on each replica).
    const identical = va.state_vector === vb.state_vector && canonical(va.snapshot) === canonical(vb.snapshot);
    const final = Object.values(va.snapshot.world ?? {});
    const levels = [1, 2, 3].map((l) => va.snapshot.levels![String(l)]);
    const problems = checkWorld({ levels, items: final });
    const all = Object.values(va.snapshot.proposals ?? {}).sort((x, y) => x.id.localeCompare(y.id));
    const result: GameResult = {
      proposals: all.map((p) => ({
        ...p,
        ...(va.snapshot.reviews?.[p.id] ?? { vote: null, valid: null, reason: 'not reviewed', accepted: false }),
      })),
      world: final,
      problems,
      replicas_identical: identical,
      validator: trusted ? 'generated' : 'reference',
      gossip_ms: gossipMs,
    };

    const table = formatTable(
      ['level', 'theme (A / B)', 'proposed', 'accepted A', 'accepted B', 'power', 'budget', 'keys'],
      [1, 2, 3].map((l) => {
        const items = final.filter((it) => it.level === l);
        return [
          l,
          `${THEMES.A[l - 1].replace('the ', '')} / ${THEMES.B[l - 1].replace('the ', '')}`,
          all.filter((p) => p.level === l).length,
          items.filter((it) => it.server === 'A').length,
          items.filter((it) => it.server === 'B').length,
          items.reduce((s, it) => s + it.power, 0),
          12 + 6 * l,
          items.filter((it) => it.kind === 'key').length,
        ];
      }),
    );
    const rejected = result.proposals.filter((p) => !p.accepted);
    const notes = [
      `validator: ${trusted ? `generated by generate_code, agreed with the reference on ${want.length} test items` : 'the reference (the generated one was rejected)'}; outcome recorded with record_outcome`,
      `rejected ${rejected.length} of ${all.length} proposals: ${rejected.map((p) => `${p.id} ${p.kind} (${p.vote === 'accept' ? p.reason : 'review vote'})`).join('; ')}`,
      `replicas: A and B ${identical ? 'identical (the same state vector and content)' : 'DIFFERENT'}; ${va.clients} writers; gossip caught up in ${gossipMs.map((m) => Math.round(m)).join(', ')} ms after each step`,
      problems.length
        ? `world check FAILED: ${problems.join('; ')}`
        : `world check: valid (${final.length} items, one key per level, every budget kept, every item reachable)`,
    ];
    const svg = drawGame(levels, final, rejected.length, all.length, identical);
    return {
      simulated:
        'the game is a toy (three 16x10 levels generated from the seed, five item kinds); the two sixfold servers are real processes on loopback that gossip over mutual TLS.',
      table,
      notes,
      llm: [...new Set([...a.answeredBy, ...b.answeredBy])],
      svg,
      result,
    };
  } finally {
    await b?.close();
    await a.close();
  }
}

export const p2pGame: Example = { name: 'p2p-game', title: 'P2P game content', run };
