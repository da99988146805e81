/**
 * What an HTTP connection waits for from its client, and until when. The
 * rest of a head counts from its first byte (a first request's from
 * connecting), an idle spell from the last response, a body from its last
 * byte (RFC 9112 §9.5 lets a server close an idle connection at any time).
 *
 * @module
 */

import type { WorkerInit } from "../lib/config/resolve.ts";

/** What the client is waiting to send. */
export type Awaited = "idle" | "head" | "body";

/**
 * One connection's deadline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ClientDeadline } from "./client_deadline.ts";
 * const deadline = new ClientDeadline({ header: 10, idle: 100, body: 10, handler: 10 }, 0);
 * assert.equal(deadline.missed(5), null);
 * assert.equal(deadline.missed(10), "idle");
 * deadline.clear();
 * assert.equal(deadline.missed(1000), null);
 * ```
 */
export class ClientDeadline {
  readonly #timeouts: WorkerInit["timeouts"];
  #waitingFor: Awaited | null = "idle";
  #at: number;
  /** A response has been sent on this connection. */
  #served = false;

  /** A new connection's: its first head is due within the header timeout. */
  constructor(timeouts: WorkerInit["timeouts"], now: number = Date.now()) {
    this.#timeouts = timeouts;
    this.#at = now + timeouts.header;
  }

  /** The client owes nothing now: a request is being answered, or the connection is no longer HTTP. */
  clear(): void {
    this.#waitingFor = null;
  }

  /** A response has been sent: from now on, a head counts from its first byte. */
  served(): void {
    this.#served = true;
  }

  /** The connection waits for the client in `phase` (the protocol's). */
  wait(phase: string, now: number = Date.now()): void {
    const timeouts = this.#timeouts;
    if (phase === "body") {
      this.#waitingFor = "body";
      this.#at = now + timeouts.body;
    } else if ((phase === "idle" || phase === "head") && this.#waitingFor !== phase) {
      // A first request's head keeps the deadline that started when the connection opened.
      if (!(phase === "head" && this.#waitingFor === "idle" && !this.#served)) {
        this.#at = now + (phase === "idle" ? timeouts.idle : timeouts.header);
      }
      this.#waitingFor = phase;
    }
  }

  /** What the client failed to send in time, or `null`. */
  missed(now: number): Awaited | null {
    return this.#waitingFor !== null && now >= this.#at ? this.#waitingFor : null;
  }
}
