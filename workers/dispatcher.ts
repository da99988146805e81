/**
 * One worker's side of the wire: it routes the main thread's frames to the
 * worker's connections and holds what they share — the outbox, the handler,
 * the stream budget, the in-flight count and counters, and shutdown. One
 * timer per worker, not one per connection, checks every deadline.
 *
 * @module
 */

import type { WorkerInit } from "../lib/config/resolve.ts";
import type { Handler } from "../lib/handler.ts";
import { StreamBudget } from "../lib/pool/flow.ts";
import { decodeCount, decodeRemoteAddr } from "../lib/pool/frame_payloads.ts";
import { batchSentAt, epochNow, FrameType, isGivenBack, readFrames } from "../lib/pool/frames.ts";
import { observeDuration } from "../lib/pool/durations.ts";
import { emptyCounters, type WorkerCounters } from "../lib/pool/worker_report.ts";
import type { Outbox } from "../lib/pool/outbox.ts";
import { Connection, type ConnectionHost } from "./connection.ts";
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
  readonly outbox: Outbox;
  readonly budget: StreamBudget = new StreamBudget();
  readonly kept: KeptBodies;
  shuttingDown = false;
  /** When the main thread handed over the batch being read, and when it arrived (`epochNow`). */
  #batchSentAt = 0;
  #batchReceivedAt = 0;
  readonly #connections = new Map<number, Connection>();
  /** Responses by status, body bytes and requests in flight, reported with each `Pong`. */
  readonly #counters: WorkerCounters = emptyCounters();
  /** The live-reload streams, in `--dev`. */
  readonly #live: LiveReload | null;
  /** Connections waiting for the metrics page from the main thread. */
  readonly #metricsWaiting = new Map<number, (page: string | null) => void>();

  /** Starts checking deadlines; `kept` are the bodies of the handler's file cache kept on the main thread. */
  constructor(
    init: WorkerInit,
    handler: Handler,
    outbox: Outbox,
    kept: KeptBodies,
    live: LiveReload | null = null,
  ) {
    this.init = init;
    this.#live = live;
    this.handler = handler;
    this.outbox = outbox;
    this.kept = kept;
    const { header, idle, body } = init.timeouts;
    setInterval(() => {
      const now = Date.now();
      for (const connection of this.#connections.values()) connection.expire(now);
    }, Math.min(DEADLINE_TICK, header, idle, body));
  }

  /** Applies a message from the main thread: a batch of frames. */
  receive(buffer: ArrayBuffer): void {
    this.#counters.postsFromMain++;
    if (isGivenBack(buffer)) return this.outbox.reuse(buffer);
    this.#batchSentAt = batchSentAt(buffer);
    this.#batchReceivedAt = epochNow();
    readFrames(buffer, this.onFrame);
  }

  /** Applies one frame from the main thread. */
  readonly onFrame = (type: FrameType, id: number, payload: Uint8Array): void => {
    switch (type) {
      case FrameType.Ping:
        this.#counters.postsToMain = this.outbox.posted;
        return this.outbox.push(FrameType.Pong, 0, encoder.encode(JSON.stringify(this.#counters)));
      case FrameType.Changed:
        return this.#live?.changed(JSON.parse(decoder.decode(payload)));
      case FrameType.Leaving:
        return this.#live?.end({ cssOnly: false });
      case FrameType.Shutdown:
        this.#live?.end();
        this.shuttingDown = true;
        for (const connection of [...this.#connections.values()]) connection.shutdown();
        return;
      case FrameType.Open:
        this.#connections.set(id, new Connection(id, decodeRemoteAddr(payload), this));
        return;
    }
    const connection = this.#connections.get(id);
    switch (type) {
      case FrameType.Data:
        if (connection === undefined) return;
        connection.dataSentAt = this.#batchSentAt;
        connection.dataReceivedAt = this.#batchReceivedAt;
        return connection.receive(payload);
      case FrameType.Eof:
        return connection?.receiveEof();
      case FrameType.Written:
        return connection?.window.written(decodeCount(payload));
      case FrameType.FileWritten:
        return connection?.window.fileWritten();
      case FrameType.Gone:
        return connection?.forget("the client went away");
      case FrameType.MetricsPage:
        return this.#metricsWaiting.get(id)?.(decoder.decode(payload));
    }
  };

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

  ended(status: number, bytes: number, logLine: string | null, took: Took): void {
    this.#counters.inFlight--;
    observeDuration(this.#counters.durations, took.answeredBy, took.seconds);
    this.count(status, bytes, logLine);
  }

  count(status: number, bytes: number, logLine: string | null): void {
    const counters = this.#counters;
    counters.responses[status] = (counters.responses[status] ?? 0) + 1;
    counters.bytes += bytes;
    if (logLine !== null) this.outbox.push(FrameType.Log, 0, encoder.encode(logLine + "\n"));
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

  metricsPage(connection: Connection): Promise<string | null> {
    const { promise, resolve } = Promise.withResolvers<string | null>();
    this.#metricsWaiting.set(connection.id, (page) => {
      this.#metricsWaiting.delete(connection.id);
      resolve(page);
    });
    this.outbox.push(FrameType.Metrics, connection.id);
    return promise;
  }

  forget(connection: Connection): void {
    this.#connections.delete(connection.id);
    this.#metricsWaiting.get(connection.id)?.(null);
  }
}
