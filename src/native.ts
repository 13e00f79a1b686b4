import { createRequire } from 'node:module';
import { SixfoldError } from './errors.js';

/**
 * Native addons (better-sqlite3) are compiled for one Node ABI. Run under another Node — after an
 * upgrade, or with a global install made by a different Node — and loading them fails with a
 * dlopen error that better-sqlite3 surfaces from `new Database()`. Left alone, that reads like a
 * database problem; this turns it into one that names the module, both Node versions and the fix.
 */

// Node's own wording (src/node_binding.cc): "...compiled against a different Node.js version
// using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 137."
const ABI_MISMATCH = /NODE_MODULE_VERSION (\d+)\.\s+This version of Node\.js requires\s+NODE_MODULE_VERSION (\d+)/;
// The `bindings` package, when no compiled addon exists (the install script never ran).
const NOT_BUILT = /^Could not locate the bindings file/;
const MODULE_PATH = /The module '([^']+)'/;

/** "Node 20" for NODE_MODULE_VERSION 115, from node-abi's registry; undefined for one it does not know. */
function nodeForAbi(abi: string): string | undefined {
  try {
    const nodeAbi = createRequire(import.meta.url)('node-abi') as { getTarget(abi: string, runtime: string): string };
    return `Node ${nodeAbi.getTarget(abi, 'node').split('.')[0]}`;
  } catch {
    return undefined;
  }
}

/** The folder holding node_modules/<module> (where `npm rebuild` must run), from the addon's path in `text`. */
function installRoot(text: string, module: string): string | undefined {
  const quoted = MODULE_PATH.exec(text)?.[1];
  const path = quoted ?? text.split(/\s/).find((word) => word.replaceAll('\\', '/').includes(`/node_modules/${module}/`));
  if (!path) return undefined;
  const marker = `/node_modules/${module}/`;
  const at = path.replaceAll('\\', '/').lastIndexOf(marker);
  return at > 0 ? path.slice(0, at) : undefined;
}

function rebuildHint(module: string, root: string | undefined): string {
  const where = root ? `in ${root}` : `in the folder that holds node_modules/${module}`;
  return `Run "npm rebuild ${module}" ${where} with this Node (${process.version}) first on your PATH, or reinstall sixfold under it.`;
}

/**
 * A SixfoldError describing why native module `module` failed to load, or undefined when `err`
 * is not a native-load failure (e.g. the database file itself could not be opened).
 */
export function nativeLoadError(err: unknown, module: string): SixfoldError | undefined {
  if (!(err instanceof Error)) return undefined;
  const text = err.message;
  const mismatch = ABI_MISMATCH.exec(text);
  if (mismatch) {
    const [, built, running] = mismatch;
    const builtFor = nodeForAbi(built);
    return new SixfoldError(
      'unavailable',
      `The native module ${module} was built for NODE_MODULE_VERSION ${built}${builtFor ? ` (${builtFor})` : ''}, ` +
        `but this is Node ${process.version} (NODE_MODULE_VERSION ${running}).`,
      rebuildHint(module, installRoot(text, module)),
      { cause: err },
    );
  }
  if (NOT_BUILT.test(text)) {
    return new SixfoldError(
      'unavailable',
      `The native module ${module} is not built (its install script did not run, e.g. under --ignore-scripts or an allow-scripts policy that left it out).`,
      `Reinstall with its install script allowed (a global install: npm install -g sixfold --allow-scripts=${module}), ` +
        `or run "npm rebuild ${module}" in the folder that holds node_modules/${module}.`,
      { cause: err },
    );
  }
  if ((err as NodeJS.ErrnoException).code === 'ERR_DLOPEN_FAILED') {
    const first = text.split('\n')[0].slice(0, 300);
    return new SixfoldError(
      'unavailable',
      `The native module ${module} failed to load: ${first}`,
      rebuildHint(module, installRoot(text, module)),
      { cause: err },
    );
  }
  return undefined;
}

/** sqlite-vec ships one prebuilt extension per platform as an optional dependency. */
export function sqliteVecLoadError(err: unknown): SixfoldError {
  const first = (err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 300);
  return new SixfoldError(
    'unavailable',
    `The SQLite extension sqlite-vec failed to load on ${process.platform}-${process.arch}: ${first}`,
    'sqlite-vec has prebuilt extensions for linux-x64, linux-arm64, darwin-x64, darwin-arm64 and win32-x64; ' +
      'reinstall sixfold without --omit=optional so npm installs the one for this platform.',
    { cause: err },
  );
}
