/**
 * The pool of module workers, seen from the main thread: it pins each
 * connection to one worker, batches frames per worker, and hands the frames
 * that come back to the server.
 *
 * Frames queued during one turn of the event loop leave in one `postMessage`
 * per worker (flushed from a microtask), because a message per request costs
 * more than the work it carries.
 *
 * @module
 */

import type { WorkerInit } from "../config/resolve.ts";
import { waitAtMost } from "../wait_at_most.ts";
import {
  type FrameHandler,
  FrameType,
  readFrames,
  type WorkerCounters,
  type WorkerStatus,
} from "./frames.ts";
import { Outbox } from "./outbox.ts";

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
  /**
   * Called with the connections of a worker that died or stopped answering;
   * it has been replaced, and these connections belong to no worker now.
   */
  onWorkerLost: (ids: number[], error: string) => void;
  /** A worker that has not answered a ping for this many milliseconds is replaced. */
  unresponsiveAfter: number;
}

/** A worker's module (or one it imports, such as the app) failed to load or to evaluate. */
export class WorkerLoadError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "WorkerLoadError";
  }
}

/** How often each worker is pinged. */
const PING_INTERVAL = 500;
/** How long {@linkcode WorkerPool.counters} waits for fresh counts before using the last ones. */
const FRESH_COUNTERS_WAIT = 1000;

/** What the workers have counted, together, and the pool's own counts. */
export interface PoolCounters extends WorkerCounters {
  /** Workers running. */
  workers: number;
  /** Workers replaced after failing or hanging. */
  restarts: number;
}

interface PoolWorker {
  worker: Worker;
  outbox: Outbox;
  connections: Set<number>;
  /** Settles when the worker has loaded (the app, if any). */
  ready: Promise<void>;
  /** When it last answered a ping (or started). */
  lastPong: number;
  /** What it reported with its last pong. */
  counters: WorkerCounters | null;
  /** Called at its next pong. */
  onPong: (() => void)[];
}

/**
 * Module workers that own connections.
 *
 * @example
 * ```ts ignore
 * import { FrameType } from "./frames.ts";
 * import { WorkerPool } from "./pool.ts";
 * const pool = new WorkerPool({ size: 2, url, init, onFrame, onWorkerLost, unresponsiveAfter: 31_000 });
 * pool.assign(1);
 * pool.send(FrameType.Open, 1, encodeRemoteAddr(conn.remoteAddr));
 * ```
 */
export class WorkerPool {
  readonly #options: WorkerPoolOptions;
  readonly #workers: PoolWorker[] = [];
  readonly #owner = new Map<number, PoolWorker>();
  #next = 0;
  #restarts = 0;
  /** What replaced workers had counted, so totals do not go back. */
  readonly #retired: WorkerCounters = { responses: {}, bytes: 0, inFlight: 0 };
  /** Resolves when every worker has started; rejects with the first one's load error. */
  readonly ready: Promise<void>;

  /** Starts `options.size` workers. */
  constructor(options: WorkerPoolOptions) {
    this.#options = options;
    for (let i = 0; i < options.size; i++) this.#workers.push(this.#spawn());
    this.ready = Promise.all(this.#workers.map((w) => w.ready)).then(() => {});
    this.ready.catch(() => {});
    this.#heartbeat = setInterval(() => this.#checkHealth(), PING_INTERVAL);
  }

  readonly #heartbeat: ReturnType<typeof setInterval>;

  /** Replaces workers that stopped answering pings (a blocked event loop, or `self.close()`), then pings all. */
  #checkHealth(): void {
    const now = Date.now();
    for (const w of [...this.#workers]) {
      if (now - w.lastPong > this.#options.unresponsiveAfter) {
        this.#replace(w, `no answer for ${now - w.lastPong} ms`);
      }
    }
    this.broadcast(FrameType.Ping);
  }

  /** Pins a new connection to the worker with the fewest connections. */
  assign(id: number): void {
    let best = this.#workers[this.#next++ % this.#workers.length];
    for (const w of this.#workers) {
      if (w.connections.size < best.connections.size) best = w;
    }
    best.connections.add(id);
    this.#owner.set(id, best);
  }

  /** Queues a frame for the worker that owns connection `id`. */
  send(type: FrameType, id: number, payload?: Uint8Array): void {
    const owner = this.#owner.get(id);
    if (owner === undefined) return;
    owner.outbox.push(type, id, payload);
  }

  /**
   * The workers' counters, fresh: every worker is pinged and answers with
   * its counts (one that does not within a second is taken as last reported).
   */
  async counters(): Promise<PoolCounters> {
    const answered = this.#workers.map((w) => new Promise<void>((resolve) => w.onPong.push(resolve)));
    this.broadcast(FrameType.Ping);
    await waitAtMost(Promise.all(answered), FRESH_COUNTERS_WAIT);
    const total: PoolCounters = {
      responses: {},
      bytes: 0,
      inFlight: 0,
      workers: this.#workers.length,
      restarts: this.#restarts,
    };
    for (const counted of [this.#retired, ...this.#workers.map((w) => w.counters)]) {
      if (counted !== null) addCounters(total, counted);
    }
    return total;
  }

  /** Forgets a connection that has closed. */
  release(id: number): void {
    this.#owner.get(id)?.connections.delete(id);
    this.#owner.delete(id);
  }

  /** Queues a frame for every worker (connection id 0). */
  broadcast(type: FrameType): void {
    for (const w of this.#workers) w.outbox.push(type, 0);
  }

  /** Stops every worker at once. */
  terminate(): void {
    clearInterval(this.#heartbeat);
    for (const w of this.#workers) w.worker.terminate();
    this.#workers.length = 0;
    this.#owner.clear();
  }

  #spawn(): PoolWorker {
    const worker = new Worker(this.#options.url, { type: "module" });
    const ready = Promise.withResolvers<void>();
    ready.promise.catch(() => {});
    let loaded = false;
    const entry: PoolWorker = {
      worker,
      outbox: new Outbox((buffer) => worker.postMessage(buffer, [buffer])),
      connections: new Set(),
      ready: ready.promise,
      // Loading an app may take a while: the clock starts once the worker is ready.
      lastPong: Infinity,
      counters: null,
      onPong: [],
    };
    worker.onmessage = (e: MessageEvent<ArrayBuffer | WorkerStatus>) => {
      if (e.data instanceof ArrayBuffer) {
        readFrames(e.data, (type, id, payload) => {
          if (type === FrameType.Pong) {
            entry.lastPong = Date.now();
            entry.counters = JSON.parse(new TextDecoder().decode(payload));
            for (const resolve of entry.onPong.splice(0)) resolve();
          } else this.#options.onFrame(type, id, payload);
        });
      } else if (e.data.kind === "ready") {
        loaded = true;
        entry.lastPong = Date.now();
        ready.resolve();
      } else ready.reject(new Error(e.data.message));
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      ready.reject(new WorkerLoadError(e.message));
      // A worker that fails while starting would fail again: only a running one is replaced.
      if (loaded) this.#replace(entry, e.message);
    };
    worker.postMessage(this.#options.init);
    return entry;
  }

  #replace(dead: PoolWorker, error: string): void {
    const index = this.#workers.indexOf(dead);
    if (index === -1) return;
    dead.worker.terminate();
    this.#restarts++;
    if (dead.counters !== null) addCounters(this.#retired, { ...dead.counters, inFlight: 0 });
    for (const resolve of dead.onPong.splice(0)) resolve();
    this.#workers[index] = this.#spawn();
    const ids = [...dead.connections];
    for (const id of ids) this.#owner.delete(id);
    this.#options.onWorkerLost(ids, error);
  }
}

function addCounters(total: WorkerCounters, more: WorkerCounters): void {
  for (const [status, n] of Object.entries(more.responses)) {
    total.responses[status] = (total.responses[status] ?? 0) + n;
  }
  total.bytes += more.bytes;
  total.inFlight += more.inFlight;
}
