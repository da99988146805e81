/**
 * Rule: counts never go back. The pool's totals are what its workers report
 * now, fresh (each is pinged, and one that does not answer within a second
 * is taken as last reported), plus what workers that have ended had counted.
 *
 * @module
 */

import { waitAtMost } from "../wait_at_most.ts";
import type { PoolWorker } from "./pool_worker.ts";
import { addCounters, emptyCounters, type WorkerCounters } from "./worker_report.ts";

/** What the workers have counted, together, and the pool's own counts. */
export interface PoolCounters extends WorkerCounters {
  /** Workers running. */
  workers: number;
  /** Workers replaced after failing or hanging. */
  restarts: number;
  /** Bytes of the workers' cached bodies kept on the main thread (flow rule 9). */
  keptBodyBytes: number;
}

/** How long fresh counts are waited for before the last ones are used (ms). */
const FRESH_COUNTERS_WAIT = 1000;

/** The totals of `live` workers, asked afresh, and of those `retired`; `restarts` as the pool counted them. */
export async function freshCounters(
  live: PoolWorker[],
  retired: WorkerCounters,
  restarts: number,
): Promise<PoolCounters> {
  const answered = live.map((w) => w.pong());
  for (const w of live) w.ping();
  await waitAtMost(Promise.all(answered), FRESH_COUNTERS_WAIT);
  const ready = live.filter((w) => w.state === "ready");
  const keptBodyBytes = live.reduce((sum, w) => sum + w.keptBytes, 0);
  const total: PoolCounters = { ...emptyCounters(), workers: ready.length, restarts, keptBodyBytes };
  for (const counted of [retired, ...live.map((w) => w.counters)]) {
    if (counted !== null) addCounters(total, counted);
  }
  return total;
}
