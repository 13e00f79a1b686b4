import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's root: the nearest folder up from here whose package.json is sixfold's (works from examples/ and dist/examples/). */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'sixfold') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the sixfold checkout (package.json) above the example');
    dir = up;
  }
}

export const REPO_ROOT = findRoot();
/** The built server the examples start, as a user's client would. */
export const SERVER_MAIN = join(REPO_ROOT, 'dist', 'src', 'main.js');
/** Where pictures go unless --out says otherwise (ignored by git). */
export const DEFAULT_OUT = join(REPO_ROOT, 'examples', 'out');
