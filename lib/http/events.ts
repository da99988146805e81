/**
 * What the connection state machine reports, h11's way: small event values
 * that `ServerConnection.nextEvent` returns one at a time.
 *
 * @module
 */

import type { BodyLength } from "./framing.ts";
import type { RequestHead } from "./request_head.ts";
import type { RequestTarget } from "./request_target.ts";

/** More bytes are needed before anything else can happen. */
export const NEED_DATA = Object.freeze({ type: "need-data" } as const);
/** The request is read; nothing more until its response has ended. */
export const PAUSED = Object.freeze({ type: "paused" } as const);
/** No further request will come: the peer closed, or the connection must close. */
export const CLOSED = Object.freeze({ type: "closed" } as const);

/** A request head arrived. Its body, if any, follows as `data` events. */
export interface RequestEvent {
  type: "request";
  head: RequestHead;
  target: RequestTarget;
  /** Body length from the head: a byte count or `"chunked"`. */
  body: BodyLength;
}

/** A piece of the request body: a view of the received bytes, which are never written over once handed out. */
export interface DataEvent {
  type: "data";
  data: Uint8Array;
}

/** The request body (or the bodiless request) is complete. */
export interface EndEvent {
  type: "end";
  trailers: [string, string][];
}

/** What `nextEvent` returns. */
export type ConnectionEvent =
  | RequestEvent
  | DataEvent
  | EndEvent
  | typeof NEED_DATA
  | typeof PAUSED
  | typeof CLOSED;
