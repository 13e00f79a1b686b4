import type { Config } from './config.js';
import type { Logger } from './log.js';
import type { MemoryStore } from './memory/store.js';
import type { Router } from './router/router.js';

/** Everything a tool, resource or prompt may use; built once in main.ts, passed in, never imported. */
export interface Deps {
  config: Config;
  log: Logger;
  store: MemoryStore;
  router: Router;
  version: string;
  startedAt: number;
}
