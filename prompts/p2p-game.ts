import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { codegenNamespaces, crdtDocs, fromList, optionalCompletable } from './complete.js';

/** `p2p_game`: game content proposed by agents into a gossiped CRDT world, accepted by vote and a generated validator. */
export function registerP2pGamePrompt(server: McpServer, deps: Deps): void {
  server.registerPrompt(
    'p2p_game',
    {
      title: 'P2P game content',
      description:
        'Agents propose items for a small game world kept in a CRDT document that sixfold servers gossip; proposals pass a review vote and a generated validator.',
      argsSchema: {
        theme: z.string().min(1).max(500).describe('The world\'s theme, e.g. "a drowned city"'),
        levels: optionalCompletable(
          z
            .string()
            .regex(/^[1-9]$/)
            .describe('Levels, 1-9, default 3'),
          fromList(['1', '2', '3', '4', '5']),
        ),
        doc: optionalCompletable(
          z
            .string()
            .regex(/^[a-zA-Z0-9._:-]{1,128}$/)
            .describe('CRDT document of the world, default "game.world"'),
          crdtDocs(deps),
        ),
        namespace: optionalCompletable(
          z
            .string()
            .regex(/^[a-z0-9._-]{1,64}$/)
            .describe('generate_code namespace, default "p2p-game"'),
          codegenNamespaces(deps),
        ),
      },
    },
    ({ theme, levels, doc, namespace }) => {
      const n = Number(levels ?? '3');
      const d = doc ?? 'game.world';
      const ns = namespace ?? 'p2p-game';
      const text = [
        `Build a small dungeon game world, "${theme}", of ${n} level${n === 1 ? '' : 's'}, with agents' proposals, using sixfold's tools. The world is the CRDT document "${d}".`,
        '',
        '0. Call gossip_status: every open peer holds a replica of each document and merges what this server writes (and the other way round). With no peers the steps work the same on one server.',
        `1. Terrain: for each level, a grid of "#" (wall) and "." (floor), 16 x 10, start at (1,1), exit at (14,8), every floor square reachable; crdt_merge op map_set target "levels", key "<level>", value = the rows.`,
        '2. Designers: spawn_ephemeral with one input per level (the level, the theme, the terrain rows as "row y: ...") and role "level designer"; each replies with a JSON array of items ' +
          '{name, kind, level, x, y, power, flavor}: kind key (power 0), potion (1-3), chest (1-5), sword (3-6) or monster (2-8), on a floor square. ' +
          'Merge every item into map "proposals" (key "<designer>.<n>") with the designer as actor.',
        `3. Validator: generate_code (language "javascript", namespace "${ns}") for "function validateItem(world, item)" returning {ok, reason}: known kind and power range, a name of a-z 0-9 space -, ` +
          "unique; a floor square of an existing level, not the start or the exit, not taken; one key per level; the level's power at most 12 + 6 x level. " +
          'Test it on items you know the answer for before trusting it, then record_outcome with the evidence.',
        '4. Review each proposal: multi_model_vote (choices ["accept", "reject"], quorum "bft") on whether it fits the level\'s theme; then run the validator on the vote-accepted ones in order, ' +
          'each against the world so far. Write accepted items into map "world" with key "L<level>:<x>,<y>" (one key per square: no merge can ever put two items on one square), and every decision into map "reviews".',
        '5. If several servers accept items, take turns: let one server review, wait until every replica reads the same state_vector (crdt_read on each), then the next. A per-level budget is an invariant that merging concurrent accepts cannot keep.',
        '6. Check the finished world: one key per level, budgets kept, every item on a reachable floor square, and identical replicas.',
        '',
        'Report the items per level (with the server that proposed them) and every rejection with its reason. Say plainly that the game is a toy.',
        'A runnable version with two gossiping servers: `npm run example -- p2p-game` in a sixfold checkout.',
      ].join('\n');
      return { messages: [{ role: 'user', content: { type: 'text', text } }] };
    },
  );
}
