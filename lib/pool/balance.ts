/**
 * Rule: which worker takes a connection. A ready worker before one still
 * loading (which gets connections only when none is ready: they wait for
 * it), then the one with the fewest connections pinned to it.
 *
 * @module
 */

import type { PoolWorker } from "./pool_worker.ts";

/**
 * The worker a new connection goes to, or null when there is none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leastLoaded } from "./balance.ts";
 * import type { PoolWorker } from "./pool_worker.ts";
 * const worker = (state: string, connections: number) =>
 *   ({ state, connections: new Set(Array.from({ length: connections }, (_, i) => i)) }) as unknown as PoolWorker;
 * const [busy, idle, loading] = [worker("ready", 3), worker("ready", 1), worker("loading", 0)];
 * assert.equal(leastLoaded([busy, null, loading, idle]), idle);
 * assert.equal(leastLoaded([null, loading]), loading);
 * assert.equal(leastLoaded([null]), null);
 * ```
 */
export function leastLoaded(workers: readonly (PoolWorker | null)[]): PoolWorker | null {
  const rank = (w: PoolWorker) =>
    (w.state === "ready" ? 0 : Number.MAX_SAFE_INTEGER / 2) + w.connections.size;
  let best: PoolWorker | null = null;
  for (const w of workers) if (w !== null && (best === null || rank(w) < rank(best))) best = w;
  return best;
}
