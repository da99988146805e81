/**
 * What a worker sends for one request, whoever made it (the file server or
 * an app): status, fields, and a body as parts to stream in order.
 *
 * @module
 */

import type { WebSocketUpgrade } from "./app/upgrade.ts";
import type { AnsweredBy } from "./pool/durations.ts";
import type { FileRegion } from "./pool/frame_payloads.ts";
import { errorText } from "./http/response.ts";

/** A piece of a response body: bytes, a region of a file (read and written by the main thread), or a stream. */
export type BodyPart = Uint8Array | FileRegion | ReadableStream<Uint8Array>;

/** A response, ready for the connection to frame. */
export interface Reply {
  status: number;
  /** The reason phrase, if not the standard one. */
  reason?: string;
  headers: [string, string][];
  /** The content in order; empty for HEAD and for statuses without content. */
  body: BodyPart[];
  /** The content's length (also for HEAD); absent when it is only known once sent. */
  contentLength?: number;
  /** Files the body's streams read from; the sender closes them when done. */
  files: Deno.FsFile[];
  /**
   * The byte parts belong to a cache and are shared with other responses, so
   * each connection's copy goes out through the flow-control window and a slow
   * client pins at most a window of it. Bytes a reply owns go out at once:
   * their memory is spent already, and waiting for acknowledgements would only
   * delay them behind whatever else the worker is doing.
   */
  sharedBody?: boolean;
  /** The app upgraded the connection (status 101): after the head, it is this WebSocket's. */
  upgrade?: WebSocketUpgrade;
  /** What answered, for the latency histogram; absent for an error weft made. */
  answeredBy?: AnsweredBy;
  /** A reply weft wrote itself (`textReply`): its reason, so a browser can get it as a page (`answer/error_pages.ts`). */
  message?: string;
}

/**
 * A short `text/plain` reply whose body says what happened.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { textReply } from "./reply.ts";
 * const reply = textReply(405, "Not here", [["Allow", "GET"]]);
 * assert.equal(new TextDecoder().decode(reply.body[0] as Uint8Array), "405 Method Not Allowed: Not here\n");
 * assert.equal(reply.contentLength, 33);
 * ```
 */
export function textReply(status: number, message: string, headers: [string, string][] = []): Reply {
  const body = new TextEncoder().encode(errorText(status, message));
  return {
    status,
    headers: [["Content-Type", "text/plain; charset=utf-8"], ...headers],
    body: [body],
    contentLength: body.length,
    files: [],
    message,
  };
}

/** A redirect to `location` (RFC 9110 §15.4: where to go is in `Location`), with a line saying so. */
export function redirectReply(status: number, location: string): Reply {
  return textReply(status, `Moved to ${location}`, [["Location", location]]);
}

/**
 * A reply of weft's own (the health check, the metrics page): fixed text,
 * never stored by caches.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fixedReply } from "./reply.ts";
 * const reply = fixedReply(200, "text/plain; charset=utf-8", "ok\n");
 * assert.equal(reply.contentLength, 3);
 * assert.deepEqual(reply.headers[1], ["Cache-Control", "no-store"]);
 * ```
 */
export function fixedReply(status: number, contentType: string, text: string): Reply {
  const body = new TextEncoder().encode(text);
  return {
    status,
    headers: [["Content-Type", contentType], ["Cache-Control", "no-store"]],
    body: [body],
    contentLength: body.length,
    files: [],
    answeredBy: "weft",
  };
}

/**
 * Checks that a body stream yielded bytes: anything else (a string, say) is
 * an app's mistake that would otherwise go out as NUL bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assertBytes } from "./reply.ts";
 * assertBytes(new Uint8Array(1));
 * assert.throws(() => assertBytes("text"), /yielded a string, not bytes/);
 * ```
 */
export function assertBytes(chunk: unknown): asserts chunk is Uint8Array {
  if (chunk instanceof Uint8Array) return;
  const what = typeof chunk === "object" ? Object.prototype.toString.call(chunk) : `a ${typeof chunk}`;
  throw new TypeError(`the body stream yielded ${what}, not bytes (a Uint8Array)`);
}
