import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Deps } from '../src/deps.js';
import { invalidInput, notFound } from '../src/errors.js';
import { consensusStoreFor } from '../src/memory/consensus-store.js';
import { canonicalJson } from '../src/canonical-json.js';
import { verifyCertificate } from '../src/patterns/consensus/certificate.js';
import { defineTool, toolInput } from '../src/tool-kit.js';
import { clusterField } from './byzantine-propose.js';

export function registerVerifyCertificateTool(server: McpServer, deps: Deps): void {
  defineTool(server, deps, {
    name: 'verify_certificate',
    title: 'Check a byzantine_propose certificate with public keys',
    description:
      'Checks that a certificate from byzantine_propose holds at least 2f+1 valid Ed25519 signatures from distinct replicas of ' +
      'the cluster over (cluster, view, sequence, digest of value). Uses only the public keys (also at consensus://{cluster}/keys); ' +
      'any change to the value, sequence, view or a signature makes it invalid.',
    input: toolInput({
      cluster: clusterField,
      value: z.unknown().refine((v) => v !== undefined, 'value is missing; send the committed JSON value'),
      certificate: z
        .array(
          z.strictObject({
            replica: z.number({ error: 'certificate[].replica must be a whole number' }).int('certificate[].replica must be a whole number'),
            signature: z.string({ error: 'certificate[].signature must be a base64 string' }).max(200, 'certificate[].signature is too long for an Ed25519 signature'),
          }, { error: 'each certificate entry must be {"replica": <index>, "signature": "<base64>"}' }),
          { error: 'certificate must be the array byzantine_propose returned: [{"replica": 0, "signature": "..."}]' },
        )
        .min(1, 'certificate is empty; send the signatures byzantine_propose returned')
        .max(64, 'certificate has more than 64 entries'),
      sequence: z.number({ error: 'sequence must be a whole number' }).int('sequence must be a whole number').min(1, 'sequence must be at least 1'),
      view: z.number({ error: 'view must be a whole number' }).int('view must be a whole number').min(0, 'view must be at least 0'),
    }),
    output: z.object({ valid: z.boolean(), signers: z.array(z.number().int()), quorum: z.number().int(), reason: z.string().optional() }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    async run(args) {
      if (Buffer.byteLength(canonicalJson(args.value)) > 64 * 1024) throw invalidInput('value is over 64 KiB as JSON.', 'No committed value is larger; check what you sent.');
      const pub = consensusStoreFor(deps.store).publicKeys(args.cluster);
      if (!pub) throw notFound(`No consensus cluster "${args.cluster}".`, 'Use the cluster name byzantine_propose returned.');
      const check = verifyCertificate(pub, args.cluster, args.value, args.certificate, args.sequence, args.view);
      const result = { valid: check.valid, signers: check.signers, quorum: check.quorum, ...(check.reason ? { reason: check.reason } : {}) };
      const summary = check.valid
        ? `Valid: ${check.signers.length} replicas of "${args.cluster}" (${check.signers.join(', ')}) signed this value at sequence ${args.sequence}, view ${args.view}; quorum ${check.quorum}.`
        : `Invalid certificate for "${args.cluster}": ${check.reason}`;
      return { result, summary };
    },
  });
}
