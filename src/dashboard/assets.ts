import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/**
 * The front-end bundle (web/, built by web/build.mjs into dist/src/dashboard/assets), read once
 * into memory with a gzip copy and an ETag each. Only files found there at start are served: a
 * request names a key of this map, never a path on disk.
 */

export interface Asset {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  etag: string;
}

const TYPES = new Map([
  ['.js', 'text/javascript; charset=utf-8'],
  ['.css', 'text/css; charset=utf-8'],
  ['.svg', 'image/svg+xml'],
  ['.png', 'image/png'],
  ['.woff2', 'font/woff2'],
]);

/** Next to this module once built: dist/src/dashboard/assets. */
export const DEFAULT_ASSETS_DIR = fileURLToPath(new URL('./assets/', import.meta.url));

export function loadAssets(dir: string): Map<string, Asset> {
  const out = new Map<string, Asset>();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const type = TYPES.get(extname(name));
    if (!type) continue; // source maps and the like are not served
    const body = readFileSync(join(dir, name));
    const compressible = type.startsWith('text/') || type === 'image/svg+xml';
    out.set(name, {
      body,
      gzip: compressible && body.length > 1024 ? gzipSync(body, { level: 9 }) : null,
      type,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    });
  }
  return out;
}
