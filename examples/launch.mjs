// `npm run example -- <name>`: builds first when the build is missing or older than a source file
// (so a fresh clone needs nothing else, and a built one starts at once), then runs the example.
// Build output goes to stderr: the example's stdout ends with the path of its picture.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'examples', 'run.js');

function newest(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let max = 0;
  for (const e of readdirSync(path)) if (e !== 'out' && e !== 'node_modules') max = Math.max(max, newest(join(path, e)));
  return max;
}

// tsc rewrites only what changed, so compare sources with the last build that ran (its build
// info, or this launcher's stamp), not with the output files.
const stamp = join(root, 'dist', '.examples-built');
const sources = ['src', 'tools', 'resources', 'prompts', 'examples', 'tsconfig.json'].map((p) => newest(join(root, p)));
const built =
  existsSync(entry) && existsSync(join(root, 'dist', 'src', 'main.js'))
    ? Math.max(...[stamp, join(root, 'dist', '.tsbuildinfo')].map((p) => (existsSync(p) ? statSync(p).mtimeMs : 0)))
    : 0;
if (built < Math.max(...sources)) {
  process.stderr.write('building sixfold (npm run build) first...\n');
  const npm = process.env.npm_execpath;
  const r = npm
    ? spawnSync(process.execPath, [npm, 'run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 2, 2] })
    : spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) process.exit(r.status ?? 1);
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
}
const r = spawnSync(process.execPath, [entry, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
