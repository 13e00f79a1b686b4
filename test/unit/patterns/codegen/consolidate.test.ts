import { describe, expect, it } from 'vitest';
import { planConsolidation, type ConsolidationItem } from '../../../../src/patterns/codegen/consolidate.js';
import { DAY_MS } from '../../../../src/patterns/codegen/score.js';

const NOW = Date.UTC(2025, 5, 1);
const OPTS = { now: NOW, mergeThreshold: 0.87, pruneConfidence: 0.3, pruneUnusedDays: 180 };

function item(id: string, vector: number[], over: Partial<ConsolidationItem> = {}): ConsolidationItem {
  return {
    id,
    kind: 'strategy',
    language: 'python',
    confidence: 0.7,
    uses: 1,
    created_at: NOW - DAY_MS,
    last_used_at: null,
    vector,
    ...over,
  };
}

/** A unit vector at `deg` degrees from the x axis: cos(a, b) = cos(deg difference). */
const at = (deg: number) => [Math.cos((deg * Math.PI) / 180), Math.sin((deg * Math.PI) / 180)];

describe('planConsolidation', () => {
  it('merges items at cosine >= 0.87 into the most trusted one, summing uses', () => {
    const items = [
      item('low', at(0), { confidence: 0.6, uses: 2, last_used_at: NOW - 2 * DAY_MS }),
      item('high', at(20), { confidence: 0.9, uses: 3, last_used_at: NOW - 5 * DAY_MS }), // cos 20° = 0.94
      item('far', at(40), { confidence: 0.8 }), // cos 40° to low = 0.77, cos 20° to high = 0.94
    ];
    const plan = planConsolidation(items, OPTS);
    expect(plan.prune).toEqual([]);
    expect(plan.merges).toEqual([
      { keep: 'high', drop: ['far', 'low'], uses: 6, confidence: 0.9, last_used_at: NOW - 2 * DAY_MS },
    ]);
  });

  it('does not merge below the threshold (cos 30° = 0.866), across kinds, or across languages', () => {
    const items = [
      item('a', at(0)),
      item('b', at(30)),
      item('c', at(0), { kind: 'pitfall' }),
      item('d', at(0), { language: 'go' }),
    ];
    expect(planConsolidation(items, OPTS).merges).toEqual([]);
  });

  it('does not chain: an item merges only into the keeper it is close to', () => {
    // b is close to a (25°) and to c (25°), a and c are 50° apart: c stays.
    const items = [
      item('a', at(0), { confidence: 0.9 }),
      item('b', at(25), { confidence: 0.8 }),
      item('c', at(50), { confidence: 0.7 }),
    ];
    expect(planConsolidation(items, OPTS).merges.map((m) => [m.keep, m.drop])).toEqual([['a', ['b']]]);
  });

  it('prunes confidence below 0.3 (0.3 itself stays)', () => {
    const items = [item('weak', at(0), { confidence: 0.29 }), item('edge', at(90), { confidence: 0.3 })];
    expect(planConsolidation(items, OPTS).prune).toEqual([{ id: 'weak', reason: 'low_confidence' }]);
  });

  it('prunes items unused for more than 180 days, counting from the last use or creation', () => {
    const items = [
      item('stale', at(0), { created_at: NOW - 181 * DAY_MS }),
      item('exactly', at(90), { created_at: NOW - 180 * DAY_MS }),
      item('revived', at(180), { created_at: NOW - 400 * DAY_MS, last_used_at: NOW - 10 * DAY_MS }),
      item('used-long-ago', at(270), { created_at: NOW - 400 * DAY_MS, last_used_at: NOW - 200 * DAY_MS }),
    ];
    expect(planConsolidation(items, OPTS).prune).toEqual([
      { id: 'stale', reason: 'unused' },
      { id: 'used-long-ago', reason: 'unused' },
    ]);
    // The same items 200 days earlier: nothing is stale yet.
    expect(planConsolidation(items, { ...OPTS, now: NOW - 200 * DAY_MS }).prune.filter((p) => p.reason === 'unused')).toEqual([]);
  });

  it('pruned items are not merge keepers', () => {
    const items = [item('weak-twin', at(0), { confidence: 0.1 }), item('ok', at(1), { confidence: 0.5 })];
    const plan = planConsolidation(items, OPTS);
    expect(plan.prune.map((p) => p.id)).toEqual(['weak-twin']);
    expect(plan.merges).toEqual([]);
  });

  it('is deterministic: equal trust goes to more uses, then the older item, then the id', () => {
    const a = item('a', at(0), { uses: 1, created_at: NOW - 3 * DAY_MS });
    const b = item('b', at(1), { uses: 5, created_at: NOW - 1 * DAY_MS });
    expect(planConsolidation([a, b], OPTS).merges[0].keep).toBe('b');
    const c = item('c', at(0), { uses: 1, created_at: NOW - 3 * DAY_MS });
    const d = item('d', at(1), { uses: 1, created_at: NOW - 1 * DAY_MS });
    expect(planConsolidation([d, c], OPTS).merges[0].keep).toBe('c');
    const e = item('e', at(0));
    const f = item('f', at(1));
    expect(planConsolidation([f, e], OPTS).merges[0].keep).toBe('e');
  });
});
