/**
 * Rule: an HTTP/2 stream that comes while its worker is at its in-flight
 * limit waits for a place instead of getting 503 (a client that opens ten
 * streams at once means them all, and its connection's stream limit already
 * bounds how many). It holds its request and the body bytes that arrive
 * meanwhile (no more than its window, as none is credited); it starts when
 * the worker gives it a place, in the order the streams came. The worker's
 * wait list is bounded too: past it, and past the handler timeout in the
 * queue, a stream gets the 503 it would have had. A stream that leaves the
 * queue any other way (reset, its connection gone) withdraws its wait.
 *
 * @module
 */

import type { RequestEvent } from "../../lib/http/events.ts";
import type { RequestHead } from "../../lib/http/request_head.ts";

/** A stream read in full up to its body, waiting for a place. */
export interface QueuedStream {
  stream: number;
  head: RequestHead;
  event: RequestEvent;
  expectContinue: boolean;
  /** Body bytes that came while it waited, and whether the body ended. */
  data: Uint8Array[];
  ended: boolean;
  since: number;
}

/** The worker's side: a place offered in turn. */
export interface PlaceGiver {
  /**
   * Calls `take` once a place frees, after those that asked before. Returns how to withdraw the wait, or null
   * if the wait list is full.
   */
  awaitPlace(take: () => void): (() => void) | null;
}

/**
 * One connection's queued streams.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { StreamQueue } from "./stream_queue.ts";
 * const offers: (() => void)[] = [];
 * const started: number[] = [];
 * const giver = {
 *   awaitPlace(take: () => void) {
 *     offers.push(take);
 *     return () => offers.splice(offers.indexOf(take), 1);
 *   },
 * };
 * const queue = new StreamQueue(giver, (q) => started.push(q.stream));
 * const head = { method: "GET", target: "/", minorVersion: 1, headers: [] };
 * const event = { type: "request" as const, head, target: { path: "/", query: "", authority: null }, body: 0 };
 * queue.hold({ stream: 1, head, event, expectContinue: false, data: [], ended: true, since: 0 });
 * queue.hold({ stream: 3, head, event, expectContinue: false, data: [], ended: true, since: 0 });
 * queue.drop(1); // the client reset it: its wait is withdrawn
 * assert.equal(offers.length, 1);
 * offers[0]();
 * assert.deepEqual(started, [3]);
 * ```
 */
export class StreamQueue {
  readonly #giver: PlaceGiver;
  readonly #start: (queued: QueuedStream) => void;
  readonly #streams = new Map<number, { queued: QueuedStream; withdraw: () => void }>();

  /** Streams that wait on `giver`'s places, and go to `start` when given one. */
  constructor(giver: PlaceGiver, start: (queued: QueuedStream) => void) {
    this.#giver = giver;
    this.#start = start;
  }

  get size(): number {
    return this.#streams.size;
  }

  /** Queues `queued` for a place; false if the worker's wait list is full. */
  hold(queued: QueuedStream): boolean {
    const withdraw = this.#giver.awaitPlace(() => {
      this.#streams.delete(queued.stream);
      this.#start(queued);
    });
    if (withdraw !== null) this.#streams.set(queued.stream, { queued, withdraw });
    return withdraw !== null;
  }

  /** Body bytes for `stream`; false if it is not queued here. */
  data(stream: number, bytes: Uint8Array): boolean {
    const entry = this.#streams.get(stream);
    entry?.queued.data.push(bytes);
    return entry !== undefined;
  }

  /** The body of `stream` ended; false if it is not queued here. */
  end(stream: number): boolean {
    const entry = this.#streams.get(stream);
    if (entry !== undefined) entry.queued.ended = true;
    return entry !== undefined;
  }

  /** `stream` no longer waits (reset by the client): its place in the worker's wait list is given up. */
  drop(stream: number): void {
    this.#streams.get(stream)?.withdraw();
    this.#streams.delete(stream);
  }

  /** Takes out the streams that have waited since before `since` (all, with `Infinity`), withdrawn. */
  takeWaitingSince(since: number): QueuedStream[] {
    const late = [...this.#streams.values()].filter(({ queued }) => queued.since < since);
    for (const { queued } of late) this.drop(queued.stream);
    return late.map(({ queued }) => queued);
  }
}
