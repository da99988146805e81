/**
 * One worker of the pool, seen from the main thread: its life (loading,
 * ready, ended), the connections pinned to it, its outbox, and when it last
 * answered a ping. A worker reports how its loading went, and says so before
 * it closes itself (`self.close()`, `Deno.exit()`): Deno gives the host no
 * other sign, so a worker that goes silent without saying it closed is
 * taken to be stuck in JavaScript.
 *
 * @module
 */

import type { WorkerInit } from "../config/resolve.ts";
import { WorkerLoad } from "./balance.ts";
import { decodeCount } from "./frame_payloads.ts";
import { isOnlyFrame, readFrames } from "./frames.ts";
import {
  FrameRouter,
  type FrameTable,
  type FrameType,
  ToMain,
  ToPool,
  ToSocket,
  ToWorker,
} from "./frame_types.ts";
import type { WorkerCounters, WorkerStatus } from "./worker_report.ts";
import { Outbox } from "./outbox.ts";

/** A worker's module (or one it imports, such as the app) failed to load or to evaluate. */
export class WorkerLoadError extends Error {
  /** Creates the error; `timedOut` when it is --load-timeout that ended the load. */
  constructor(message: string, readonly timedOut = false) {
    super(message);
    this.name = "WorkerLoadError";
  }
}

/** The frames a worker sends that the pool passes on: a connection's, and the access log's and metrics'. */
export type Forwarded = ToSocket | typeof ToPool.Log | typeof ToPool.Metrics;

/** What a pool worker tells the pool. */
export interface PoolWorkerEvents {
  /** A frame for the server or a connection arrived. */
  frame(type: Forwarded, id: number, payload: Uint8Array): void;
  /** The worker loaded (the app, if any) and takes connections. */
  ready(worker: PoolWorker): void;
  /** The worker ended while `loading` (it could not load) or once `ready` (an uncaught error, or it closed itself). */
  ended(worker: PoolWorker, error: Error, during: "loading" | "ready"): void;
}

/**
 * A module worker and what the pool keeps about it.
 *
 * @example
 * ```ts ignore
 * import { PoolWorker } from "./pool_worker.ts";
 * const worker = new PoolWorker(0, url, init, { frame, ready, ended });
 * worker.ping();
 * ```
 */
export class PoolWorker {
  /** Its place in the pool, for messages. */
  readonly slot: number;
  /** Connections pinned to it. */
  readonly connections: Set<number> = new Set();
  /** Frames for it. */
  readonly outbox: Outbox<ToWorker>;
  /** Where it is in its life. */
  state: "loading" | "ready" | "ended" = "loading";
  /** When it last answered a ping, or was started. */
  lastAnswer: number = Date.now();
  /** What balancing knows of its load (`balance.ts`). */
  readonly load: WorkerLoad = new WorkerLoad();
  /** What it reported with its last pong. */
  counters: WorkerCounters | null = null;
  /** Its large cached bodies, by key (flow rule 9), and their bytes. */
  readonly #kept = new Map<number, Uint8Array>();
  keptBytes = 0;
  readonly #worker: Worker;
  readonly #events: PoolWorkerEvents;
  readonly #loadTimer: ReturnType<typeof setTimeout>;
  #onPong: (() => void)[] = [];
  #onEmpty: (() => void)[] = [];

  /** Starts a worker from `url` and sends it `init`; one not ready within `loadTimeout` ms has failed to load. */
  constructor(
    slot: number,
    url: URL | string,
    init: WorkerInit,
    events: PoolWorkerEvents,
    loadTimeout: number,
  ) {
    this.slot = slot;
    this.#events = events;
    // An app whose loading awaits for ever still answers pings: only a deadline tells it from a slow one.
    this.#loadTimer = setTimeout(() => {
      const seconds = loadTimeout / 1000;
      this.end(new WorkerLoadError(`the app did not load within ${seconds} s (--load-timeout)`, true));
    }, loadTimeout);
    const worker = this.#worker = new Worker(url, { type: "module" });
    this.outbox = new Outbox<ToWorker>((buffer) => worker.postMessage(buffer, [buffer]));
    worker.onmessage = (e: MessageEvent<ArrayBuffer | WorkerStatus>) => {
      if (e.data instanceof ArrayBuffer) {
        this.load.lastHeard = performance.now();
        return readFrames(e.data, this.#onFrame);
      }
      if (e.data.kind === "ready") {
        clearTimeout(this.#loadTimer);
        this.state = "ready";
        this.lastAnswer = Date.now();
        return events.ready(this);
      }
      const why = e.data.kind === "failed" ? e.data.message : `the app ended its worker (${e.data.how})`;
      this.end(new Error(why));
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.end(this.state === "loading" ? new WorkerLoadError(e.message) : new Error(e.message));
    };
    worker.postMessage(init);
  }

  /** Asks for a `Pong`. */
  ping(): void {
    this.outbox.push(ToWorker.Ping, 0);
  }

  /** Resolves once it has no connections (at once if it has none), or when it ends. */
  whenEmpty(): Promise<void> {
    if (this.connections.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#onEmpty.push(resolve));
  }

  /** Its last connection was released or moved. */
  emptied(): void {
    for (const resolve of this.#onEmpty.splice(0)) resolve();
  }

  /** Resolves at its next pong, or when it ends. */
  pong(): Promise<void> {
    return new Promise((resolve) => this.#onPong.push(resolve));
  }

  /**
   * Stops it. A worker running JavaScript that never yields is not stopped
   * by this (Deno only wakes its event loop): its thread runs on until the
   * process exits.
   */
  terminate(): void {
    clearTimeout(this.#loadTimer);
    this.state = "ended";
    this.#worker.terminate();
    for (const resolve of this.#onPong.splice(0)) resolve();
    this.emptied();
  }

  readonly #onFrame = (type: FrameType, id: number, payload: Uint8Array): void => {
    if (this.state === "ended") return;
    if (!PoolWorker.#fromWorker.route(this, type, id, payload)) {
      this.end(new Error(`the worker sent frame type ${type}, which no worker sends`));
    }
  };

  /** Passes each of `frames` on to the pool as it came. */
  static #forwardEach<F extends Record<string, Forwarded>>(frames: F): FrameTable<F, PoolWorker> {
    const each = Object.entries(frames).map(([name, type]) => [name, PoolWorker.#forward(type)]);
    return Object.fromEntries(each) as FrameTable<F, PoolWorker>;
  }

  /** Passes a frame on to the pool as it came. */
  static #forward(type: Forwarded): (w: PoolWorker, id: number, payload: Uint8Array) => void {
    return (w, id, payload) => w.#events.frame(type, id, payload);
  }

  /** Each frame a worker sends, as the main thread takes it: its own here, the rest to the pool. */
  static readonly #fromWorker: FrameRouter<PoolWorker> = FrameRouter.of(ToMain, {
    // A connection's frames go to its socket as they came (its table names each), but for a kept body's.
    ...PoolWorker.#forwardEach(ToSocket),
    Pong: (w, _id, payload) => {
      w.lastAnswer = Date.now();
      w.counters = JSON.parse(new TextDecoder().decode(payload));
      for (const resolve of w.#onPong.splice(0)) resolve();
    },
    Keep: (w, key, payload) => w.#keep(key, payload),
    Drop: (w, key) => {
      w.keptBytes -= w.#kept.get(key)?.length ?? 0;
      w.#kept.delete(key);
    },
    WriteKept: (w, id, payload) => {
      const body = w.#kept.get(decodeCount(payload));
      if (body === undefined) return w.end(new Error("the worker named a body it never had kept"));
      w.#events.frame(ToSocket.WriteKept, id, body);
    },
    Log: PoolWorker.#forward(ToPool.Log),
    Metrics: PoolWorker.#forward(ToPool.Metrics),
  });

  /**
   * Keeps a copy of a body: a copy, so that its frame's buffer goes back to
   * the worker for reuse (rule 8) and the body costs its own length, not a
   * spare's.
   */
  #keep(key: number, body: Uint8Array): void {
    this.#kept.set(key, body.slice());
    this.keptBytes += body.length;
    if (isOnlyFrame(body)) this.outbox.giveBack(body.buffer as ArrayBuffer);
  }

  /** It has failed (`error` says how): it is stopped, and the pool hears why and when. */
  end(error: Error): void {
    const during = this.state;
    if (during === "ended") return;
    this.terminate();
    this.#events.ended(this, error, during);
  }
}
