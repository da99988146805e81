/**
 * One worker's side of the wire: it routes the main thread's frames to the
 * worker's connections and holds what they share — the outbox, the handler,
 * the stream budget, the in-flight count and counters, and shutdown. Each
 * frame type has its handler in one table. One timer per worker, not one per
 * connection, checks every deadline: the worker's (`http_worker.ts`), which
 * calls {@linkcode Dispatcher.tick} with the time, so tests pass their own.
 *
 * @module
 */

import type { WorkerInit } from "../lib/config/resolve.ts";
import type { Handler } from "../lib/handler.ts";
import { StreamBudget } from "../lib/pool/flow.ts";
import { decodeCount, decodeRemoteAddr } from "../lib/pool/frame_payloads.ts";
import { batchSentAt, epochNow, isGivenBack, readFrames } from "../lib/pool/frames.ts";
import { FrameRouter, type FrameType, type ToMain, ToPool, ToWorker } from "../lib/pool/frame_types.ts";
import { observeDuration } from "../lib/pool/durations.ts";
import { emptyCounters, type WorkerCounters } from "../lib/pool/worker_report.ts";
import type { Outbox } from "../lib/pool/outbox.ts";
import { Connection } from "./connection.ts";
import type { ConnectionHost } from "./connection_host.ts";
import type { Took } from "./exchange.ts";
import type { KeptBodies } from "./kept_bodies.ts";
import type { LiveReload } from "../lib/dev/live_reload.ts";

/** How often deadlines are checked (ms), at most. */
const DEADLINE_TICK = 250;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The worker's connections and what they share.
 *
 * @example
 * ```ts ignore
 * import { Dispatcher } from "./dispatcher.ts";
 * const dispatcher = new Dispatcher(init, handler, outbox, new KeptBodies(outbox));
 * dispatcher.receive(buffer);
 * ```
 */
export class Dispatcher implements ConnectionHost {
  readonly init: WorkerInit;
  readonly handler: Handler;
  readonly outbox: Outbox<ToMain>;
  readonly budget: StreamBudget = new StreamBudget();
  readonly kept: KeptBodies;
  shuttingDown = false;
  /** When the main thread handed over the batch being read, and when it arrived (`epochNow`). */
  #batchSentAt = 0;
  #batchReceivedAt = 0;
  readonly #connections = new Map<number, Connection>();
  /** Responses by status, body bytes and requests in flight, reported with each `Pong`. */
  readonly #counters: WorkerCounters = emptyCounters();
  /** HTTP/2 streams waiting for a place under the in-flight limit, first come first served. */
  readonly #placeWaiters: (() => void)[] = [];
  /** The live-reload streams, in `--dev`. */
  readonly #live: LiveReload | null;
  /** Connections waiting for the metrics page from the main thread. */
  readonly #metricsWaiting = new Map<number, (page: string | null) => void>();

  /** Starts checking deadlines; `kept` are the bodies of the handler's file cache kept on the main thread. */
  constructor(
    init: WorkerInit,
    handler: Handler,
    outbox: Outbox<ToMain>,
    kept: KeptBodies,
    live: LiveReload | null = null,
  ) {
    this.init = init;
    this.#live = live;
    this.handler = handler;
    this.outbox = outbox;
    this.kept = kept;
  }

  /** Applies a message from the main thread: a batch of frames. */
  receive(buffer: ArrayBuffer): void {
    this.#counters.postsFromMain++;
    if (isGivenBack(buffer)) return this.outbox.reuse(buffer);
    this.#batchSentAt = batchSentAt(buffer);
    this.#batchReceivedAt = epochNow();
    readFrames(buffer, this.onFrame);
  }

  /** Applies one frame from the main thread; a type the main thread never sends fails the worker. */
  readonly onFrame = (type: FrameType, id: number, payload: Uint8Array): void => {
    if (!Dispatcher.#fromMain.route(this, type, id, payload)) {
      throw new Error(`frame type ${type} is not one a worker gets`);
    }
  };

  /** Checks every connection's deadlines at `now` (`Date.now()`); the worker calls it each {@linkcode tickEvery}. */
  tick(now: number): void {
    for (const connection of this.#connections.values()) connection.expire(now);
  }

  /** How often (ms) deadlines need checking: often enough for the shortest timeout. */
  get tickEvery(): number {
    const { header, idle, body } = this.init.timeouts;
    return Math.min(DEADLINE_TICK, header, idle, body);
  }

  /** Each frame the main thread sends, as this worker applies it. */
  static readonly #fromMain: FrameRouter<Dispatcher> = FrameRouter.of(ToWorker, {
    Ping: (d) => {
      d.#counters.postsToMain = d.outbox.posted;
      d.outbox.push(ToPool.Pong, 0, encoder.encode(JSON.stringify(d.#counters)));
    },
    Changed: (d, _id, payload) => d.#live?.changed(JSON.parse(decoder.decode(payload))),
    Leaving: (d) => {
      d.#live?.end({ cssOnly: false });
      for (const connection of d.#connections.values()) connection.leaving();
    },
    Shutdown: (d) => {
      d.#live?.end();
      d.shuttingDown = true;
      for (const connection of [...d.#connections.values()]) connection.shutdown();
    },
    Open: (d, id, payload) => d.#connections.set(id, new Connection(id, decodeRemoteAddr(payload), d)),
    Http2: (d, id) => d.#connections.get(id)?.agreedHttp2(),
    Data: (d, id, payload) => {
      const connection = d.#connections.get(id);
      if (connection === undefined) return;
      connection.dataSentAt = d.#batchSentAt;
      connection.dataReceivedAt = d.#batchReceivedAt;
      connection.receive(payload);
    },
    Eof: (d, id) => d.#connections.get(id)?.receiveEof(),
    Written: (d, id, payload) => d.#connections.get(id)?.writes.window.written(decodeCount(payload)),
    FileWritten: (d, id) => d.#connections.get(id)?.writes.window.fileWritten(),
    Gone: (d, id) => d.#connections.get(id)?.forget("the client went away"),
    MetricsPage: (d, id, payload) => d.#metricsWaiting.get(id)?.(decoder.decode(payload)),
  });

  awaitPlace(take: () => void): (() => void) | null {
    if (this.#placeWaiters.length >= this.init.maxInFlight) return null;
    this.#placeWaiters.push(take);
    return () => {
      const at = this.#placeWaiters.indexOf(take);
      if (at !== -1) this.#placeWaiters.splice(at, 1);
    };
  }

  admits(path: string): boolean {
    // A health check is answered even at capacity: it asks whether the worker lives, not whether it is idle.
    return this.#counters.inFlight < this.init.maxInFlight || path === this.init.health;
  }

  unavailable(): string | null {
    if (this.shuttingDown) return "The server is shutting down";
    return this.#counters.inFlight < this.init.maxInFlight ? null : "The server is at capacity";
  }

  began(): void {
    this.#counters.inFlight++;
  }

  parked(waiting: boolean): void {
    this.#counters.inFlight += waiting ? -1 : 1;
    if (waiting) this.#offerPlaces();
  }

  ended(status: number, bytes: number, logLine: string | null, took: Took): void {
    this.#counters.inFlight--;
    this.#offerPlaces();
    observeDuration(this.#counters.durations, took.answeredBy, took.seconds);
    this.#counters.requests[took.protocol] = (this.#counters.requests[took.protocol] ?? 0) + 1;
    this.count(status, bytes, logLine);
  }

  /** Places under the in-flight limit go to the streams that wait, in turn. */
  #offerPlaces(): void {
    // Each waiter starts an exchange, which takes the place (began).
    while (this.#counters.inFlight < this.init.maxInFlight && this.#placeWaiters.length > 0) {
      this.#placeWaiters.shift()!();
    }
  }

  count(status: number, bytes: number, logLine: string | null): void {
    const counters = this.#counters;
    counters.responses[status] = (counters.responses[status] ?? 0) + 1;
    counters.bytes += bytes;
    if (logLine !== null) this.outbox.push(ToPool.Log, 0, encoder.encode(logLine + "\n"));
  }

  http2Opened(change: 1 | -1): void {
    this.#counters.http2Connections += change;
  }

  sessionStarted(): void {
    this.#counters.websockets++;
  }

  messaged(direction: "received" | "sent"): void {
    if (direction === "received") this.#counters.messagesReceived++;
    else this.#counters.messagesSent++;
  }

  sessionEnded(): void {
    this.#counters.websockets--;
  }

  metricsPage({ id }: { readonly id: number }): Promise<string | null> {
    const { promise, resolve } = Promise.withResolvers<string | null>();
    this.#metricsWaiting.set(id, (page) => {
      this.#metricsWaiting.delete(id);
      resolve(page);
    });
    this.outbox.push(ToPool.Metrics, id);
    return promise;
  }

  forget(connection: Connection): void {
    this.#connections.delete(connection.id);
    this.#metricsWaiting.get(connection.id)?.(null);
  }
}
