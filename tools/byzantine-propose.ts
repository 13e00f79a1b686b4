import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { SixfoldError, clipText, invalidInput } from '../src/errors.js';
import { canonicalJson } from '../src/canonical-json.js';
import { lazy } from '../src/lazy.js';
import { clusterField } from '../src/mcp/fields.js';
import { BEHAVIORS } from '../src/patterns/consensus/byzantine.js';
import { checkFaults, replicasFor } from '../src/patterns/consensus/faults.js';
import type { NodeConsensus } from '../src/patterns/consensus/node-consensus.js';
import { clusterOff } from '../src/peer/cluster-off.js';
import { clip, defineTool, elapsedMs, toolInput, type ToolExtra, sendProgress } from '../src/tool-kit.js';

const MAX_VALUE_BYTES = 64 * 1024;
const MAX_SCHEMA_BYTES = 16 * 1024;

/**
 * The schema check (ajv, RE2) and the simulation, loaded on the first call. The validator and
 * its worker are made once per process: compiled schemas and the worker thread are reused.
 */
const engine = lazy(async () => {
  const [schema, worker, sim] = await Promise.all([
    import('../src/patterns/consensus/schema.js'),
    import('../src/patterns/consensus/schema-worker.js'),
    import('../src/patterns/consensus/propose.js'),
  ]);
  return {
    validator: new schema.SchemaValidator(),
    withVerdict: schema.withVerdict,
    schemaWorker: new worker.SchemaWorker(),
    ValidationTimeout: worker.ValidationTimeout,
    propose: sim.propose,
  };
});
/** Longest a value's check against a caller's schema may take (normally well under a millisecond). */
const SCHEMA_CHECK_MS = 1000;

export function registerByzantineProposeTool(server: McpServer, deps: Deps): void {
  defineTool(server, deps, {
    name: 'byzantine_propose',
    title: 'Commit a value by PBFT consensus (tolerates f lying replicas of 3f+1)',
    description:
      'Commits a value by PBFT (pre-prepare, prepare, commit; view change when the primary fails or lies) only when a ' +
      'Byzantine quorum of 2f+1 of n = 3f+1 replicas agrees, and returns a certificate of 2f+1 Ed25519 signatures over ' +
      '(cluster, view, sequence, digest) that verify_certificate, or anyone with the public keys at consensus://{cluster}/keys, ' +
      'can check. mode "nodes" (the default on a node of a cluster of 4 or more): every node of the cluster is one replica ' +
      'holding only its own key; this node proposes, the certificate names the signing nodes; up to f nodes may be down or ' +
      'lying. mode "simulate" (the default without a cluster): a SIMULATION of n replicas inside this one process, which holds ' +
      'every key, so it protects against nothing; for fault experiments: faults injects Byzantine replicas (crash, silent, ' +
      'equivocate, corrupt_digest, wrong_view, replay, delay, random). Either way, no certificate is ever returned for a value ' +
      'honest replicas did not commit; committed: false comes with a reason. schema makes honest replicas refuse a ' +
      'non-matching value. Committed entries appear at consensus://{cluster}/log.',
    input: toolInput({
      value: z
        .unknown()
        .refine((v) => v !== undefined, 'value is missing; send the JSON value to commit (any JSON, up to 64 KiB)'),
      cluster: clusterField.optional(),
      mode: z
        .enum(['nodes', 'simulate'], {
          error: 'mode must be "nodes" (the cluster\'s real nodes) or "simulate" (an in-process simulation)',
        })
        .optional(),
      replicas: z
        .number({ error: 'replicas must be a whole number from 4 to 31' })
        .int('replicas must be a whole number from 4 to 31')
        .min(4, 'replicas must be at least 4 (3f+1 with f >= 1)')
        .max(31, 'replicas must be at most 31')
        .optional(),
      faults: z
        .array(
          z.strictObject(
            {
              replica: z
                .number({ error: 'faults[].replica must be a replica index (0..n-1)' })
                .int('faults[].replica must be a whole number')
                .min(0, 'faults[].replica must be at least 0'),
              behavior: z.enum(BEHAVIORS, { error: `faults[].behavior must be one of ${BEHAVIORS.join(', ')}` }),
              delay_ms: z
                .number({ error: 'faults[].delay_ms must be a number of milliseconds' })
                .int()
                .min(1, 'faults[].delay_ms must be at least 1')
                .max(60_000, 'faults[].delay_ms must be at most 60000')
                .optional(),
            },
            {
              error: 'each fault must be {"replica": <index>, "behavior": "<behavior>", "delay_ms"?: <ms>} with no other fields',
            },
          ),
          { error: 'faults must be an array like [{"replica": 0, "behavior": "silent"}]' },
        )
        .max(31, 'at most 31 faults')
        .optional(),
      schema: z
        .record(z.string(), z.unknown(), { error: 'schema must be a JSON Schema object, e.g. {"type": "object"}' })
        .optional(),
      timeout_ms: z
        .number({ error: 'timeout_ms must be a whole number of milliseconds' })
        .int('timeout_ms must be a whole number')
        .min(50, 'timeout_ms must be at least 50')
        .max(60_000, 'timeout_ms must be at most 60000')
        .optional(),
      seed: z
        .number({ error: 'seed must be a whole number' })
        .int('seed must be a whole number')
        .min(0, 'seed must be at least 0')
        .max(2 ** 31 - 1, 'seed must be below 2^31')
        .optional(),
    }),
    output: z.object({
      /** nodes: the cluster's real nodes; simulate: an in-process simulation (one process holds every key). */
      mode: z.enum(['nodes', 'simulate']),
      committed: z.boolean(),
      cluster: z.string(),
      value: z.unknown(),
      digest: z.string(),
      sequence: z.number().int().nullable(),
      view: z.number().int().nullable(),
      n: z.number().int(),
      f: z.number().int(),
      quorum: z.number().int(),
      certificate: z.array(
        z.object({ replica: z.number().int(), node: z.string().optional(), key: z.string().optional(), signature: z.string() }),
      ),
      /** mode nodes: node ids of the signers. */
      signers: z.array(z.string()).optional(),
      /** mode nodes, a value committed in a batch of several: the batch's value digests (what verify_certificate needs). */
      batch: z.array(z.string()).optional(),
      /** mode nodes: the name the signatures cover ("nodes/<members hash>/<cluster>"). */
      statement_cluster: z.string().optional(),
      view_changes: z.number().int(),
      /** mode simulate: the simulated network's totals. */
      messages: z.number().int().optional(),
      bytes: z.number().int().optional(),
      faulty_replicas: z.array(z.number().int()).optional(),
      elapsed_ms: z.number(),
      simulated_ms: z.number().optional(),
      reason: z.string().optional(),
    }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    async run(args, extra) {
      const start = performance.now();
      const { validator, withVerdict, schemaWorker, ValidationTimeout, propose } = await engine();
      const name = args.cluster ?? 'default';
      const valueText = canonicalJson(args.value);
      if (Buffer.byteLength(valueText) > MAX_VALUE_BYTES)
        throw invalidInput(
          `value is ${Buffer.byteLength(valueText)} bytes as JSON, over the 64 KiB limit.`,
          'Commit a smaller value, e.g. a digest or a reference to the large data.',
        );
      if (args.schema !== undefined) {
        if (Buffer.byteLength(canonicalJson(args.schema)) > MAX_SCHEMA_BYTES)
          throw invalidInput('schema is over 16 KiB as JSON.', 'Send a smaller JSON Schema.');
        try {
          validator.compile(args.schema);
        } catch (err) {
          throw invalidInput(
            `schema is not a valid JSON Schema: ${clipText((err as Error).message, 300)}.`,
            'Send a JSON Schema object such as {"type": "object", "required": ["action"]}.',
          );
        }
      }
      // Checked once, in a worker with a time bound, before any replica or node sees it; the
      // simulated replicas then reuse that verdict (nodes check it again themselves, with RE2).
      let validate = validator.validate;
      if (args.schema !== undefined) {
        const verdict = await schemaWorker.verdict(args.value, args.schema, SCHEMA_CHECK_MS).catch((err: Error) => {
          if (err instanceof ValidationTimeout)
            throw invalidInput(
              `schema is too costly: ${err.message}.`,
              'Simplify the schema (fewer patterns, no uniqueItems over long arrays of objects) or send a smaller value.',
            );
          throw err;
        });
        validate = withVerdict(args.value, args.schema, verdict, validator.validate);
      }
      const mode = args.mode ?? (deps.peers ? 'nodes' : 'simulate');
      if (mode === 'nodes') {
        if (args.replicas !== undefined || args.faults !== undefined || args.seed !== undefined) {
          throw invalidInput(
            'replicas, faults and seed apply to mode "simulate" only: across nodes, n is the size of the cluster and faults are real.',
            'Drop them, or pass mode: "simulate" for the in-process simulation.',
          );
        }
        const consensus = deps.consensus;
        if (!consensus) {
          if (!deps.peers) throw clusterOff('byzantine_propose with mode "nodes"');
          const n = deps.peers.peerIds().length + 1;
          throw new SixfoldError(
            'unavailable',
            `This cluster has ${n} node(s); PBFT across nodes needs at least 4 (n = 3f+1 with f >= 1).`,
            'Add nodes (--peer NODE_ID@HOST:PORT on every node), or pass mode: "simulate" for the in-process simulation.',
          );
        }
        return proposeOnNodes(
          consensus,
          name,
          args.value,
          args.schema,
          args.timeout_ms ?? deps.config.consensus.proposal_timeout_ms,
          valueText,
          extra,
          start,
        );
      }
      const store = await deps.simulatedConsensus();
      return store.proposals.run(name, async () => {
        let info = store.cluster(name);
        const n = replicasFor(name, info?.n, args.replicas);
        const faults = args.faults ?? [];
        checkFaults(name, n, faults);
        if (!info) {
          info = store.create(name, n);
          deps.log.info({ cluster: name, n }, 'created consensus cluster');
        }
        const timeoutMs = args.timeout_ms ?? 2000;
        sendProgress(extra, 0, timeoutMs, `proposing to ${name} (n = ${n}, f = ${info.f})`);
        const out = await propose({
          cluster: name,
          keys: store.clusterKeys(name),
          base: info.base,
          value: args.value,
          schema: args.schema,
          faults: faults.map((x) => ({ replica: x.replica, behavior: x.behavior, delayMs: x.delay_ms })),
          seed: args.seed ?? 1,
          timeoutMs,
          validate,
          signal: extra.signal,
          onProgress: (sim, view) =>
            sendProgress(extra, Math.min(sim, timeoutMs), timeoutMs, `simulated ${Math.round(sim)} ms, view ${view}`),
        });
        const cert = out.committed && out.certificate ? out.certificate : null;
        if (cert) {
          store.append(name, info.base, {
            seq: cert.seq,
            view: cert.view,
            digest: out.digest,
            value: args.value,
            certificate: cert.signatures,
            stateDigest: out.stateDigest!,
          });
        }
        deps.metrics?.consensusProposal(name, cert !== null, out.viewChanges);
        const result = {
          mode: 'simulate' as const,
          committed: cert !== null,
          cluster: name,
          value: args.value,
          digest: out.digest,
          sequence: cert?.seq ?? null,
          view: cert?.view ?? null,
          n: out.n,
          f: out.f,
          quorum: 2 * out.f + 1,
          certificate: cert?.signatures ?? [],
          view_changes: out.viewChanges,
          messages: out.messages,
          bytes: out.bytes,
          faulty_replicas: out.faulty,
          elapsed_ms: elapsedMs(start),
          simulated_ms: Math.round(out.simulatedMs * 1000) / 1000,
          ...(out.reason ? { reason: out.reason } : {}),
        };
        sendProgress(extra, timeoutMs, timeoutMs, cert ? `committed at sequence ${cert.seq}` : 'not committed');
        const faultText = out.faulty.length ? ` with ${out.faulty.length} faulty replica(s) (${out.faulty.join(', ')})` : '';
        const summary = cert
          ? `SIMULATION (one process holds every key): committed ${clip(valueText, 80)} to simulated cluster "${name}" at sequence ${cert.seq}, view ${cert.view}${faultText}: ${cert.signatures.length} of ${out.n} replicas signed (quorum ${2 * out.f + 1})` +
            `${out.viewChanges ? ` after ${out.viewChanges} view change(s)` : ''}; ${out.messages} messages, ${out.bytes} bytes.`
          : `SIMULATION: not committed to simulated cluster "${name}"${faultText}: ${out.reason ?? 'no certificate'}`;
        return { result, summary };
      });
    },
  });
}

/** mode "nodes": this node proposes as the PBFT client of the cluster's real replicas. */
async function proposeOnNodes(
  consensus: NodeConsensus,
  name: string,
  value: unknown,
  schema: unknown,
  timeoutMs: number,
  valueText: string,
  extra: ToolExtra,
  start: number,
) {
  const n = consensus.n;
  const f = consensus.f;
  sendProgress(extra, 0, timeoutMs, `proposing to "${name}" on ${n} nodes (f = ${f})`);
  const out = await consensus.propose(name, value, schema, { timeoutMs, signal: extra.signal });
  const cert = out.certificate;
  const members = consensus.members;
  const certificate =
    cert?.signatures.map((s) => {
      const key = consensus.publicKeyText(s.replica);
      return { replica: s.replica, node: members[s.replica], ...(key ? { key } : {}), signature: s.signature };
    }) ?? [];
  const result = {
    mode: 'nodes' as const,
    committed: out.committed,
    cluster: name,
    value,
    digest: out.digest,
    sequence: cert?.seq ?? null,
    view: cert?.view ?? null,
    n,
    f,
    quorum: 2 * f + 1,
    certificate,
    signers: certificate.map((s) => s.node),
    ...(cert?.batch ? { batch: cert.batch } : {}),
    statement_cluster: consensus.statementOf(name),
    view_changes: out.viewChanges,
    elapsed_ms: elapsedMs(start),
    ...(out.reason ? { reason: out.reason } : {}),
  };
  sendProgress(extra, timeoutMs, timeoutMs, cert ? `committed at sequence ${cert.seq}` : 'not committed');
  const summary = cert
    ? `Committed ${clip(valueText, 80)} to "${name}" across ${n} nodes at sequence ${cert.seq}, view ${cert.view}: ${certificate.length} nodes signed (quorum ${2 * f + 1})` +
      `${out.viewChanges ? ` after ${out.viewChanges} view change(s)` : ''}${cert.batch ? `, in a batch of ${cert.batch.length}` : ''}.`
    : `Not committed to "${name}": ${out.reason ?? 'no certificate'}`;
  return { result, summary };
}
