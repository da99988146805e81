/**
 * Rule: when a worker is stuck in JavaScript. One that has loaded and
 * answers no ping for `unresponsiveAfter` ms (and did not say it closed) is.
 * One still loading may run no JavaScript yet (its modules are fetched and
 * type-checked) and so answer nothing without being stuck: only a load that
 * `--load-timeout` ended while it was that silent is (a loop in the app's top
 * level). Deno cannot stop such a worker (`PoolWorker.terminate`), so the
 * pool fails and the process can be restarted instead of pretending.
 *
 * @module
 */

import { type PoolWorker, WorkerLoadError } from "./pool_worker.ts";

/** What a stuck worker's error says after how long it has been silent. */
const NEVER_YIELDS = "its JavaScript never yields, and Deno cannot stop it; weft must be restarted";

/** What a worker's health is judged on. */
type Watched = Pick<PoolWorker, "slot" | "state" | "lastAnswer">;

/**
 * Why `worker`, loaded, is stuck at `now`, or null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stuckNow } from "./health.ts";
 * assert.equal(stuckNow({ slot: 0, state: "ready", lastAnswer: 1000 }, 2000, 1500), null);
 * assert.match(stuckNow({ slot: 0, state: "ready", lastAnswer: 0 }, 2000, 1500)!.message, /^worker 1 has answered nothing for 2.0 s/);
 * assert.equal(stuckNow({ slot: 0, state: "loading", lastAnswer: 0 }, 60_000, 1500), null);
 * ```
 */
export function stuckNow(worker: Watched, now: number, unresponsiveAfter: number): Error | null {
  if (worker.state !== "ready" || now - worker.lastAnswer <= unresponsiveAfter) return null;
  return new Error(`${silence(worker, now)}: ${NEVER_YIELDS}`);
}

/**
 * Why `worker`, whose load ended with `error`, is stuck, or null: only a load
 * that timed out while the worker answered nothing for `unresponsiveAfter` ms.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stuckLoading } from "./health.ts";
 * import { WorkerLoadError } from "./pool_worker.ts";
 * const spinning = { slot: 1, state: "loading" as const, lastAnswer: 0 };
 * assert.match(stuckLoading(spinning, new WorkerLoadError("too slow", true), 3000, 1500)!.message, /^worker 2 .* while loading/);
 * assert.equal(stuckLoading(spinning, new WorkerLoadError("it threw"), 3000, 1500), null);
 * assert.equal(stuckLoading({ ...spinning, lastAnswer: 2900 }, new WorkerLoadError("too slow", true), 3000, 1500), null);
 * ```
 */
export function stuckLoading(
  worker: Watched,
  error: Error,
  now: number,
  unresponsiveAfter: number,
): Error | null {
  const timedOut = error instanceof WorkerLoadError && error.timedOut;
  if (!timedOut || now - worker.lastAnswer <= unresponsiveAfter) return null;
  return new Error(`${silence(worker, now)} while loading: ${NEVER_YIELDS}`);
}

function silence(worker: Watched, now: number): string {
  return `worker ${worker.slot + 1} has answered nothing for ${
    ((now - worker.lastAnswer) / 1000).toFixed(1)
  } s`;
}
