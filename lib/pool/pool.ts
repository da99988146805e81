/**
 * The pool of module workers, seen from the main thread: it pins each
 * connection to a ready worker, and keeps the pool whole.
 *
 * - At start, `ready` waits for every worker; the first that cannot load
 *   (or ends, or goes silent) rejects it.
 * - A worker that ends once running (an uncaught error, `self.close()`) is
 *   replaced at once; its connections go to `onWorkerLost`.
 * - A replacement that cannot load is tried again after 1, 2, 4 … 30 s;
 *   if meanwhile no worker is ready at all, the pool has failed.
 * - `reload` replaces the workers one at a time: a new worker loads (the
 *   app afresh) and takes the slot, then the old one's connections move to
 *   live workers as each finishes its request in flight; the old one ends
 *   once it has none, or after the drain timeout (a WebSocket, a stream).
 *   Reloads run one after another (`reload_queue.ts`), none before `ready`.
 * - A worker not ready within `loadTimeout` has failed to load: at start the
 *   pool fails, on a reload the reload does.
 * - A worker stuck in JavaScript (`health.ts`), in a slot or not, cannot be
 *   stopped: the pool routes nothing more to it and has failed.
 *
 * @module
 */

import type { WorkerInit } from "../config/resolve.ts";
import type { ToWorker } from "./frame_types.ts";
import { elsewhere, leastLoaded, type WorkerLoad } from "./balance.ts";
import { stuckLoading, stuckNow } from "./health.ts";
import { letLeave } from "./leave.ts";
import { ReloadQueue } from "./reload_queue.ts";
import { freshCounters, type PoolCounters } from "./pool_counters.ts";
import { addCounters, emptyCounters, type WorkerCounters } from "./worker_report.ts";
import { PoolWorker, type PoolWorkerEvents } from "./pool_worker.ts";

export { WorkerLoadError } from "./pool_worker.ts";
export type { PoolCounters } from "./pool_counters.ts";

/** Options for {@linkcode WorkerPool}. */
export interface WorkerPoolOptions {
  /** How many workers. */
  size: number;
  /** The module each worker starts from. */
  url: URL | string;
  /** The first message each worker gets, as it is when the worker starts (a reload may change it). */
  init: () => WorkerInit;
  /** Called for each frame a worker sends for the server or a connection (of a connection it still holds). */
  onFrame: PoolWorkerEvents["frame"];
  /** Called with the connections of a worker that ended or went silent: they belong to no worker now. */
  onWorkerLost: (ids: number[], why: string) => void;
  /** Called once the pool cannot go on (a worker is stuck, or none can load): the server must stop. */
  onFailure: (error: Error) => void;
  /** A worker that has not answered a ping for this many milliseconds is stuck. */
  unresponsiveAfter: number;
  /** On reload, how long an old worker's connections may take to move or finish (ms). */
  drainTimeout: number;
  /** How long a worker may take to load (ms). */
  loadTimeout: number;
}

/** How often each worker is pinged (ms). */
const PING_INTERVAL = 500;
/** The first and the longest wait before loading a replacement again (ms). */
const RETRY_FIRST = 1000;
const RETRY_MOST = 30_000;

/**
 * Module workers that own connections.
 *
 * @example
 * ```ts ignore
 * import { ToWorker } from "./frame_types.ts";
 * import { WorkerPool } from "./pool.ts";
 * const pool = new WorkerPool({ size: 2, url, init, onFrame, onWorkerLost, onFailure, unresponsiveAfter: 31_000 });
 * await pool.ready;
 * if (pool.assign(1)) pool.send(ToWorker.Open, 1, encodeRemoteAddr(conn.remoteAddr));
 * ```
 */
export class WorkerPool {
  /** Resolves when every worker has started; rejects with the first one's failure. */
  readonly ready: Promise<void>;
  readonly #options: WorkerPoolOptions;
  /** A worker per slot; `null` while a slot waits to load again. */
  readonly #workers: (PoolWorker | null)[] = [];
  readonly #owner = new Map<number, PoolWorker>();
  readonly #starting = Promise.withResolvers<void>();
  readonly #heartbeat: ReturnType<typeof setInterval>;
  readonly #retries = new Set<ReturnType<typeof setTimeout>>();
  /** Failed loads in a row, per slot. */
  readonly #failures: number[] = [];
  #started = false;
  #failed = false;
  #restarts = 0;
  /** What ended workers had counted, so totals do not go back. */
  readonly #retired: WorkerCounters = emptyCounters();
  /** Workers in no slot: one loading for a reload, old ones leaving (until their connections are gone). */
  readonly #outOfSlot = new Set<PoolWorker>();
  #terminated = false;
  readonly #reloads = new ReloadQueue();

  /** Starts `options.size` workers. */
  constructor(options: WorkerPoolOptions) {
    this.#options = options;
    for (let slot = 0; slot < options.size; slot++) this.#workers.push(this.#spawn(slot));
    this.ready = this.#starting.promise;
    this.ready.then(() => (this.#started = true), () => {});
    this.#heartbeat = setInterval(() => this.#checkHealth(), PING_INTERVAL);
  }

  /** Pins a connection to `worker`, or the one `balance.ts` picks; false when there is none. */
  assign(id: number, worker = leastLoaded(this.#workers, performance.now())): boolean {
    if (worker === null || this.#failed) return false;
    worker.connections.add(id);
    this.#owner.set(id, worker);
    return true;
  }

  /** What balancing knows of the load of connection `id`'s worker (`balance.ts`), if it has one. */
  loadOf(id: number): WorkerLoad | undefined {
    return this.#owner.get(id)?.load;
  }

  /** As connection `id`'s next request begins: how to move it to a less burdened worker, or null to stay. */
  moveAway(id: number): (() => boolean) | null {
    const current = this.#owner.get(id);
    if (current === undefined || this.#failed) return null;
    const target = elsewhere(id, current, this.#workers, performance.now());
    return target === null ? null : () => this.reassign(id, target);
  }

  /** Queues a frame for the worker that owns connection `id`. */
  send(type: ToWorker, id: number, payload?: Uint8Array): void {
    this.#owner.get(id)?.outbox.push(type, id, payload);
  }

  /** Gives a written buffer back to the worker of connection `id`, for its next large payload. */
  giveBack(id: number, buffer: ArrayBuffer): void {
    this.#owner.get(id)?.outbox.giveBack(buffer);
  }

  /** Forgets a connection that has closed. */
  release(id: number): void {
    const worker = this.#owner.get(id);
    worker?.connections.delete(id);
    this.#owner.delete(id);
    if (worker?.connections.size === 0) worker.emptied();
  }

  /** Moves a connection between requests to `worker`, or the best live one; false (and released) if none. */
  reassign(id: number, worker?: PoolWorker): boolean {
    this.release(id);
    return this.assign(id, worker);
  }

  /** Queues a frame for every worker (connection id 0). */
  broadcast(type: ToWorker, payload?: Uint8Array): void {
    for (const w of [...this.#workers, ...this.#outOfSlot]) w?.outbox.push(type, 0, payload);
  }

  /**
   * Replaces every worker, one at a time, without dropping a request:
   * `move` is told which connections to move as each finishes its request in
   * flight (calling {@linkcode WorkerPool.reassign}). Rejects, leaving the
   * rest of the old workers in place, if a new worker cannot load. A reload
   * asked for while one runs starts after it; one asked for before `ready`
   * starts once the pool is ready.
   */
  reload(move: (ids: number[]) => void): Promise<void> {
    return this.#reloads.ask(async () => {
      await this.ready;
      await this.#reloadAll(move);
    });
  }

  async #reloadAll(move: (ids: number[]) => void): Promise<void> {
    for (let slot = 0; slot < this.#workers.length && !this.#terminated; slot++) {
      const fresh = Promise.withResolvers<PoolWorker>();
      const next = this.#spawn(slot, fresh);
      this.#outOfSlot.add(next);
      await fresh.promise.finally(() => this.#outOfSlot.delete(next));
      if (this.#terminated) return;
      const old = this.#workers[slot];
      this.#workers[slot] = next;
      if (old === null) continue;
      this.#outOfSlot.add(old);
      await letLeave(old, move, this.#options.drainTimeout);
      // Unless it failed meanwhile (and was retired then), or the pool was terminated:
      if (!this.#outOfSlot.delete(old)) continue;
      old.terminate();
      this.#forget(old, "the worker was replaced by a reload");
    }
  }

  /**
   * The workers' counters, fresh: every worker is pinged and answers with
   * its counts (one that does not within a second is taken as last reported).
   */
  counters(): Promise<PoolCounters> {
    return freshCounters(this.#workers.filter((w) => w !== null), this.#retired, this.#restarts);
  }

  /** Stops every worker at once. */
  terminate(): void {
    clearInterval(this.#heartbeat);
    for (const timer of this.#retries) clearTimeout(timer);
    for (const w of [...this.#workers, ...this.#outOfSlot]) w?.terminate();
    this.#workers.fill(null);
    this.#outOfSlot.clear();
    this.#terminated = true;
    this.#owner.clear();
  }

  /** Takes a worker that ended or went silent out of its slot (`next` takes it, if any), and forgets it. */
  #retire(worker: PoolWorker, why: string, next: PoolWorker | null = null): void {
    this.#workers[worker.slot] = next;
    this.#forget(worker, why);
  }

  /** Keeps what a worker that left counted, and hands its connections on. */
  #forget(worker: PoolWorker, why: string): void {
    if (worker.counters !== null) {
      addCounters(this.#retired, { ...worker.counters, inFlight: 0, websockets: 0 });
    }
    const ids = [...worker.connections];
    for (const id of ids) this.#owner.delete(id);
    if (ids.length > 0) this.#options.onWorkerLost(ids, why);
  }

  /** The pool cannot go on: say so once. */
  #fail(error: Error): void {
    if (!this.#started) return this.#starting.reject(error);
    if (this.#failed) return;
    this.#failed = true;
    this.#options.onFailure(error);
  }

  /** Starts a worker for `slot`; a reload's (`fresh`) hears when it is ready, or why it could not load. */
  #spawn(slot: number, fresh?: PromiseWithResolvers<PoolWorker>): PoolWorker {
    const worker: PoolWorker = new PoolWorker(slot, this.#options.url, this.#options.init(), {
      // A connection that moved on a reload is its new worker's: what the old one still says of it is stale.
      frame: (type, id, payload) => {
        if (id === 0 || this.#owner.get(id) === worker) this.#options.onFrame(type, id, payload);
      },
      ready: () => {
        this.#failures[slot] = 0;
        fresh?.resolve(worker);
        if (this.#workers.every((w) => w?.state === "ready")) this.#starting.resolve();
      },
      ended: (worker, error, during) => {
        const stuck = stuckLoading(worker, error, Date.now(), this.#options.unresponsiveAfter);
        if (stuck !== null) this.#fail(stuck);
        if (fresh !== undefined && during === "loading") return fresh.reject(error);
        if (this.#outOfSlot.delete(worker)) return this.#forget(worker, error.message);
        // A pool that has failed (a worker stuck) replaces no worker: it is stopping.
        if (this.#failed) return this.#retire(worker, error.message);
        if (!this.#started || during === "loading") {
          this.#retire(worker, error.message);
          return this.#started ? this.#retry(slot, error) : this.#fail(error);
        }
        console.error(`weft: worker ${slot + 1} failed (${error.message}); it was replaced`);
        this.#restarts++;
        this.#retire(worker, error.message, this.#spawn(slot));
      },
    }, this.#options.loadTimeout);
    return worker;
  }

  /** A replacement could not load: try again later, and fail if no worker is ready meanwhile. */
  #retry(slot: number, error: Error): void {
    const failures = this.#failures[slot] = (this.#failures[slot] ?? 0) + 1;
    const wait = Math.min(RETRY_MOST, RETRY_FIRST * 2 ** (failures - 1));
    const why = error.message.split("\n")[0];
    console.error(`weft: worker ${slot + 1} could not start (${why}); trying again in ${wait / 1000} s`);
    if (!this.#workers.some((w) => w?.state === "ready")) {
      return this.#fail(new Error(`no worker can start: ${why}`));
    }
    const timer = setTimeout(() => {
      this.#retries.delete(timer);
      this.#restarts++;
      this.#workers[slot] = this.#spawn(slot);
    }, wait);
    this.#retries.add(timer);
  }

  /** Takes out workers that answer no ping (stuck in JavaScript), in a slot or not, then pings them all. */
  #checkHealth(): void {
    const now = Date.now();
    const live = [...this.#workers, ...this.#outOfSlot].filter((w): w is PoolWorker =>
      w?.state !== "ended" && w !== null
    );
    for (const w of live) {
      const stuck = stuckNow(w, now, this.#options.unresponsiveAfter);
      if (stuck === null) continue;
      // Failed first, so that the worker's end replaces nothing.
      this.#fail(stuck);
      w.end(stuck);
    }
    for (const w of live) w.ping();
  }
}
