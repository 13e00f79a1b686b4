import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { invalidInput, notFound } from '../src/errors.js';
import { canonicalJson } from '../src/canonical-json.js';
import { lazy } from '../src/lazy.js';
import { SixfoldError } from '../src/errors.js';
import { defineTool, toolInput } from '../src/tool-kit.js';
import { clusterField } from '../src/mcp/fields.js';

/** The checks (Ed25519 keys, node ids), loaded on the first call. */
const checks = lazy(async () => {
  const [simulated, nodes, keys, identity] = await Promise.all([
    import('../src/patterns/consensus/certificate.js'),
    import('../src/patterns/consensus/node-certificate.js'),
    import('../src/patterns/consensus/node-keys.js'),
    import('../src/peer/identity.js'),
  ]);
  return {
    verifyCertificate: simulated.verifyCertificate,
    verifyNodeCertificate: nodes.verifyNodeCertificate,
    publicKeyFromText: keys.publicKeyFromText,
    nodeIdOf: identity.nodeIdOf,
  };
});

export function registerVerifyCertificateTool(server: McpServer, deps: Deps): void {
  defineTool(server, deps, {
    name: 'verify_certificate',
    title: 'Check a byzantine_propose certificate with public keys',
    description:
      'Checks that a certificate from byzantine_propose holds at least 2f+1 valid Ed25519 signatures from distinct replicas of ' +
      'the cluster over (cluster, view, sequence, digest of value). Uses only public keys (also at consensus://{cluster}/keys), ' +
      'no network: a certificate whose entries name nodes ({"node", "key"?, "signature"}, from mode "nodes") is checked against ' +
      'the member list of this node\'s cluster, each key against its node id; one with replica indexes only (mode "simulate") ' +
      'against the simulated cluster stored here. Pass batch when byzantine_propose returned one. Any change to the value, ' +
      'sequence, view or a signature makes it invalid.',
    input: toolInput({
      cluster: clusterField,
      value: z.unknown().refine((v) => v !== undefined, 'value is missing; send the committed JSON value'),
      certificate: z
        .array(
          z
            .strictObject(
              {
                replica: z
                  .number({ error: 'certificate[].replica must be a whole number' })
                  .int('certificate[].replica must be a whole number')
                  .optional(),
                node: z
                  .string({ error: 'certificate[].node must be a node id string' })
                  .max(64, 'certificate[].node is too long for a node id')
                  .optional(),
                key: z
                  .string({ error: 'certificate[].key must be a base64url Ed25519 public key' })
                  .max(64, 'certificate[].key is too long for an Ed25519 public key')
                  .optional(),
                signature: z
                  .string({ error: 'certificate[].signature must be a base64 string' })
                  .max(200, 'certificate[].signature is too long for an Ed25519 signature'),
              },
              {
                error:
                  'each certificate entry must be {"replica": <index>, "signature": "<base64>"} or {"node": "<node id>", "key"?: "<public key>", "signature": "<base64>"}',
              },
            )
            .refine(
              (e) => e.replica !== undefined || e.node !== undefined,
              'each certificate entry needs "replica" (simulate) or "node" (nodes), as byzantine_propose returned it',
            ),
          { error: 'certificate must be the array byzantine_propose returned: [{"replica": 0, "signature": "..."}]' },
        )
        .min(1, 'certificate is empty; send the signatures byzantine_propose returned')
        .max(64, 'certificate has more than 64 entries'),
      sequence: z
        .number({ error: 'sequence must be a whole number' })
        .int('sequence must be a whole number')
        .min(1, 'sequence must be at least 1'),
      view: z
        .number({ error: 'view must be a whole number' })
        .int('view must be a whole number')
        .min(0, 'view must be at least 0'),
      batch: z
        .array(
          z.string().regex(/^[0-9a-f]{64}$/, 'batch entries are hex SHA-256 value digests, as byzantine_propose returned them'),
          { error: 'batch must be the array of value digests byzantine_propose returned' },
        )
        .min(2, 'batch lists at least 2 value digests (a value committed alone has none)')
        .max(4096, 'batch has more than 4096 entries')
        .optional(),
    }),
    output: z.object({
      valid: z.boolean(),
      /** nodes: the cluster's real nodes; simulate: an in-process simulation. */
      mode: z.enum(['nodes', 'simulate']),
      signers: z.array(z.number().int()),
      /** mode nodes: node ids of the valid signers. */
      signer_nodes: z.array(z.string()).optional(),
      quorum: z.number().int(),
      reason: z.string().optional(),
    }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    async run(args) {
      const { verifyCertificate, verifyNodeCertificate, publicKeyFromText, nodeIdOf } = await checks();
      if (Buffer.byteLength(canonicalJson(args.value)) > 64 * 1024)
        throw invalidInput('value is over 64 KiB as JSON.', 'No committed value is larger; check what you sent.');
      const nodes = args.certificate.some((e) => e.node !== undefined);
      if (nodes) {
        const consensus = deps.consensus;
        if (!consensus) {
          throw new SixfoldError(
            'unavailable',
            'This certificate names nodes (mode "nodes"), and this node is not in a cluster of 4 or more nodes, so it has no member list to check it against.',
            'Verify on a node of that cluster, or offline with the member list and public keys of consensus://{cluster}/keys on one of its nodes (docs/tools/verify_certificate.md).',
          );
        }
        const members = consensus.members;
        const check = verifyNodeCertificate({
          members,
          statementCluster: consensus.statementOf(args.cluster),
          value: args.value,
          batch: args.batch,
          certificate: args.certificate,
          sequence: args.sequence,
          view: args.view,
          keyOf: (m) => consensus.publicKey(m),
          idOf: nodeIdOf,
          keyFromText: (t) => {
            try {
              return publicKeyFromText(t);
            } catch {
              return undefined;
            }
          },
        });
        const result = {
          valid: check.valid,
          mode: 'nodes' as const,
          signers: check.signers,
          signer_nodes: check.signer_nodes,
          quorum: check.quorum,
          ...(check.reason ? { reason: check.reason } : {}),
        };
        const summary = check.valid
          ? `Valid: ${check.signers.length} of the ${members.length} nodes signed this value for "${args.cluster}" at sequence ${args.sequence}, view ${args.view}; quorum ${check.quorum}.`
          : `Invalid certificate for "${args.cluster}": ${check.reason}`;
        return { result, summary };
      }
      if (args.batch)
        throw invalidInput(
          'batch applies to certificates of mode "nodes" (entries with "node").',
          "Drop batch for a simulated cluster's certificate.",
        );
      const pub = (await deps.simulatedConsensus()).publicKeys(args.cluster);
      if (!pub) throw notFound(`No consensus cluster "${args.cluster}".`, 'Use the cluster name byzantine_propose returned.');
      const check = verifyCertificate(
        pub,
        args.cluster,
        args.value,
        args.certificate.map((e) => ({ replica: e.replica!, signature: e.signature })),
        args.sequence,
        args.view,
      );
      const result = {
        valid: check.valid,
        mode: 'simulate' as const,
        signers: check.signers,
        quorum: check.quorum,
        ...(check.reason ? { reason: check.reason } : {}),
      };
      const summary = check.valid
        ? `Valid: ${check.signers.length} replicas of "${args.cluster}" (${check.signers.join(', ')}) signed this value at sequence ${args.sequence}, view ${args.view}; quorum ${check.quorum}.`
        : `Invalid certificate for "${args.cluster}": ${check.reason}`;
      return { result, summary };
    },
  });
}
