// Drives a sixfold installed from the packed tarball (`npm install -g --prefix PREFIX`) the way a
// user's client would: the stdio entry of the repository's mcp.json (command `sixfold`), found on
// PATH in PREFIX/bin, under the MCP SDK's real Client: initialize, tools/list, memory_store, then
// memory_search finding it. Also `sixfold --version` and `sixfold doctor` from the same install.
// Run by .ci/run; not part of the package. Usage: node .ci/drive-installed.mjs PREFIX
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const prefix = resolve(process.argv[2] ?? '');
const bin = join(prefix, 'bin');
const installed = join(prefix, 'lib', 'node_modules', 'sixfold');
assert.ok(existsSync(join(bin, 'sixfold')), `no sixfold command in ${bin}`);

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const entry = JSON.parse(readFileSync(join(ROOT, 'mcp.json'), 'utf8')).mcpServers.sixfold;
assert.equal(entry.command, 'sixfold', 'mcp.json runs the installed command');

// What was installed: the runtime dependencies, none of the dev tooling.
for (const dev of Object.keys(pkg.devDependencies)) {
  assert.ok(!existsSync(join(installed, 'node_modules', dev)), `devDependency ${dev} was installed`);
}

const tmp = mkdtempSync(join(tmpdir(), 'sixfold-ci-installed-'));
const env = {
  PATH: `${bin}${delimiter}${process.env.PATH}`,
  HOME: tmp,
  XDG_DATA_HOME: join(tmp, 'xdg'),
  SIXFOLD_DB: join(tmp, 'installed.db'),
  ...entry.env,
};
const withTimeout = (p, ms, what) => {
  let t;
  return Promise.race([
    p,
    new Promise((_, rej) => {
      t = setTimeout(() => rej(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
};

try {
  const version = execFileSync('sixfold', ['--version'], { env, encoding: 'utf8' }).trim();
  assert.equal(version, pkg.version);

  const transport = new StdioClientTransport({ command: entry.command, args: entry.args ?? [], env, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (c) => {
    stderr += c;
  });
  const client = new Client({ name: 'sixfold-ci', version: '0.0.0' });
  try {
    await withTimeout(client.connect(transport), 30_000, 'initialize');
    assert.deepEqual(client.getServerVersion(), { name: 'sixfold', title: 'sixfold', version: pkg.version });

    const tools = (await client.listTools()).tools.map((t) => t.name);
    for (const name of [
      'memory_store',
      'memory_search',
      'multi_model_vote',
      'byzantine_propose',
      'crdt_merge',
      'spawn_ephemeral',
      'aggregate',
      'apply_edit',
    ]) {
      assert.ok(tools.includes(name), `tools/list lacks ${name}: ${tools.join(', ')}`);
    }

    const content = 'The installed sixfold keeps what it is told across the tarball install path.';
    const stored = await client.callTool({ name: 'memory_store', arguments: { content, namespace: 'ci' } });
    assert.ok(!stored.isError, JSON.stringify(stored.content));
    const id = stored.structuredContent.id;

    const found = await client.callTool({ name: 'memory_search', arguments: { query: 'tarball install path', namespace: 'ci' } });
    assert.ok(!found.isError, JSON.stringify(found.content));
    assert.equal(found.structuredContent.results[0]?.id, id, 'memory_search finds the stored memory first');
    assert.equal(found.structuredContent.results[0].content, content);
    console.log(
      `installed sixfold ${version} under Node ${process.version}: initialize, tools/list (${tools.length} tools), memory_store, memory_search ok`,
    );
  } catch (err) {
    console.error(`server stderr:\n${stderr}`);
    throw err;
  } finally {
    await client.close();
  }

  // The install's own native modules load under this Node, and doctor reads the database written above.
  const doctor = execFileSync('sixfold', ['doctor'], { env, encoding: 'utf8' });
  assert.match(doctor, new RegExp(`better-sqlite3 +\\S+ loads`));
  assert.match(doctor, new RegExp(`sqlite-vec +\\S+ loads \\(${installed.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`));
  assert.match(doctor, /database +\S+installed\.db \(schema \d+, 1 memories, embedder use-lite \(512 dims\)\)/);
  console.log(doctor.trimEnd());
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
