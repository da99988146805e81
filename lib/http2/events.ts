/**
 * What the HTTP/2 connection reports, h11's way: small values that
 * `Http2Connection.nextEvent` returns one at a time.
 *
 * @module
 */

import type { Http2Error } from "./frame.ts";
import type { Http2Request } from "./request_fields.ts";

/** More bytes are needed before anything else can happen. */
export const NEED_DATA = Object.freeze({ type: "need-data" } as const);
/** Nothing more will happen: the connection is over (an error sent, or GOAWAY and its last stream done). */
export const CLOSED = Object.freeze({ type: "closed" } as const);

/** What `nextEvent` returns. */
export type Http2Event =
  /** A request's header block arrived on a new stream; `endStream`: it has no body. */
  | { type: "request"; stream: number; request: Http2Request; endStream: boolean }
  /** A piece of a request body; say how much was read with `consumed` to let the client send more. */
  | { type: "data"; stream: number; data: Uint8Array }
  /** The request body (or the bodiless request) is complete; trailers if it had them. */
  | { type: "end"; stream: number; trailers: [string, string][] }
  /** The stream ended before its exchange did: the client reset it, or it broke a rule and we did. */
  | { type: "reset"; stream: number; code: number; reason: string }
  /** Data a stream queued while the windows were shut has all been sent. */
  | { type: "drained"; stream: number }
  /** The client is going away: streams above `lastStream` were not processed; the others go on. */
  | { type: "goaway"; code: number; lastStream: number; reason: string }
  /** The client broke a rule of the connection: GOAWAY with the error is in the output, and it must close. */
  | { type: "error"; error: Http2Error }
  | typeof NEED_DATA
  | typeof CLOSED;
