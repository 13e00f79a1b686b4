/**
 * Running code that generate_code wrote. It is a model's output, so it never runs in the
 * example's own process: a separate Node process under Node's permission model (no file system,
 * no child processes, no worker threads, no native addons), with an empty environment (no keys
 * to read), a memory cap and a time limit. It is not a complete sandbox (Node 20 does not limit
 * network access); the README says so.
 */
import { spawn } from 'node:child_process';

/** Node 20 calls the flag --experimental-permission; later versions --permission. */
const PERMISSION_FLAG = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';

/**
 * The child: reads {code, fn, shared, calls} as JSON on stdin, defines the code, calls
 * fn(shared, ...call) (fn(...call) without shared) for each call, writes {results} or {error} as
 * JSON on stdout. With chain, a call whose result is {ok: true} adds its last argument to
 * shared.items before the next call (a validator deciding items one after another).
 */
const CHILD = `
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  const out = (o) => process.stdout.write(JSON.stringify(o));
  const { code, fn, shared, calls, chain } = JSON.parse(input);
  let f;
  try {
    f = new Function(code + '\\n;return typeof ' + fn + ' === "function" ? ' + fn + ' : undefined;')();
  } catch (e) { out({ error: 'the code does not compile: ' + String(e && e.message).slice(0, 300) }); return; }
  if (typeof f !== 'function') { out({ error: 'the code defines no function ' + fn }); return; }
  const results = [];
  for (let i = 0; i < calls.length; i++) {
    let r;
    try { r = shared === undefined ? f(...calls[i]) : f(shared, ...calls[i]); }
    catch (e) { out({ error: 'call ' + i + ' threw: ' + String(e && e.message).slice(0, 300) }); return; }
    results.push(r);
    if (chain && r && r.ok === true) shared.items.push(calls[i][calls[i].length - 1]);
  }
  out({ results });
});
`;

export type SandboxResult<T> = { ok: true; results: T[] } | { ok: false; error: string };

/** Drops ES module syntax a model may add around a plain function (`export`, `export default`). */
export function plainScript(code: string): string {
  return code.replace(/^\s*export\s+default\s+/gm, '').replace(/^\s*export\s+(?=(async\s+)?function|const|let|var|class)/gm, '');
}

/**
 * Calls `fn(shared, ...call)` for every call (`fn(...call)` when `shared` is undefined: large
 * data shared by every call crosses once) inside a restricted child process. `fn` must be a plain
 * identifier. Results come back as JSON, so they are plain data.
 */
export function runGenerated<T>(
  code: string,
  fn: string,
  shared: unknown,
  calls: unknown[][],
  opts: { timeoutMs?: number; chain?: boolean } = {},
): Promise<SandboxResult<T>> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  if (!/^[A-Za-z_$][\w$]*$/.test(fn)) throw new Error(`not a function name: ${fn}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [PERMISSION_FLAG, '--no-warnings', '--max-old-space-size=256', '-e', CHILD], {
      env: {},
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const limit = 64 * 1024 * 1024;
    let why = '';
    const stop = (reason: string) => {
      why ||= reason;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(`stopped after ${timeoutMs} ms`), timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.length > limit) stop(`stopped after ${limit} bytes of output`);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err = (err + d).slice(-2000);
    });
    child.stdin.on('error', () => {}); // the child may die before reading everything
    child.on('error', (e) => resolve({ ok: false, error: `could not start node: ${e.message}` }));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal) return resolve({ ok: false, error: why || `killed by ${signal}` });
      try {
        const parsed = JSON.parse(out) as { results?: T[]; error?: string };
        if (parsed.error !== undefined) return resolve({ ok: false, error: parsed.error });
        if (!Array.isArray(parsed.results)) return resolve({ ok: false, error: 'no results' });
        resolve({ ok: true, results: parsed.results });
      } catch {
        resolve({ ok: false, error: `exit ${code}: ${(err || out).trim().slice(0, 300) || 'no output'}` });
      }
    });
    child.stdin.end(JSON.stringify({ code: plainScript(code), fn, shared, calls, chain: opts.chain === true }));
  });
}
