/**
 * The dashboard in a real browser: Debian's Chromium (playwright-core, executablePath
 * /usr/bin/chromium, fresh profile) against the built server over HTTP, seeded through a real MCP
 * client with data of every kind (LLM calls answered by the loopback fake provider). Each page is
 * loaded, its content checked, a search and a certificate verification clicked through, a live
 * update awaited, the three in-browser demos run, and a screenshot taken per page
 * (test-artifacts/screenshots). One browser for the file; one page reused.
 *
 * Nothing sleeps: every wait is for something on the page (playwright's auto-waiting locators).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startFakeProvider, type FakeProvider } from '../../testkit/fake-provider.js';
import {
  fakeProviderEnv,
  launchChromium,
  screenshotPath,
  seedDashboard,
  type Browser,
  type Seeded,
} from '../helpers/dashboard.js';
import { callOk } from '../helpers/mcp.js';
import {
  connectHttpClient,
  makeTempDir,
  startHttpServer,
  type HttpClientHandle,
  type HttpServerHandle,
  type TempDir,
} from '../helpers/server.js';

const TOKEN = 'browser-test-token-0123456789';
const WAIT = 15_000;

describe('dashboard in Chromium', () => {
  let fake: FakeProvider;
  let tmp: TempDir;
  let server: HttpServerHandle;
  let mcp: HttpClientHandle;
  let seeded: Seeded;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  const open = async (hash: string) => {
    await page.goto(`${server.origin}/#/${hash}`);
    await page.locator('h1').first().waitFor({ timeout: WAIT });
  };
  const shot = (name: string) => page.screenshot({ path: screenshotPath(name), fullPage: true });

  beforeAll(async () => {
    fake = await startFakeProvider();
    tmp = makeTempDir('sixfold-browser-');
    server = await startHttpServer({ db: tmp.db, xdg: tmp.xdg, env: fakeProviderEnv(fake) });
    mcp = await connectHttpClient(server.url);
    seeded = await seedDashboard(mcp.client, fake);
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await mcp?.close();
    await server?.close().catch(() => {});
    await fake?.close();
    tmp?.remove();
  });

  it('overview: counts of everything, and the live stream connects', async () => {
    await open('overview');
    await expect.poll(() => page.locator('.stat').count()).toBe(6);
    const text = await page.locator('main').innerText();
    expect(text).toMatch(new RegExp(`Memories\\s+${seeded.memories}\\b`));
    expect(text).toMatch(/Consensus commits\s+3\b/);
    expect(text).toMatch(/CRDT documents\s+1\b/);
    await page.locator('.live-live').waitFor();
    await shot('overview');
  });

  it('a memory stored meanwhile appears on the open page (Server-Sent Events, no reload)', async () => {
    await open('overview');
    await page.locator('.live-live').waitFor();
    await callOk(mcp.client, 'memory_store', {
      content: 'Live update check: the dashboard refreshes itself.',
      namespace: 'default',
    });
    await expect.poll(() => page.locator('main').innerText()).toMatch(new RegExp(`Memories\\s+${seeded.memories + 1}\\b`));
  });

  it('memory: namespaces, tiers, a search clicked through to a memory', async () => {
    await open('memory');
    const facets = page.getByRole('complementary', { name: 'Filters' });
    await facets.getByRole('link', { name: 'project.notes' }).waitFor();
    await expect.poll(() => page.locator('table.rows tbody tr').count()).toBe(seeded.memories + 1);
    await facets.getByRole('link', { name: 'research' }).click();
    await expect.poll(() => page.locator('table.rows tbody tr').count()).toBe(3);

    await facets.getByRole('link', { name: 'all' }).first().click(); // every namespace again
    await expect.poll(() => page.locator('table.rows tbody tr').count()).toBe(seeded.memories + 1);
    await page.getByLabel('Search memories').fill('kubernetes rollout');
    await page.getByRole('button', { name: 'Search' }).click();
    const first = page.locator('table.rows tbody tr').first();
    await expect.poll(() => first.innerText()).toContain('Kubernetes rollout');
    expect(page.url()).toContain('q=kubernetes');
    await first.getByRole('link').click();
    const detail = page.getByRole('region', { name: 'Memory detail' });
    await detail.getByText('standup').waitFor(); // metadata
    expect(await detail.innerText()).toContain('project.notes');
    await shot('memory');
  });

  it('consensus: the committed log, and a certificate verified in the browser (a forged value fails)', async () => {
    await open('consensus');
    await page.getByRole('heading', { name: `Cluster ${seeded.cluster}` }).waitFor();
    await expect.poll(() => page.locator('table.rows tbody tr').count()).toBe(seeded.commits);
    await page.getByRole('button', { name: 'Verify sequence 1' }).click();
    await page.getByRole('button', { name: 'Verify in this browser' }).click();
    const result = page.getByTestId('verify-result');
    await expect.poll(() => result.innerText()).toMatch(/Valid certificate: [34] of 4 replicas signed \(quorum 3\)/);
    await shot('consensus');
    await page.getByLabel(/Value to check/).fill('{"decision":"ship v3","by":"ana"}');
    await page.getByRole('button', { name: 'Verify in this browser' }).click();
    await expect.poll(() => result.innerText()).toMatch(/Not valid: 0 of 4/);
  });

  it('CRDT documents: current JSON and update history', async () => {
    await open('crdt');
    await page.getByRole('heading', { name: seeded.doc }).waitFor();
    const json = page.getByLabel(`Current JSON of ${seeded.doc}`);
    await expect.poll(() => json.innerText()).toContain('Draft: Gossip every second.');
    expect(await json.innerText()).toContain('"status": "open"');
    await expect.poll(() => page.locator('table.rows tbody tr').count()).toBe(4);
    await shot('crdt');
  });

  it('agent runs: the run, a timeline bar per agent, status and cost', async () => {
    await open('agents');
    await page.locator('svg[role="img"]').waitFor();
    await expect.poll(() => page.locator('.timeline rect.tl-run').count()).toBe(3);
    const text = await page.locator('main').innerText();
    expect(text).toContain(seeded.runId.slice(0, 8));
    expect(text).toMatch(/succeeded/);
    await shot('agents');
  });

  it('router: providers, charts over time, recent failures', async () => {
    await open('router');
    await page.getByRole('cell', { name: 'gemini' }).first().waitFor();
    await expect.poll(() => page.locator('figure.chart canvas').count()).toBeGreaterThanOrEqual(4);
    const text = await page.locator('main').innerText();
    expect(text).toContain('Recent failures');
    expect(text).toContain('backend overloaded');
    await shot('router');
  });

  it('cluster peers: says no cluster is configured', async () => {
    await open('peers');
    await page.getByRole('heading', { name: 'No cluster configured' }).waitFor();
    await shot('peers');
  });

  it('demo: PBFT with a silent primary commits after a view change, drawn as a message-sequence diagram', async () => {
    await open('demo-pbft');
    await page.getByRole('button', { name: 'Run' }).click();
    const outcome = page.getByTestId('pbft-outcome');
    await expect.poll(() => outcome.innerText()).toMatch(/Committed at sequence 1, view 1 after 1 view change/);
    expect(await page.locator('svg.sequence line[marker-end]').count()).toBeGreaterThan(20);
    await shot('demo-pbft');
  });

  it('demo: CRDT playground merges edits made while one replica was offline', async () => {
    await open('demo-crdt');
    const a = page.getByTestId('node-A');
    const b = page.getByTestId('node-B');
    await a.getByLabel('Shared text on A').fill('hello');
    await expect.poll(() => b.getByLabel('Shared text on B').inputValue()).toBe('hello');
    await b.getByLabel('Online').uncheck();
    await a.getByLabel('Shared text on A').fill('hello world');
    await b.getByLabel('Shared text on B').fill('well, hello');
    await b.getByLabel('Add to the shared list on B').fill('offline item');
    await b.getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => page.getByTestId('converged').innerText()).toMatch(/differ/);
    await b.getByLabel('Online').check();
    await expect.poll(() => page.getByTestId('converged').innerText()).toMatch(/same document/);
    const merged = await a.getByLabel('Shared text on A').inputValue();
    expect(merged).toBe(await b.getByLabel('Shared text on B').inputValue());
    expect(merged).toContain('world');
    expect(merged).toContain('well,');
    expect(await a.getByRole('list', { name: 'Shared list on A' }).innerText()).toContain('offline item');
    await shot('demo-crdt');
  });

  it('demo: tree aggregation drawn with failures; push-sum converging', async () => {
    await open('demo-aggregate');
    await page.getByRole('button', { name: 'Run' }).click();
    const outcome = page.getByTestId('aggregate-outcome');
    await expect.poll(() => outcome.innerText()).toMatch(/64 agents, depth 3/);
    expect(await page.locator('svg.tree circle').count()).toBe(64);
    expect(await page.locator('svg.tree circle.failed').count()).toBeGreaterThan(0);
    await shot('demo-aggregate');
    await page.getByLabel('Push-sum gossip').check();
    await page.getByRole('button', { name: 'Run' }).click();
    await expect.poll(() => outcome.innerText()).toMatch(/rounds \(converged\)/);
    await page.locator('figure.chart canvas').first().waitFor();
  });

  it('keyboard: the menu is reachable and the skip link moves focus to the content', async () => {
    await open('overview');
    await page.reload(); // a fresh load: focus starts at the top of the document
    await page.locator('.stat').first().waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: 'Consensus' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Consensus', level: 1 }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
  });

  it('no page error or console error on any page', () => {
    expect(problems).toEqual([]);
  });

  describe('with a token', () => {
    let secured: HttpServerHandle;
    let tmp2: TempDir;

    beforeAll(async () => {
      tmp2 = makeTempDir('sixfold-browser-token-');
      secured = await startHttpServer({ db: tmp2.db, xdg: tmp2.xdg, env: { SIXFOLD_HTTP_TOKEN: TOKEN } });
    });

    afterAll(async () => {
      await secured?.close().catch(() => {});
      tmp2?.remove();
    });

    it('without credentials nothing is served: the browser gets a Basic challenge it cannot answer', async () => {
      const p = await browser.context.newPage(); // this profile has no credentials
      await expect(p.goto(`${secured.origin}/`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
      await p.close();
      const res = await browser.context.request.get(`${secured.origin}/`);
      expect(res.status()).toBe(401);
      expect(res.headers()['www-authenticate']).toMatch(/^Basic realm="sixfold"/);
      expect(await res.text()).not.toContain('app.js');
    });

    it('with the token as the Basic password the dashboard loads and its live stream connects', async () => {
      await browser.context.setHTTPCredentials({ username: 'me', password: TOKEN, origin: secured.origin });
      const p = await browser.context.newPage();
      try {
        const res = await p.goto(`${secured.origin}/#/overview`);
        expect(res?.status()).toBe(200);
        await p.locator('.stat').first().waitFor({ timeout: WAIT });
        await p.locator('.live-live').waitFor({ timeout: WAIT });
      } finally {
        await p.close();
      }
    });
  });
});
