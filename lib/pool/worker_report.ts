/**
 * What a worker reports to the main thread besides frames: its counters
 * (with each `Pong`, as JSON) and its status as a plain message. Like the
 * frame format, this module imports nothing of weft's but the histogram's
 * shape (`durations.ts`, which imports nothing).
 *
 * @module
 */

import type { Durations } from "./durations.ts";

/** What a worker has counted, reported with each `Pong`. */
export interface WorkerCounters {
  /** Responses by status code. */
  responses: Record<string, number>;
  /** Response body bytes sent. */
  bytes: number;
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
