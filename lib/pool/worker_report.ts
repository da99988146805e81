/**
 * What a worker reports to the main thread besides frames: its counters
 * (with each `Pong`, as JSON) and its status as a plain message. Like the
 * frame format, this module imports nothing of weft's but the histogram
 * (`durations.ts`, which imports nothing).
 *
 * @module
 */

import { addDurations, type Durations } from "./durations.ts";

/** What a worker has counted, reported with each `Pong`. */
export interface WorkerCounters {
  /** Responses by status code. */
  responses: Record<string, number>;
  /** Response body bytes sent. */
  bytes: number;
  /** Requests answered, by protocol (`HTTP/1.1`, `HTTP/2`). */
  requests: Record<string, number>;
  /** HTTP/2 connections open now. */
  http2Connections: number;
  /** Requests being handled now. */
  inFlight: number;
  /** WebSocket connections open now. */
  websockets: number;
  /** WebSocket messages received from clients. */
  messagesReceived: number;
  /** WebSocket messages sent to clients. */
  messagesSent: number;
  /** Messages (batches of frames) the worker received from the main thread. */
  postsFromMain: number;
  /** Messages (batches of frames) the worker posted to the main thread. */
  postsToMain: number;
  /** How long requests took, by what answered them. */
  durations: Durations;
}

/**
 * Counters before anything was counted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { emptyCounters } from "./worker_report.ts";
 * assert.equal(emptyCounters().inFlight, 0);
 * ```
 */
export function emptyCounters(): WorkerCounters {
  return {
    responses: {},
    bytes: 0,
    requests: {},
    http2Connections: 0,
    inFlight: 0,
    websockets: 0,
    messagesReceived: 0,
    messagesSent: 0,
    postsFromMain: 0,
    postsToMain: 0,
    durations: {},
  };
}

/**
 * What a worker reports as a plain message: that it loaded, that it could
 * not, or that the app is closing it (`self.close()`, `Deno.exit()`).
 */
export type WorkerStatus =
  | { kind: "ready" }
  | { kind: "failed"; message: string }
  | { kind: "closed"; how: string };

/**
 * Adds `more` into `total`: the workers' counts into one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { addCounters, emptyCounters } from "./worker_report.ts";
 * const total = emptyCounters();
 * addCounters(total, { ...emptyCounters(), responses: { "200": 2 }, bytes: 10 });
 * addCounters(total, { ...emptyCounters(), responses: { "200": 1 }, bytes: 5 });
 * assert.deepEqual([total.responses, total.bytes], [{ "200": 3 }, 15]);
 * ```
 */
export function addCounters(total: WorkerCounters, more: WorkerCounters): void {
  for (const [status, n] of Object.entries(more.responses)) {
    total.responses[status] = (total.responses[status] ?? 0) + n;
  }
  total.bytes += more.bytes;
  for (const [protocol, n] of Object.entries(more.requests)) {
    total.requests[protocol] = (total.requests[protocol] ?? 0) + n;
  }
  total.http2Connections += more.http2Connections;
  total.inFlight += more.inFlight;
  total.websockets += more.websockets;
  total.messagesReceived += more.messagesReceived;
  total.messagesSent += more.messagesSent;
  total.postsFromMain += more.postsFromMain;
  total.postsToMain += more.postsToMain;
  addDurations(total.durations, more.durations);
}
