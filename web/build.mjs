/**
 * Bundles the dashboard (web/src) for the browser with esbuild: one ES module entry (app.js, with
 * app.css), lazy chunks per page and demo, no CDN. Pattern cores are bundled from src/patterns;
 * a module with a `.browser.ts` sibling is replaced by it (the web tsconfig's moduleSuffixes say
 * the same to the type checker), which is how consensus gets its browser crypto.
 *
 *   node web/build.mjs [outdir]     default dist/src/dashboard/assets (what the server serves)
 */
import { existsSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_OUTDIR = resolve(ROOT, 'dist/src/dashboard/assets');

/** `./x.js` -> `./x.browser.ts` when that file exists next to `./x.ts`. */
const browserSiblings = {
  name: 'browser-siblings',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const base = resolve(args.resolveDir, args.path).replace(/\.(js|ts)$/, '');
      const candidate = `${base}.browser.ts`;
      return existsSync(candidate) ? { path: candidate } : undefined;
    });
  },
};

/**
 * DDSketch (aggregate's quantiles) requires its protobuf encoding lazily, inside toProto/fromProto,
 * which sixfold never calls: the browser build gets a stub instead of protobufjs.
 */
const noSketchProto = {
  name: 'no-sketch-proto',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\/proto\/compiled$/ }, (args) =>
      args.importer.includes('@datadog/sketches-js') ? { path: 'ddsketch-proto', namespace: 'stub' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents:
        "module.exports = { get DDSketch() { throw new Error('DDSketch protobuf encoding is not in the browser build'); } };",
      loader: 'js',
    }));
  },
};

/** Builds into `outdir` (emptied first); returns esbuild's result with its metafile. */
export async function buildWeb(outdir = DEFAULT_OUTDIR, { minify = true } = {}) {
  rmSync(outdir, { recursive: true, force: true });
  return esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { app: 'web/src/main.tsx' },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome111', 'firefox115', 'safari16.4'],
    tsconfig: 'web/tsconfig.json',
    entryNames: '[name]',
    chunkNames: 'chunk-[hash]',
    minify,
    metafile: true,
    logLevel: 'warning',
    plugins: [browserSiblings, noSketchProto],
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outdir = process.argv[2] ? resolve(process.argv[2]) : DEFAULT_OUTDIR;
  const started = performance.now();
  const result = await buildWeb(outdir);
  const files = Object.keys(result.metafile.outputs).length;
  process.stderr.write(`web: ${files} files in ${outdir} (${Math.round(performance.now() - started)} ms)\n`);
}
