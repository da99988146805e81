/**
 * What a connection needs: from its worker (`ConnectionHost`), and from the
 * protocol that takes it over from HTTP/1 (`Takeover`: a WebSocket after a
 * 101, HTTP/2 after its preface or ALPN).
 *
 * @module
 */

import type { WorkerInit } from "../lib/config/resolve.ts";
import type { StreamBudget } from "../lib/pool/flow.ts";
import type { ToMain } from "../lib/pool/frame_types.ts";
import type { Outbox } from "../lib/pool/outbox.ts";
import type { Connection } from "./connection.ts";
import type { ExchangeHost } from "./exchange.ts";
import type { KeptBodies } from "./kept_bodies.ts";
import type { SessionHost } from "./websocket_session.ts";
import type { PlaceGiver } from "./http2/stream_queue.ts";

/** A protocol that takes a connection over from HTTP/1: a WebSocket (after a 101), HTTP/2 (after its preface). */
export interface Takeover {
  receive(data: Uint8Array): void;
  receiveEof(): void;
  expire(now: number): void;
  shutdown(): void;
  gone(): void;
  /** A reload replaces the worker: end what can end (HTTP/2 says GOAWAY; a WebSocket stays to the end). */
  leaving?(): void;
}

/** What a connection needs from its worker. */
export interface ConnectionHost extends ExchangeHost, SessionHost, PlaceGiver {
  readonly init: WorkerInit;
  readonly outbox: Outbox<ToMain>;
  readonly budget: StreamBudget;
  /** Large cached bodies kept on the main thread (flow rule 9). */
  readonly kept: KeptBodies;
  /** Whether a request to `path` may start now: under the in-flight limit, or the health check. */
  admits(path: string): boolean;
  /** An HTTP/2 connection began (1) or ended (-1). */
  http2Opened(change: 1 | -1): void;
  /** Counts (and logs) a response that no exchange answered. */
  count(status: number, bytes: number, logLine: string | null): void;
  /** The connection is over: forget it. */
  forget(connection: Connection): void;
}
