/**
 * The scripted stand-in for an LLM in this example (see lib/server.ts). It is scripted to act like
 * a plausible but naive operator, so that the run shows learning:
 * - the runbook (generate_code) restarts the pod for a climbing memory, a saturated node or a
 *   latency spike, unless a lesson in its prompt says restarting failed for that symptom; for an
 *   error spike after a deploy it rolls back;
 * - the diagnosing agents see one view each: the pod view always suggests restart_pod, the service
 *   view rollback_deploy after a deploy or scale_out for a service-wide spike, the node view
 *   drain_node when one node's pods are all hit or scale_out for a service-wide spike;
 * - the vote takes the action most agents suggested, leaving out what already failed in this
 *   incident; a tie goes to the runbook.
 * Tests give the fake provider this same function as its answer.
 */
import { ACTIONS } from './cluster.js';

export const RUNBOOK_MARKER = 'Write a JSON runbook that heals this incident';
export const DIAGNOSIS_MARKER = '[self-healing diagnosis]';
export const VOTE_MARKER = '[self-healing vote]';

/** Failure notes the example records, which the runbook's lessons then carry. */
export const LESSON_LEAK = 'restart_pod did not hold for a memory leak';
export const LESSON_NODE = 'restart_pod did not help a saturated node';

function runbook(action: string, target: string, steps: string[]): string {
  return `\`\`\`json\n${JSON.stringify({ action, target, steps }, null, 1)}\n\`\`\``;
}

export function standIn(prompt: string): string {
  if (prompt.includes(RUNBOOK_MARKER)) {
    // The symptom is on the task's line; lessons from other incidents follow further down.
    const task = /Task:\n([^\n]*)/.exec(prompt)?.[1] ?? prompt;
    if (/memory of a single pod/.test(task)) {
      return prompt.includes(LESSON_LEAK)
        ? runbook('rollback_deploy', 'service', ['roll the service back to its previous version', 'watch memory for three ticks'])
        : runbook('restart_pod', 'pod', ['restart the pod', 'watch memory for three ticks']);
    }
    if (/error rate of every pod/.test(task))
      return runbook('rollback_deploy', 'service', ['roll the service back', 'watch the error rate']);
    if (/CPU is saturated/.test(task)) {
      return prompt.includes(LESSON_NODE)
        ? runbook('drain_node', 'node', ['cordon the node', 'move its pods elsewhere'])
        : runbook('restart_pod', 'pod', ['restart the busiest pod']);
    }
    return runbook('restart_pod', 'pod', ['restart the slowest pod']);
  }
  if (prompt.includes(DIAGNOSIS_MARKER)) {
    const scope = /scope=(\w+)/.exec(prompt)?.[1];
    const metric = /metric=(\w+)/.exec(prompt)?.[1];
    const deploy = /deploy=(\w+)/.exec(prompt)?.[1];
    if (prompt.includes('pod view')) return 'restart_pod: the pod looks unhealthy';
    if (prompt.includes('service view')) {
      if (deploy === 'recent' && (scope === 'pod' || metric === 'errors')) return 'rollback_deploy: it started with the deploy';
      if (scope === 'service' && metric === 'latency') return 'scale_out: the whole service is slow under load';
      return 'none: the service looks fine';
    }
    if (prompt.includes('node view')) {
      if (scope === 'node') return 'drain_node: every pod on one node suffers';
      if (scope === 'service' && metric === 'latency') return 'scale_out: the service is hot on every node';
      return 'none: no node stands out';
    }
    return 'none';
  }
  if (prompt.includes(VOTE_MARKER)) {
    const proposed = /runbook proposes: (\w+)/.exec(prompt)?.[1] ?? '';
    const failed = new Set((/failed in this incident: ([\w, ]*)/.exec(prompt)?.[1] ?? '').split(/[, ]+/).filter(Boolean));
    const counts = new Map<string, number>();
    for (const m of prompt.matchAll(/view suggests (\w+)/g)) {
      if ((ACTIONS as readonly string[]).includes(m[1]) && !failed.has(m[1])) counts.set(m[1], (counts.get(m[1]) ?? 0) + 1);
    }
    const best = Math.max(0, ...counts.values());
    const top = [...counts].filter(([, c]) => c === best).map(([a]) => a);
    if (top.includes(proposed) || (!top.length && !failed.has(proposed))) return proposed;
    return top.sort()[0] ?? ACTIONS.find((a) => !failed.has(a))!;
  }
  return 'The scripted stand-in has no prepared answer for this request.';
}
