/**
 * For the dashboard tests and bench: seeding a server with data of every kind through a real MCP
 * client, and Debian's Chromium driven by playwright-core (never a downloaded browser).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { chromium, type BrowserContext, type BrowserContextOptions } from 'playwright-core';
import type { FakeProvider } from '../../testkit/fake-provider.js';
import { callOk, readStatus } from './mcp.js';
import { REPO_ROOT } from './server.js';

export const CHROMIUM = '/usr/bin/chromium';
/**
 * Headless Chromium as root in a container: no sandbox (it needs user namespaces), no GPU, and no
 * background traffic (QUIC, updates, sync) that would reach for the network. The profile dir is
 * fresh per launch.
 */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Screenshots land here (gitignored); CI keeps them as artifacts. */
export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'screenshots');

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Chromium with a fresh profile (playwright passes it as --user-data-dir). */
export async function launchChromium(options: BrowserContextOptions = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); .ci/run does so when it is absent.`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'sixfold-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 860 },
    ...options,
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export function screenshotPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, `${name}.png`);
}

/** Env for a server whose LLM providers (anthropic, openai, gemini) all answer from the fake. */
export function fakeProviderEnv(fake: FakeProvider): Record<string, string> {
  return {
    ANTHROPIC_API_KEY: 'sk-ant-dashboard-0000',
    ANTHROPIC_BASE_URL: fake.origin,
    SIXFOLD_ANTHROPIC_MODEL: 'fake-claude',
    OPENAI_API_KEY: 'sk-dashboard-0000',
    OPENAI_BASE_URL: fake.baseURL,
    SIXFOLD_OPENAI_MODEL: 'fake-gpt',
    GEMINI_API_KEY: 'gm-dashboard-0000',
    GEMINI_BASE_URL: fake.geminiBaseURL,
    SIXFOLD_GEMINI_MODEL: 'fake-gemini',
  };
}

export const SEED_MEMORIES = [
  {
    content: 'Kubernetes rollout of the billing service is blocked on the database migration.',
    namespace: 'project.notes',
    tier: 'long_term',
    metadata: { source: 'standup', owner: 'ana' },
  },
  {
    content: 'Decision: ship v2 of the API behind a feature flag on Friday.',
    namespace: 'project.notes',
    tier: 'flashbulb',
    salience: 0.9,
  },
  {
    content: 'The flaky test in the payments suite comes from a shared temp directory.',
    namespace: 'project.notes',
    tier: 'working',
  },
  {
    content: 'PBFT tolerates f faulty replicas out of 3f+1; view changes replace a faulty primary.',
    namespace: 'research',
    tier: 'long_term',
    metadata: { topic: 'consensus' },
  },
  {
    content: 'CRDTs merge concurrent edits without coordination; Yjs encodes them as updates.',
    namespace: 'research',
    tier: 'long_term',
  },
  { content: 'Push-sum gossip converges to the mean in O(log n) rounds.', namespace: 'research', tier: 'long_term' },
  { content: 'Remember to rotate the staging API keys next week.', namespace: 'default', tier: 'working' },
];

export interface Seeded {
  /** Live memories after seeding, as sixfold://status counts them (the run's agents write some too). */
  memories: number;
  cluster: string;
  commits: number;
  doc: string;
  runId: string;
}

/**
 * Data of every kind the dashboard shows: memories in three namespaces and every tier, a PBFT
 * cluster with three commits (one after a view change), a CRDT document merged four times,
 * an ephemeral run of three agents, and router calls including failures (the fake answers
 * gemini with 500s).
 */
export async function seedDashboard(client: Client, fake: FakeProvider): Promise<Seeded> {
  for (const m of SEED_MEMORIES) await callOk(client, 'memory_store', m);
  const cluster = 'release';
  await callOk(client, 'byzantine_propose', { cluster, value: { decision: 'ship v2', by: 'ana' } });
  await callOk(client, 'byzantine_propose', {
    cluster,
    value: { decision: 'freeze on Friday' },
    faults: [{ replica: 1, behavior: 'silent' }],
  });
  await callOk(client, 'byzantine_propose', {
    cluster,
    value: { owner: 'ops', rota: [1, 2, 3] },
    faults: [{ replica: 2, behavior: 'silent' }],
  });
  const doc = 'design.doc';
  await callOk(client, 'crdt_merge', {
    doc,
    ops: [{ op: 'map_set', target: 'meta', key: 'title', value: 'Design notes' }],
    actor: 'ana',
  });
  await callOk(client, 'crdt_merge', {
    doc,
    ops: [{ op: 'text_insert', target: 'body', value: 'Gossip every second. ' }],
    actor: 'ana',
  });
  await callOk(client, 'crdt_merge', {
    doc,
    ops: [{ op: 'text_insert', target: 'body', index: 0, value: 'Draft: ' }],
    actor: 'bo',
  });
  await callOk(client, 'crdt_merge', {
    doc,
    ops: [
      { op: 'array_push', target: 'todo', value: 'review' },
      { op: 'map_set', target: 'meta', key: 'status', value: 'open' },
    ],
    actor: 'bo',
  });
  fake.script['fake-gpt'] = { answer: (p: string) => (/capital/i.test(p) ? 'Paris' : `Done: ${p.slice(-40)}`) };
  fake.script['fake-claude'] = { answer: (p: string) => (/capital/i.test(p) ? 'Paris.' : `Done: ${p.slice(-40)}`) };
  fake.script['fake-gemini'] = { status: 500, errorMessage: 'backend overloaded' };
  const run = await callOk<{ run_id: string }>(client, 'spawn_ephemeral', {
    task: 'Summarise the input in one line.',
    inputs: ['release plan', 'incident review', 'hiring notes'],
    provider: 'openai',
  });
  await callOk(client, 'multi_model_vote', {
    prompt: 'What is the capital of France? One word.',
    providers: ['openai', 'anthropic', 'gemini'],
    quorum: 'majority',
  }).catch(() => undefined); // the vote itself may fail with one provider down; the calls are what the router page shows
  const memories = (await readStatus(client)).counts.memories;
  return { memories, cluster, commits: 3, doc, runId: run.run_id };
}
