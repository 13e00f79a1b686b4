/**
 * Self-healing cluster (all six patterns). A simulated Kubernetes-like cluster emits metrics every
 * tick; aggregate summarises the pods' anomaly scores and raises an incident; generate_code writes
 * a runbook for the symptom (or, once a runbook for that symptom has worked, serves it from
 * memory with no LLM call); on a new symptom, three ephemeral agents diagnose it from their views
 * (spawn_ephemeral) and multi_model_vote picks the healing action; byzantine_propose commits it on
 * a PBFT cluster with a faulty replica; the action is applied and verified; record_outcome teaches
 * the memory; the cluster's state and every incident live in a CRDT document. Time to heal is
 * counted in simulated ticks, so the picture shows learning, not machine speed.
 */
import type { Example, ExampleOptions, ExampleReport } from '../lib/example.js';
import { Sixfold } from '../lib/server.js';
import { formatTable, sig } from '../lib/table.js';
import {
  ACTION_TICKS,
  ACTIONS,
  BASE,
  Cluster,
  incidentPlan,
  REMEDY,
  type Action,
  type Fault,
  type Metric,
  type Sample,
} from './cluster.js';
import { drawHealing } from './draw.js';
import { DIAGNOSIS_MARKER, LESSON_LEAK, LESSON_NODE, RUNBOOK_MARKER, VOTE_MARKER, standIn } from './stand-in.js';

export const DOC = 'cluster.state';
/** An anomaly: a pod metric this many standard deviations off its baseline. */
export const THRESHOLD = 5;
/** Ticks an action must hold before the incident counts as healed. */
export const VERIFY_TICKS = 3;
/** Simulated ticks each LLM step takes (a model round trip is not free in an outage). */
export const LLM_TICKS = 1;
export const MAX_ATTEMPTS = 3;
const TICK_SECONDS = 30;

/** The runbook template every generate_code call gets as context (the same each time, so repeats can be served from memory). */
export const RUNBOOK_CONTEXT = [
  '// One JSON object. action: restart_pod | rollback_deploy | drain_node | scale_out.',
  '// target: which part of the incident it acts on: "pod" (the worst pod), "service" (its service) or "node" (its node).',
  '// steps: a few short lines for the operator log.',
  '{"action": "", "target": "", "steps": []}',
].join('\n');

interface Symptom {
  scope: 'pod' | 'service' | 'node' | 'mixed';
  metric: Metric;
  deploy: 'recent' | 'none';
  pod: string;
  service: string;
  node: string;
  pods: number;
}

export interface IncidentRecord {
  id: string;
  fault: Fault;
  target: string;
  fault_tick: number;
  detected_tick: number;
  healed_tick: number | null;
  time_to_heal: number | null;
  path: 'llm' | 'memory' | 'llm, then memory';
  actions: string[];
  llm_requests: number;
  /** View changes the PBFT cluster went through to commit this incident's actions (a faulty primary replaced). */
  view_changes: number;
  /** Not healed in MAX_ATTEMPTS: the simulation's own fix was applied so later incidents start clean. */
  escalated: boolean;
}

export interface HealingResult {
  incidents: IncidentRecord[];
  doc_bytes: number;
}

/** What the monitoring sees in one tick's samples: where the anomaly is and what kind. */
function symptom(c: Cluster, samples: Sample[]): Symptom {
  const bad = samples.filter((s) => s.score > THRESHOLD);
  const pods = bad.map((s) => c.pods.find((p) => p.name === s.pod)!);
  const worst = bad.reduce((a, b) => (b.score > a.score ? b : a));
  const pod = c.pods.find((p) => p.name === worst.pod)!;
  const counts = new Map<Metric, number>();
  for (const s of bad) counts.set(s.worst, (counts.get(s.worst) ?? 0) + 1);
  const metric = [...counts].sort((a, b) => b[1] - a[1])[0][0];
  const sameNode = pods.every((p) => p.node === pod.node) && pods.length === c.pods.filter((p) => p.node === pod.node).length;
  const sameService = pods.every((p) => p.service === pod.service);
  const scope = pods.length === 1 ? 'pod' : sameNode ? 'node' : sameService ? 'service' : 'mixed';
  const deployed = c.deployedAt.get(pod.service);
  return {
    scope,
    metric,
    deploy: deployed !== undefined && c.tick - deployed <= 10 ? 'recent' : 'none',
    pod: pod.name,
    service: pod.service,
    node: pod.node,
    pods: pods.length,
  };
}

/** The symptom in words: the generate_code task, the same for every incident that looks alike. */
function describe(s: Symptom): string {
  const key = `${s.scope}/${s.metric}/${s.deploy}`;
  const known: Record<string, string> = {
    'pod/mem/recent': 'the memory of a single pod climbs steadily, and its service was deployed minutes before',
    'service/errors/recent': 'the error rate of every pod of one service jumped right after that service was deployed',
    'node/cpu/none': 'CPU is saturated and latency doubled on every pod of one node, whatever their service; no recent deploy',
    'service/latency/none': 'latency tripled and CPU rose on every pod of one service, across all its nodes; no recent deploy',
  };
  const words = Object.hasOwn(known, key)
    ? known[key]
    : `${s.pods} pods are anomalous (scope ${s.scope}, worst metric ${s.metric}, deploy ${s.deploy})`;
  return `${RUNBOOK_MARKER} in a Kubernetes-like cluster: ${words}.`;
}

function views(c: Cluster, s: Symptom, samples: Sample[]): string[] {
  const tag = `scope=${s.scope} metric=${s.metric} deploy=${s.deploy}`;
  const fmt = (x: Sample) =>
    `${x.pod} cpu ${x.cpu.toFixed(0)}% mem ${x.mem.toFixed(0)}% p99 ${x.latency.toFixed(0)} ms errors ${x.errors.toFixed(1)}%`;
  const ofService = samples.filter((x) => c.pods.find((p) => p.name === x.pod)!.service === s.service);
  const ofNode = samples.filter((x) => c.pods.find((p) => p.name === x.pod)!.node === s.node);
  return [
    `pod view (${tag}): worst pod ${fmt(samples.find((x) => x.pod === s.pod)!)}; baselines cpu ${BASE.cpu}% mem ${BASE.mem}% p99 ${BASE.latency} ms errors ${BASE.errors}%`,
    `service view (${tag}): service ${s.service}, ${ofService.filter((x) => x.score > THRESHOLD).length} of ${ofService.length} pods anomalous; ${s.deploy === 'recent' ? 'deployed recently' : 'no recent deploy'}: ${ofService.map(fmt).join('; ')}`,
    `node view (${tag}): ${s.node}, ${ofNode.filter((x) => x.score > THRESHOLD).length} of ${ofNode.length} pods anomalous: ${ofNode.map(fmt).join('; ')}`,
  ];
}

const BEHAVIORS = ['silent', 'equivocate', 'corrupt_digest', 'wrong_view', 'replay', 'delay', 'crash'];

async function run(opts: ExampleOptions): Promise<ExampleReport> {
  const cluster = new Cluster(opts.seed);
  const plan = incidentPlan(opts.seed);
  const sixfold = await Sixfold.start({ dir: opts.workDir, standIn, env: opts.env });
  try {
    const merge = (actor: string, ops: unknown[]) => sixfold.call('crdt_merge', { doc: DOC, actor, ops });
    const podOps = () =>
      cluster.pods.map((p) => ({
        op: 'map_set',
        target: 'pods',
        key: p.name,
        value: { service: p.service, node: p.node, version: p.version },
      }));
    await merge('monitor', podOps());

    /** Pattern 6: one tick of monitoring; aggregate summarises every pod's anomaly score. */
    const monitor = async () => {
      const samples = cluster.step();
      const agg = await sixfold.call<{ results: { max: number; p90: number; mean: number } }>('aggregate', {
        values: samples.map((s) => s.score),
        ops: ['max', 'p90', 'mean'],
        fanout: 8,
      });
      return { samples, max: agg.results.max };
    };
    const advance = async (ticks: number) => {
      for (let i = 0; i < ticks; i++) await monitor();
    };

    const records: IncidentRecord[] = [];
    for (let n = 0; n < plan.length; n++) {
      const inc = plan[n];
      const id = `INC-${String(n + 1).padStart(2, '0')}`;
      await advance(2); // quiet ticks between incidents
      cluster.inject(inc);
      const faultTick = cluster.tick;
      let seen = await monitor();
      while (seen.max <= THRESHOLD) {
        if (cluster.tick - faultTick > 30) throw new Error(`${id} (${inc.fault}) was never detected`);
        seen = await monitor();
      }
      const sym = symptom(cluster, seen.samples);
      const task = describe(sym);
      opts.progress(`${id}: detected at tick ${cluster.tick} (${sym.scope} ${sym.metric}, ${sym.pods} pods)`);
      const rec: IncidentRecord = {
        id,
        fault: inc.fault,
        target: inc.target,
        fault_tick: faultTick,
        detected_tick: cluster.tick,
        healed_tick: null,
        time_to_heal: null,
        path: 'llm',
        actions: [],
        llm_requests: 0,
        view_changes: 0,
        escalated: false,
      };
      await merge('monitor', [
        {
          op: 'map_set',
          target: 'incidents',
          key: id,
          value: { detected_tick: rec.detected_tick, symptom: task, status: 'open' },
        },
      ]);
      const failed: string[] = [];
      const paths: string[] = [];
      for (let attempt = 1; attempt <= MAX_ATTEMPTS && rec.healed_tick === null; attempt++) {
        // Pattern 1: a runbook for this symptom: from memory if one already worked, else written now.
        const gen = await sixfold.call<{ code: string; trajectory_id: string; source: 'llm' | 'memory' }>('generate_code', {
          task,
          language: 'json',
          namespace: 'self-healing',
          context: RUNBOOK_CONTEXT,
        });
        paths.push(gen.source);
        let plan_: { action?: string; target?: string; steps?: string[] } = {};
        try {
          plan_ = JSON.parse(gen.code) as typeof plan_;
        } catch {
          /* an unusable runbook: the vote decides */
        }
        const proposed = (ACTIONS as readonly string[]).includes(plan_.action ?? '') ? (plan_.action as Action) : 'restart_pod';
        let action: Action = proposed;
        if (gen.source === 'llm') {
          rec.llm_requests++;
          await advance(LLM_TICKS);
          // Pattern 4: three short-lived agents diagnose, one view each.
          const diag = await sixfold.call<{ agents: Array<{ status: string; result: string | null }> }>('spawn_ephemeral', {
            task:
              `${DIAGNOSIS_MARKER} Diagnose this incident in a simulated Kubernetes-like cluster from your view. Reply with one action first ` +
              '(restart_pod, rollback_deploy, drain_node, scale_out or none), then one short reason.',
            inputs: views(cluster, sym, seen.samples),
            role: 'sre diagnostician',
            namespace: 'self-healing',
            memory_k: 0,
            max_tokens: 80,
          });
          rec.llm_requests += diag.agents.length;
          await advance(LLM_TICKS);
          const suggestion = (r: string | null) =>
            /^\W*(restart_pod|rollback_deploy|drain_node|scale_out|none)\b/.exec(r ?? '')?.[1] ?? 'none';
          const names = ['pod', 'service', 'node'];
          // Pattern 5: the healing action is voted.
          const vote = await sixfold.call<{ decision: string | null; votes: unknown[] }>('multi_model_vote', {
            prompt:
              `${VOTE_MARKER} Incident ${id}: ${task.slice(RUNBOOK_MARKER.length + 1)} The runbook proposes: ${proposed}. ` +
              diag.agents.map((a, i) => `The ${names[i]} view suggests ${suggestion(a.result)}.`).join(' ') +
              ` Actions already tried that failed in this incident: ${failed.join(', ') || 'none'}. Which action heals it?`,
            choices: [...ACTIONS],
            quorum: 'bft',
            max_tokens: 20,
          });
          rec.llm_requests += vote.votes.length;
          await advance(LLM_TICKS);
          if (vote.decision && (ACTIONS as readonly string[]).includes(vote.decision)) action = vote.decision as Action;
        }
        const role = action === 'restart_pod' ? 'pod' : action === 'drain_node' ? 'node' : 'service';
        const target = role === 'pod' ? sym.pod : role === 'node' ? sym.node : sym.service;
        // Pattern 2: the action is committed by PBFT before anyone acts on it; one replica is faulty.
        const commit = await sixfold.call<{ committed: boolean; view_changes: number; reason?: string }>('byzantine_propose', {
          cluster: 'self-healing',
          value: { incident: id, attempt, action, target },
          faults: [{ replica: n % 4, behavior: BEHAVIORS[n % BEHAVIORS.length] }],
          seed: opts.seed + n,
        });
        if (!commit.committed) throw new Error(`${id}: the healing action was not committed: ${commit.reason}`);
        rec.view_changes += commit.view_changes;
        rec.actions.push(`${action}(${target})`);
        opts.progress(`${id}: attempt ${attempt}: ${action} on ${target} (runbook from ${gen.source})`);
        await advance(ACTION_TICKS[action] - 1);
        cluster.act(action, target);
        const start = cluster.tick;
        let healthy = true;
        for (let t = 0; t < VERIFY_TICKS && healthy; t++) healthy = (await monitor()).max <= THRESHOLD;
        if (healthy) rec.healed_tick = start;
        else failed.push(action);
        // The outcome teaches the memory: a runbook that worked is served next time; one that failed becomes a pitfall.
        const finalCode = JSON.stringify(
          { action, target: role, steps: [`${action} on the ${role}`, `watch every pod for ${VERIFY_TICKS} ticks`] },
          null,
          1,
        );
        const lesson = sym.scope === 'node' ? LESSON_NODE : sym.metric === 'mem' ? LESSON_LEAK : 'restart_pod did not heal it';
        await sixfold.call('record_outcome', {
          trajectory_id: gen.trajectory_id,
          success: healthy,
          notes: healthy
            ? `${action} on the ${role} healed it: every pod within ${THRESHOLD} standard deviations of baseline for ${VERIFY_TICKS} ticks`
            : `${action === 'restart_pod' ? lesson : `${action} did not heal it`}: the anomaly was back within ${VERIFY_TICKS} ticks (pod ${sym.pod}, ${sym.metric})`,
          ...(action !== proposed ? { final_code: finalCode } : {}),
        });
        await merge('healer', [
          ...podOps(),
          {
            op: 'map_set',
            target: 'incidents',
            key: id,
            value: {
              detected_tick: rec.detected_tick,
              symptom: task,
              status: healthy ? 'healed' : 'open',
              actions: rec.actions,
              healed_tick: rec.healed_tick,
            },
          },
        ]);
      }
      if (rec.healed_tick === null) {
        // Escalated to a human: the simulation applies the fault's real remedy, so the next incident starts clean.
        cluster.act(
          REMEDY[inc.fault],
          inc.fault === 'memory_leak' ? cluster.pods.find((p) => p.name === inc.target)!.service : inc.target,
        );
        rec.escalated = true;
        await merge('healer', [
          {
            op: 'map_set',
            target: 'incidents',
            key: id,
            value: { detected_tick: rec.detected_tick, symptom: task, status: 'escalated', actions: rec.actions },
          },
        ]);
        await advance(VERIFY_TICKS);
      }
      rec.path = paths.every((p) => p === 'memory') ? 'memory' : paths.every((p) => p === 'llm') ? 'llm' : 'llm, then memory';
      rec.time_to_heal = rec.healed_tick === null ? null : rec.healed_tick - rec.fault_tick;
      records.push(rec);
    }

    const doc = await sixfold.call<{ snapshot: { incidents: Record<string, { status: string }> }; size_bytes: number }>(
      'crdt_read',
      { doc: DOC },
    );
    const result: HealingResult = { incidents: records, doc_bytes: doc.size_bytes };
    const table = formatTable(
      ['incident', 'fault (simulated)', 'target', 'runbook', 'actions', 'LLM requests', 'time to heal'],
      records.map((r) => [
        r.id,
        r.fault,
        r.target,
        r.path,
        r.actions.join(', then '),
        r.llm_requests,
        r.time_to_heal === null ? 'escalated' : `${r.time_to_heal} ticks`,
      ]),
    );
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
    const firsts = records.filter((r, i) => records.findIndex((q) => q.fault === r.fault) === i);
    const repeats = records.filter((r) => !firsts.includes(r));
    const healedAll = records.every((r) => r.time_to_heal !== null);
    const notes = [
      `${healedAll ? 'all' : `${records.filter((r) => !r.escalated).length} of`} ${records.length} incidents healed${healedAll ? '' : ' (the rest escalated: the simulation applied its own fix)'}; document ${DOC} holds ${Object.keys(doc.snapshot.incidents).length} incidents and every pod (${doc.size_bytes} bytes)`,
      `time to heal: first of each kind ${sig(mean(firsts.map((r) => r.time_to_heal ?? 0)))} ticks on average (${sig(mean(firsts.map((r) => r.llm_requests)))} LLM requests), ` +
        `repeats ${sig(mean(repeats.map((r) => r.time_to_heal ?? 0)))} ticks (${sig(mean(repeats.map((r) => r.llm_requests)))} LLM requests): one tick is ${TICK_SECONDS} simulated seconds`,
      `every action committed by PBFT (n=4, f=1) before it was applied, with one replica faulty (a different behaviour each incident); ` +
        `${records.filter((r) => r.view_changes > 0).length} incidents needed a view change to replace a faulty primary`,
    ];
    const svg = drawHealing(records, TICK_SECONDS);
    return {
      simulated:
        'the cluster is a simulation (8 nodes, 32 pods, metrics with seeded noise, injected faults, actions that change the simulated state); time is counted in simulated ticks of 30 s, and each LLM step is charged one tick.',
      table,
      notes,
      llm: [...sixfold.answeredBy],
      svg,
      result,
    };
  } finally {
    await sixfold.close();
  }
}

export const selfHealingCluster: Example = { name: 'self-healing-cluster', title: 'Self-healing cluster', run };
