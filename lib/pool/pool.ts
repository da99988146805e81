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
 * - A worker that answers no ping for `unresponsiveAfter` ms and did not say
 *   it closed is stuck in JavaScript, and Deno cannot stop that (see
 *   `PoolWorker.terminate`): the pool routes nothing more to it and has failed,
 *   so that the process can be restarted instead of pretending.
 *
 * @module
 */

import type { WorkerInit } from "../config/resolve.ts";
import { waitAtMost } from "../wait_at_most.ts";
import { addDurations } from "./durations.ts";
import type { FrameHandler, FrameType } from "./frames.ts";
import { emptyCounters, type WorkerCounters } from "./worker_report.ts";
import { PoolWorker } from "./pool_worker.ts";

export { WorkerLoadError } from "./pool_worker.ts";

/** Options for {@linkcode WorkerPool}. */
export interface WorkerPoolOptions {
  /** How many workers. */
  size: number;
  /** The module each worker starts from. */
  url: URL | string;
  /** The first message each worker gets. */
  init: WorkerInit;
  /** Called for each frame a worker sends. */
  onFrame: FrameHandler;
  /** Called with the connections of a worker that ended or went silent: they belong to no worker now. */
  onWorkerLost: (ids: number[], why: string) => void;
  /** Called once the pool cannot go on (a worker is stuck, or none can load): the server must stop. */
  onFailure: (error: Error) => void;
  /** A worker that has not answered a ping for this many milliseconds is stuck. */
  unresponsiveAfter: number;
}

/** What the workers have counted, together, and the pool's own counts. */
export interface PoolCounters extends WorkerCounters {
  /** Workers running. */
  workers: number;
  /** Workers replaced after failing or hanging. */
  restarts: number;
}

/** How often each worker is pinged (ms). */
const PING_INTERVAL = 500;
/** How long {@linkcode WorkerPool.counters} waits for fresh counts before using the last ones (ms). */
const FRESH_COUNTERS_WAIT = 1000;
/** The first and the longest wait before loading a replacement again (ms). */
const RETRY_FIRST = 1000;
const RETRY_MOST = 30_000;

/**
 * Module workers that own connections.
 *
 * @example
 * ```ts ignore
 * import { FrameType } from "./frames.ts";
 * import { WorkerPool } from "./pool.ts";
 * const pool = new WorkerPool({ size: 2, url, init, onFrame, onWorkerLost, onFailure, unresponsiveAfter: 31_000 });
 * await pool.ready;
 * if (pool.assign(1)) pool.send(FrameType.Open, 1, encodeRemoteAddr(conn.remoteAddr));
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

  /** Starts `options.size` workers. */
  constructor(options: WorkerPoolOptions) {
    this.#options = options;
    for (let slot = 0; slot < options.size; slot++) this.#workers.push(this.#spawn(slot));
    this.ready = this.#starting.promise;
    this.ready.then(() => (this.#started = true), () => {});
    this.#heartbeat = setInterval(() => this.#checkHealth(), PING_INTERVAL);
  }

  /** Pins a connection to the ready worker with the fewest connections (a loading one if none is ready). */
  assign(id: number): boolean {
    const rank = (w: PoolWorker) =>
      (w.state === "ready" ? 0 : Number.MAX_SAFE_INTEGER / 2) + w.connections.size;
    let best: PoolWorker | null = null;
    for (const w of this.#workers) if (w !== null && (best === null || rank(w) < rank(best))) best = w;
    if (best === null || this.#failed) return false;
    best.connections.add(id);
    this.#owner.set(id, best);
    return true;
  }

  /** Queues a frame for the worker that owns connection `id`. */
  send(type: FrameType, id: number, payload?: Uint8Array): void {
    this.#owner.get(id)?.outbox.push(type, id, payload);
  }

  /** Gives a written buffer back to the worker of connection `id`, for its next large payload. */
  giveBack(id: number, buffer: ArrayBuffer): void {
    this.#owner.get(id)?.outbox.giveBack(buffer);
  }

  /** Forgets a connection that has closed. */
  release(id: number): void {
    this.#owner.get(id)?.connections.delete(id);
    this.#owner.delete(id);
  }

  /** Queues a frame for every worker (connection id 0). */
  broadcast(type: FrameType): void {
    for (const w of this.#workers) w?.outbox.push(type, 0);
  }

  /**
   * The workers' counters, fresh: every worker is pinged and answers with
   * its counts (one that does not within a second is taken as last reported).
   */
  async counters(): Promise<PoolCounters> {
    const live = this.#workers.filter((w) => w !== null);
    const answered = live.map((w) => w.pong());
    for (const w of live) w.ping();
    await waitAtMost(Promise.all(answered), FRESH_COUNTERS_WAIT);
    const ready = live.filter((w) => w.state === "ready");
    const total: PoolCounters = { ...emptyCounters(), workers: ready.length, restarts: this.#restarts };
    for (const counted of [this.#retired, ...live.map((w) => w.counters)]) {
      if (counted !== null) addCounters(total, counted);
    }
    return total;
  }

  /** Stops every worker at once. */
  terminate(): void {
    clearInterval(this.#heartbeat);
    for (const timer of this.#retries) clearTimeout(timer);
    for (const w of this.#workers) w?.terminate();
    this.#workers.fill(null);
    this.#owner.clear();
  }

  /**
   * Takes a worker that ended or went silent out of the pool (`next` takes its
   * slot, if any), and hands its connections on.
   */
  #retire(worker: PoolWorker, why: string, next: PoolWorker | null = null): void {
    this.#workers[worker.slot] = next;
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

  #spawn(slot: number): PoolWorker {
    return new PoolWorker(slot, this.#options.url, this.#options.init, {
      frame: this.#options.onFrame,
      ready: () => {
        this.#failures[slot] = 0;
        if (this.#workers.every((w) => w?.state === "ready")) this.#starting.resolve();
      },
      ended: (worker, error, during) => {
        if (!this.#started || during === "loading") {
          this.#retire(worker, error.message);
          return this.#started ? this.#retry(slot, error) : this.#fail(error);
        }
        console.error(`weft: worker ${slot + 1} failed (${error.message}); it was replaced`);
        this.#restarts++;
        this.#retire(worker, error.message, this.#spawn(slot));
      },
    });
  }

  /** A replacement could not load: try again later, and fail if no worker is ready meanwhile. */
  #retry(slot: number, error: Error): void {
    const failures = this.#failures[slot] = (this.#failures[slot] ?? 0) + 1;
    const wait = Math.min(RETRY_MOST, RETRY_FIRST * 2 ** (failures - 1));
    console.error(
      `weft: worker ${slot + 1} could not start (${error.message.split("\n")[0]}); trying again in ${
        wait / 1000
      } s`,
    );
    if (!this.#workers.some((w) => w?.state === "ready")) {
      return this.#fail(new Error(`no worker can start: ${error.message.split("\n")[0]}`));
    }
    const timer = setTimeout(() => {
      this.#retries.delete(timer);
      this.#restarts++;
      this.#workers[slot] = this.#spawn(slot);
    }, wait);
    this.#retries.add(timer);
  }

  /** Takes out workers that answer no ping (stuck in JavaScript), then pings every worker. */
  #checkHealth(): void {
    const now = Date.now();
    for (const w of this.#workers) {
      if (w === null || now - w.lastAnswer <= this.#options.unresponsiveAfter) continue;
      const silent = `worker ${w.slot + 1} has answered nothing for ${
        ((now - w.lastAnswer) / 1000).toFixed(1)
      } s`;
      w.terminate();
      this.#retire(w, silent);
      this.#fail(
        new Error(
          `${silent}: its JavaScript never yields, and Deno cannot stop it; weft must be restarted`,
        ),
      );
    }
    for (const w of this.#workers) w?.ping();
  }
}

function addCounters(total: WorkerCounters, more: WorkerCounters): void {
  for (const [status, n] of Object.entries(more.responses)) {
    total.responses[status] = (total.responses[status] ?? 0) + n;
  }
  total.bytes += more.bytes;
  total.inFlight += more.inFlight;
  total.websockets += more.websockets;
  total.messagesReceived += more.messagesReceived;
  total.messagesSent += more.messagesSent;
  total.postsFromMain += more.postsFromMain;
  total.postsToMain += more.postsToMain;
  addDurations(total.durations, more.durations);
}
