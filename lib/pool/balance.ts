/**
 * Rule: which worker holds a connection (the Rust book's promise: one slow
 * request holds up no other). A worker's burden, in milliseconds, is how long
 * a request sent to it now may wait behind others:
 *
 * - for each of its slow connections, how long its last slow handler held the
 *   thread. The worker reports a first turn of {@linkcode SLOW_HANDLER} ms or
 *   more with `Slow`, before `End`; a connection is slow while
 *   {@linkcode SLOW_ANSWERS} of its last {@linkcode RECENT_ANSWERS} answers
 *   were: it will likely be again. One is not enough: under load a collection
 *   in the middle of a handler makes any answer slow once, and moving fast
 *   connections away and back for it costs more than the pause;
 * - and, while requests wait on it, how long it has been silent once that
 *   passes {@linkcode BUSY_AFTER} ms (a handler spinning, whoever it is).
 *
 * A new connection goes to a ready worker (one still loading only when none
 * is) with the fewest connections among those less than
 * {@linkcode SLOW_HANDLER} ms more burdened than the least. When a
 * keep-alive connection's next request begins, it moves if another ready
 * worker carries at least {@linkcode SLOW_HANDLER} ms less than what its own
 * carries besides it: fast connections leave a worker a slow one keeps busy,
 * the slow one stays, and noise (a cold first request) moves nothing back and
 * forth. Otherwise it moves only to even out connection counts that differ by
 * two or more, to a worker no more burdened (those that left come back). A
 * connection in a request, or no longer HTTP (a WebSocket), never moves
 * (`socket_state.ts`).
 *
 * @module
 */

/** A handler whose first turn (up to its first `await`) holds the thread this long (ms) is slow. */
export const SLOW_HANDLER = 5;
/** How many of a connection's last answers tell whether it is slow. */
export const RECENT_ANSWERS = 4;
/** How many of those must have been slow for it to be. */
export const SLOW_ANSWERS = 2;
/** How long (ms) a worker with requests waiting may send nothing before it counts as busy. */
export const BUSY_AFTER = 20;

/** What balancing knows of a worker's load, kept up to date by its sockets and its messages. */
export class WorkerLoad {
  /** Requests read on its connections and not yet answered. */
  waiting = 0;
  /** When (`performance.now()`) it last sent anything. */
  lastHeard = 0;
  /** Its slow connections, each with how long (ms) its last slow handler held the thread. */
  readonly #slow = new Map<number, number>();
  #slowTotal = 0;

  /** Connection `id` is slow: its last slow handler held the thread `ms`. */
  slow(id: number, ms: number): void {
    this.forget(id);
    this.#slow.set(id, ms);
    this.#slowTotal += ms;
  }

  /** Connection `id` is slow here no more (fast again, moved or closed). */
  forget(id: number): void {
    this.#slowTotal -= this.#slow.get(id) ?? 0;
    this.#slow.delete(id);
  }

  /**
   * Its burden (ms) at `now`, leaving out connection `id`'s own slowness.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BUSY_AFTER, WorkerLoad } from "./balance.ts";
   * const load = new WorkerLoad();
   * load.slow(7, 30);
   * load.slow(8, 10);
   * assert.equal(load.burden(0), 40);
   * assert.equal(load.burden(0, 7), 10);
   * load.waiting = 1;
   * assert.equal(load.burden(BUSY_AFTER - 1, 7), 10);
   * assert.equal(load.burden(BUSY_AFTER + 5, 7), 10 + BUSY_AFTER + 5);
   * ```
   */
  burden(now: number, id?: number): number {
    const silent = now - this.lastHeard;
    const busy = this.waiting > 0 && silent >= BUSY_AFTER ? silent : 0;
    return this.#slowTotal - (id === undefined ? 0 : this.#slow.get(id) ?? 0) + busy;
  }
}

/** What balancing reads of a worker. */
export interface Balanced {
  readonly state: "loading" | "ready" | "ended";
  readonly connections: ReadonlySet<number>;
  readonly load: WorkerLoad;
}

/**
 * The worker a new connection goes to, or null when there is none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leastLoaded, WorkerLoad } from "./balance.ts";
 * const worker = (state: "ready" | "loading", connections: number, slowMs = 0) => {
 *   const load = new WorkerLoad();
 *   if (slowMs > 0) load.slow(0, slowMs);
 *   return { state, connections: new Set(Array.from({ length: connections }, (_, i) => i)), load };
 * };
 * const [many, few, loading, slow] = [worker("ready", 3), worker("ready", 1), worker("loading", 0), worker("ready", 1, 10)];
 * assert.equal(leastLoaded([many, null, loading, few], 0), few);
 * assert.equal(leastLoaded([slow, many], 0), many); // 10 ms of slow handlers outweigh connections
 * assert.equal(leastLoaded([worker("ready", 1, 3), many], 0)?.connections.size, 1); // 3 ms does not
 * assert.equal(leastLoaded([null, loading], 0), loading);
 * assert.equal(leastLoaded([null], 0), null);
 * ```
 */
export function leastLoaded<W extends Balanced>(workers: readonly (W | null)[], now: number): W | null {
  const live = workers.filter((w): w is W => w !== null);
  const ready = live.filter((w) => w.state === "ready");
  const choices = ready.length > 0 ? ready : live;
  const burdens = choices.map((w) => w.load.burden(now));
  const least = Math.min(...burdens);
  // Burdens less than SLOW_HANDLER apart count as equal, and connections decide: a burst of new connections
  // spreads, rather than all going to one worker because the other's last slow answer took 6 ms.
  let best: W | null = null;
  choices.forEach((w, i) => {
    if (burdens[i] < least + SLOW_HANDLER && (best === null || w.connections.size < best.connections.size)) {
      best = w;
    }
  });
  return best;
}

/**
 * Where connection `id`, between requests on `current`, should go as its
 * next request begins: another ready worker, or null to stay.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { elsewhere, WorkerLoad } from "./balance.ts";
 * const worker = (ids: number[], slow: [number, number][] = []) => {
 *   const load = new WorkerLoad();
 *   for (const [id, ms] of slow) load.slow(id, ms);
 *   return { state: "ready" as const, connections: new Set(ids), load };
 * };
 * const shared = worker([1, 2], [[1, 50]]), quiet = worker([3, 4, 5], [[3, 8]]);
 * assert.equal(elsewhere(2, shared, [shared, quiet], 0), quiet); // fast leaves the slow one's worker
 * assert.equal(elsewhere(1, shared, [shared, quiet], 0), null); // the slow one stays
 * const noisy = worker([1, 2], [[1, 9]]);
 * assert.equal(elsewhere(2, noisy, [noisy, quiet], 0), null); // 1 ms apart: not worth a move
 * const crowded = worker([1, 2, 3, 4]), empty = worker([]);
 * assert.equal(elsewhere(1, crowded, [crowded, empty], 0), empty); // counts even out
 * assert.equal(elsewhere(1, worker([1, 2]), [worker([1, 2]), worker([3])], 0), null);
 * ```
 */
export function elsewhere<W extends Balanced>(
  id: number,
  current: W,
  workers: readonly (W | null)[],
  now: number,
): W | null {
  const stay = current.load.burden(now, id);
  // The least burdened other ready worker, by connections among equals.
  let best: W | null = null;
  let bestBurden = Infinity;
  for (const w of workers) {
    if (w === null || w === current || w.state !== "ready") continue;
    const burden = w.load.burden(now);
    if (burden < bestBurden || burden === bestBurden && w.connections.size < best!.connections.size) {
      best = w;
      bestBurden = burden;
    }
  }
  if (best === null) return null;
  if (bestBurden + SLOW_HANDLER <= stay) return best;
  // Even out the counts (connections that left a slow worker come back once it is not).
  const uneven = bestBurden <= stay && best.connections.size + 2 <= current.connections.size;
  return uneven ? best : null;
}
