import { randomBytes, toBase64 } from './crypto.js';
import { batchDigest } from './batch.js';
import type { Msg } from './messages.js';
import type { Out } from './pbft.js';
import { randInt } from '../../random.js';

export const BEHAVIORS = ['crash', 'silent', 'equivocate', 'corrupt_digest', 'wrong_view', 'replay', 'delay', 'random'] as const;
export type Behavior = (typeof BEHAVIORS)[number];

export interface Fault {
  replica: number;
  behavior: Behavior;
  /** For `delay` (and `random` when it picks delay): extra latency on every message it sends. */
  delayMs?: number;
}

export interface Emission extends Out {
  delayMs?: number;
}

const NULL_BATCH = batchDigest([]);
const PER_MESSAGE: Behavior[] = ['silent', 'equivocate', 'corrupt_digest', 'wrong_view', 'replay', 'delay', 'crash'];

function fakeDigest(rng: () => number): string {
  return Math.floor(rng() * 2 ** 52)
    .toString(16)
    .padStart(64, 'f');
}

/**
 * A Byzantine replica runs the honest state machine and then lies about what it sends. It holds
 * only its own keys, so every lie is correctly MACed and signed by itself: the honest replicas
 * must catch it by protocol rules, not by a broken MAC.
 */
export class Liar {
  crashed = false;
  private readonly crashAfter: number;
  private sent = 0;
  private readonly history: Emission[] = [];

  constructor(
    readonly fault: Fault,
    private readonly rng: () => number,
    private readonly defaultDelayMs: number,
  ) {
    this.crashAfter = randInt(rng, 0, 12);
  }

  transform(o: Out): Emission[] {
    if (this.crashed) return [];
    const b = this.fault.behavior === 'random' ? PER_MESSAGE[randInt(this.rng, 0, PER_MESSAGE.length - 1)] : this.fault.behavior;
    const out = this.apply(b, o);
    if (this.history.length < 64) this.history.push(o);
    else this.history[randInt(this.rng, 0, 63)] = o;
    return out;
  }

  private apply(b: Behavior, o: Out): Emission[] {
    const m = o.msg;
    switch (b) {
      case 'crash':
        if (this.sent++ >= this.crashAfter || this.fault.behavior === 'random') {
          this.crashed = true;
          return [];
        }
        return [o];
      case 'silent':
        return [];
      case 'equivocate': {
        // Half the recipients hear one story, half another; as primary, the second is a null batch.
        const half = Math.ceil(o.to.length / 2);
        const a = o.to.slice(0, half);
        const rest = o.to.slice(half);
        let other: Msg | null = null;
        if (m.t === 'pp') other = { ...m, d: NULL_BATCH, b: [] };
        else if (m.t === 'p' || m.t === 'c') other = { ...m, d: fakeDigest(this.rng) };
        if (!other || !rest.length) return [o];
        return [
          { to: a, msg: m },
          { to: rest, msg: other },
        ];
      }
      case 'corrupt_digest':
        if (m.t === 'pp' || m.t === 'p' || m.t === 'c') return [{ to: o.to, msg: { ...m, d: fakeDigest(this.rng) } }];
        if (m.t === 'rep') return [{ to: o.to, msg: { ...m, d: fakeDigest(this.rng), g: toBase64(randomBytes(64)) } }];
        return [o];
      case 'wrong_view':
        if (m.t === 'pp' || m.t === 'p' || m.t === 'c' || m.t === 'rep')
          return [{ to: o.to, msg: { ...m, v: m.v + randInt(this.rng, 1, 3) } }];
        return [o];
      case 'replay': {
        // Old messages again, sometimes instead of the new one.
        const old = this.history.length ? this.history[randInt(this.rng, 0, this.history.length - 1)] : null;
        if (!old) return [o];
        return this.rng() < 0.5 ? [{ to: o.to, msg: old.msg }] : [o, { to: o.to, msg: old.msg }];
      }
      case 'delay':
        return [{ ...o, delayMs: this.fault.delayMs ?? this.defaultDelayMs }];
      default:
        return [o];
    }
  }
}
