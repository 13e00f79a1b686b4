/**
 * A simulated Kubernetes-like cluster: no Kubernetes, no containers. Eight nodes run four pods of
 * each of eight services; every tick (30 simulated seconds) each pod reports CPU %, memory %, p99
 * latency and error rate around its baseline with seeded noise. Faults change those numbers, and
 * healing actions change the cluster the way their namesakes would:
 *
 * | fault          | symptom                                   | heals it         |
 * |----------------|-------------------------------------------|------------------|
 * | memory_leak    | one pod's memory climbs 4 points a tick   | rollback_deploy  |
 * | bad_deploy     | a service's error rate jumps after deploy | rollback_deploy  |
 * | noisy_neighbor | CPU and latency of every pod on one node  | drain_node       |
 * | traffic_spike  | latency and CPU of every pod of a service | scale_out        |
 *
 * restart_pod clears a pod's memory, so it hides a leak for a few ticks and then the leak is back.
 */
import { mulberry32, normal } from '../lib/rng.js';

export const SERVICES = ['api', 'auth', 'cart', 'catalog', 'checkout', 'images', 'payments', 'search'];
export const NODES = Array.from({ length: 8 }, (_, i) => `node-${i + 1}`);
export const REPLICAS = 4;
export const ACTIONS = ['restart_pod', 'rollback_deploy', 'drain_node', 'scale_out'] as const;
export type Action = (typeof ACTIONS)[number];
export const FAULTS = ['memory_leak', 'bad_deploy', 'noisy_neighbor', 'traffic_spike'] as const;
export type Fault = (typeof FAULTS)[number];

/** The action that heals each fault, and what it acts on: the simulation's ground truth (for escalation only). */
export const REMEDY: Record<Fault, Action> = {
  memory_leak: 'rollback_deploy',
  bad_deploy: 'rollback_deploy',
  noisy_neighbor: 'drain_node',
  traffic_spike: 'scale_out',
};

/** Ticks each action takes before its effect is in place. */
export const ACTION_TICKS: Record<Action, number> = { restart_pod: 1, rollback_deploy: 2, drain_node: 2, scale_out: 1 };

export const BASE = { cpu: 40, mem: 50, latency: 120, errors: 0.5 };
export const NOISE = { cpu: 3, mem: 2, latency: 8, errors: 0.2 };
export type Metric = keyof typeof BASE;

export interface Pod {
  name: string;
  service: string;
  node: string;
  version: number;
  mem: number;
  leak: number;
}

export interface Sample {
  pod: string;
  cpu: number;
  mem: number;
  latency: number;
  errors: number;
  /** The largest |z| over the four metrics against their baselines. */
  score: number;
  /** The metric with that largest |z|. */
  worst: Metric;
}

export interface Incident {
  fault: Fault;
  /** The pod, service or node at fault. */
  target: string;
}

export class Cluster {
  tick = 0;
  readonly pods: Pod[] = [];
  private readonly rng: () => number;
  private readonly hogged = new Set<string>();
  private readonly cordoned = new Set<string>();
  private readonly spiking = new Set<string>();
  private readonly erroring = new Set<string>();
  /** Per service: the version before the last deploy, and whether that deploy was recent (for the symptom). */
  readonly deployedAt = new Map<string, number>();

  constructor(seed: number) {
    this.rng = mulberry32(seed * 9301 + 49297);
    let k = 0;
    for (const service of SERVICES) {
      for (let r = 0; r < REPLICAS; r++)
        this.pods.push({
          name: `${service}-${r + 1}`,
          service,
          node: NODES[k++ % NODES.length],
          version: 1,
          mem: BASE.mem,
          leak: 0,
        });
    }
  }

  /** Starts a fault: a deploy that leaks or errors, a CPU hog on a node, or a traffic spike. */
  inject(i: Incident): void {
    if (i.fault === 'memory_leak' || i.fault === 'bad_deploy') {
      const service = i.fault === 'memory_leak' ? this.pods.find((p) => p.name === i.target)!.service : i.target;
      for (const p of this.pods.filter((q) => q.service === service)) p.version++;
      this.deployedAt.set(service, this.tick);
      if (i.fault === 'memory_leak') this.pods.find((p) => p.name === i.target)!.leak = 4;
      else this.erroring.add(service);
    } else if (i.fault === 'noisy_neighbor') this.hogged.add(i.target);
    else this.spiking.add(i.target);
  }

  /** Applies a healing action to a pod, service or node. Returns false when the target does not exist. */
  act(action: Action, target: string): boolean {
    if (action === 'restart_pod') {
      const p = this.pods.find((q) => q.name === target);
      if (!p) return false;
      p.mem = BASE.mem;
      return true;
    }
    if (action === 'rollback_deploy') {
      const pods = this.pods.filter((q) => q.service === target);
      if (!pods.length) return false;
      for (const p of pods) Object.assign(p, { version: Math.max(1, p.version - 1), mem: BASE.mem, leak: 0 });
      this.erroring.delete(target);
      return true;
    }
    if (action === 'drain_node') {
      if (!NODES.includes(target)) return false;
      this.cordoned.add(target);
      const open = NODES.filter((n) => !this.cordoned.has(n));
      this.pods
        .filter((p) => p.node === target)
        .forEach((p, i) => {
          p.node = open[(NODES.indexOf(target) + i) % open.length];
        });
      return true;
    }
    if (!SERVICES.includes(target)) return false;
    this.spiking.delete(target); // twice the replicas take the spike at baseline latency
    return true;
  }

  /** One tick: every pod's metrics. */
  step(): Sample[] {
    this.tick++;
    return this.pods.map((p) => {
      p.mem = Math.min(100, p.mem + p.leak);
      const hog = this.hogged.has(p.node);
      const spike = this.spiking.has(p.service);
      const m = {
        cpu: BASE.cpu + (hog ? 50 : 0) + (spike ? 35 : 0) + NOISE.cpu * normal(this.rng),
        mem: p.mem + NOISE.mem * normal(this.rng),
        latency: BASE.latency * (spike ? 3 : 1) * (hog ? 1.8 : 1) + NOISE.latency * normal(this.rng),
        errors: BASE.errors + (this.erroring.has(p.service) ? 15 : 0) + NOISE.errors * normal(this.rng),
      };
      let worst: Metric = 'cpu';
      let score = 0;
      for (const k of Object.keys(BASE) as Metric[]) {
        const z = Math.abs(m[k] - BASE[k]) / NOISE[k];
        if (z > score) {
          score = z;
          worst = k;
        }
      }
      return { pod: p.name, ...m, score, worst };
    });
  }
}

/** The incidents of a run: each fault kind three times, on seeded targets. */
export function incidentPlan(seed: number): Incident[] {
  const rng = mulberry32(seed * 7 + 1);
  const order: Fault[] = [
    'memory_leak',
    'bad_deploy',
    'noisy_neighbor',
    'traffic_spike',
    'memory_leak',
    'noisy_neighbor',
    'traffic_spike',
    'bad_deploy',
    'memory_leak',
    'traffic_spike',
    'noisy_neighbor',
    'bad_deploy',
  ];
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng() * xs.length)];
  // A drained node keeps no pods, so each noisy neighbour hits a node not drained before; and a
  // service is not hit twice in a row (a deploy minutes before would change the next symptom).
  const nodes = [...NODES];
  let last = '';
  return order.map((fault) => {
    if (fault === 'noisy_neighbor') return { fault, target: nodes.splice(Math.floor(rng() * nodes.length), 1)[0] };
    const service = pick(SERVICES.filter((s) => s !== last));
    last = service;
    return { fault, target: fault === 'memory_leak' ? `${service}-${1 + Math.floor(rng() * REPLICAS)}` : service };
  });
}
