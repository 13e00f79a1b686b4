import type { ResourceLink } from '@modelcontextprotocol/sdk/types.js';

/**
 * resource_link content for tool results: the resource a call made or changed, so a client can
 * read it (resources/read) or subscribe to it. Each URI is one a registered resource resolves.
 */
export function memoryLink(m: { id: string; namespace: string }): ResourceLink {
  return { type: 'resource_link', uri: `memory://${m.namespace}/${m.id}`, name: `memory ${m.id}`, mimeType: 'application/json' };
}

export function agentsLink(runId: string): ResourceLink {
  return { type: 'resource_link', uri: `agents://${runId}`, name: `agents of run ${runId}`, mimeType: 'application/json' };
}

export function trajectoryLink(id: string): ResourceLink {
  return { type: 'resource_link', uri: `trajectory://${id}`, name: `trajectory ${id}`, mimeType: 'application/json' };
}

export function crdtLink(doc: string): ResourceLink {
  return {
    type: 'resource_link',
    uri: `crdt://${encodeURIComponent(doc)}`,
    name: `CRDT document ${doc}`,
    mimeType: 'application/json',
  };
}
