import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { codegenNamespaces, consensusClusters, crdtDocs, fromList, optionalCompletable } from './complete.js';

const QUORUMS = ['majority', 'two_thirds', 'bft', 'unanimous'];

/** `self_healing_cluster`: detect, diagnose, vote, commit, act, and learn so the next incident heals from memory. */
export function registerSelfHealingClusterPrompt(server: McpServer, deps: Deps): void {
  server.registerPrompt(
    'self_healing_cluster',
    {
      title: 'Self-healing cluster',
      description:
        'Heal an incident with all six patterns: aggregate detects, a runbook is generated or served from memory, agents diagnose, a vote picks the action, PBFT commits it, record_outcome learns, a CRDT document keeps the state.',
      argsSchema: {
        incident: z.string().min(1).max(5000).describe('What is wrong: the alert, the metrics, what changed recently'),
        namespace: optionalCompletable(
          z
            .string()
            .regex(/^[a-z0-9._-]{1,64}$/)
            .describe('generate_code namespace of the runbooks, default "self-healing"'),
          codegenNamespaces(deps),
        ),
        cluster: optionalCompletable(
          z
            .string()
            .regex(/^[a-z0-9._-]{1,64}$/)
            .describe('Consensus cluster that commits actions, default "self-healing"'),
          consensusClusters(deps),
        ),
        state_doc: optionalCompletable(
          z
            .string()
            .regex(/^[a-zA-Z0-9._:-]{1,128}$/)
            .describe('CRDT document of the cluster state, default "cluster.state"'),
          crdtDocs(deps),
        ),
        quorum: optionalCompletable(
          z
            .string()
            .regex(/^[a-z_]{1,20}$/)
            .describe(`Vote quorum: ${QUORUMS.join(', ')}; default bft`),
          fromList(QUORUMS),
        ),
      },
    },
    ({ incident, namespace, cluster, state_doc, quorum }) => {
      const ns = namespace ?? 'self-healing';
      const cl = cluster ?? 'self-healing';
      const doc = state_doc ?? 'cluster.state';
      const q = quorum && QUORUMS.includes(quorum) ? quorum : 'bft';
      const text = [
        `Heal this incident, and leave what you learn so that the next one like it heals faster: ${incident}`,
        '',
        '1. Detect and size it: aggregate over the pods\' values (values = one number per pod, e.g. an anomaly score or a metric; ops ["max", "p90", "mean"]), ' +
          'or over stored metrics (source memory, with a namespace and field). Find where it is: one pod, every pod of one service, or every pod on one node; which metric; any deploy just before.',
        '2. Describe the symptom in one stable sentence with no names or numbers that change between incidents (for example "the memory of a single pod climbs steadily, ' +
          'and its service was deployed minutes before"). The same symptom must give the same sentence: that is how memory finds it.',
        `3. Runbook: generate_code with task "Write a JSON runbook that heals this incident: <the sentence>", language "json", namespace "${ns}", and the same context every time ` +
          '(a template such as {"action": "", "target": "pod|service|node", "steps": []} with the allowed actions in a comment). If source is "memory", a runbook that healed this symptom ' +
          'before is back with no LLM call: go to step 6.',
        '4. Diagnose: spawn_ephemeral with three inputs, the pod view, the service view and the node view of the metrics; each agent replies with one action and a reason.',
        `5. Vote: multi_model_vote with the runbook's action, the three suggestions and any action that already failed in this incident; choices = the actions you can take, quorum "${q}".`,
        `6. Commit: byzantine_propose value {incident, attempt, action, target} on cluster "${cl}": nobody acts on an action that is not committed.`,
        '7. Act with your own tools (sixfold does not touch your infrastructure), then watch the metrics for a few intervals.',
        '8. Learn: record_outcome with the trajectory_id, success true or false and the evidence in notes (if it failed, say which action did not hold for which symptom); ' +
          "if the vote changed the runbook's action, send the runbook you ran as final_code, so that is what memory serves next time.",
        `9. Keep the state: crdt_merge into "${doc}" the incident (map "incidents", key = its id: detected, symptom, actions, status, healed) and what changed (map "pods"). ` +
          "If it is not healed, go back to step 3: the failed attempt is now a lesson in the runbook's prompt.",
        '',
        'Report the actions taken, whether the runbook came from memory, how many LLM calls it took, and the time from detection to healed.',
        'A runnable version on a simulated cluster with twelve incidents: `npm run example -- self-healing-cluster` in a sixfold checkout.',
      ].join('\n');
      return { messages: [{ role: 'user', content: { type: 'text', text } }] };
    },
  );
}
