/**
 * How an old worker leaves the pool on a reload: it is told (`Leaving`: in
 * `--dev`, its live-reload streams end), its connections move to
 * live workers as each finishes its request in flight; what cannot move (a
 * WebSocket, a stream that outlives the drain timeout) is shut down with it,
 * as a graceful shutdown would; its last counts are fetched so that totals
 * do not go back. The worker's slot already holds its replacement.
 *
 * @module
 */

import { waitAtMost } from "../wait_at_most.ts";
import { ToWorker } from "./frame_types.ts";
import type { PoolWorker } from "./pool_worker.ts";

/** How long connections that cannot move may take to close after `Shutdown` (ms). */
const SHUTDOWN_WAIT = 2000;
/** How long its last counts may take (ms). */
const COUNTS_WAIT = 1000;

/**
 * Lets `old` lose its connections: `move` is told which to move once each
 * is between requests; resolves when it has none left, or the waits are
 * over. The caller then terminates it.
 *
 * @example
 * ```ts ignore
 * import { letLeave } from "./leave.ts";
 * await letLeave(old, (ids) => server.moveWhenIdle(ids), 10_000);
 * old.terminate();
 * ```
 */
export async function letLeave(
  old: PoolWorker,
  move: (ids: number[]) => void,
  drainTimeout: number,
): Promise<void> {
  old.outbox.push(ToWorker.Leaving, 0);
  if (old.connections.size > 0) {
    move([...old.connections]);
    await waitAtMost(old.whenEmpty(), drainTimeout);
  }
  if (old.connections.size > 0) {
    old.outbox.push(ToWorker.Shutdown, 0);
    await waitAtMost(old.whenEmpty(), SHUTDOWN_WAIT);
  }
  const counted = old.pong();
  old.ping();
  await waitAtMost(counted, COUNTS_WAIT);
}
