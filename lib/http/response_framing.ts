/**
 * How a response is framed (RFC 9112 §6): whether it has content, how its
 * end is found, which framing fields it carries, and whether the connection
 * stays open after it. Framing is the core's alone: the fields a handler sets
 * for it are dropped and these are sent instead.
 *
 * @module
 */

import { encodeChunk, LAST_CHUNK } from "./chunked.ts";
import { currentHttpDate, hasNoContent, serializeResponseHead } from "./response.ts";

/**
 * How the response's content ends: none (RFC 9110 §6.4.1: HEAD, 1xx, 204,
 * 304), after `Content-Length` bytes, at the last chunk, or at the close of
 * the connection (an HTTP/1.0 client of a body of unknown length,
 * RFC 9112 §6.3 rule 8).
 */
export type BodyMode = "none" | "length" | "chunked" | "close";

/** How a handler starts a response: what `ServerConnection.respond` takes. */
export interface ResponseInit {
  status: number;
  /** Fields to send. Framing fields (`Content-Length`, `Transfer-Encoding`, `Connection`) are set here and dropped from this list. */
  headers?: [string, string][];
  reason?: string;
  /** The body's length when known; otherwise the body is chunked (or close-delimited for HTTP/1.0). */
  contentLength?: number;
}

/** What decides a response's framing. */
export interface FramingInput {
  /** The request's method. */
  method: string;
  /** The request's HTTP minor version. */
  minorVersion: number;
  status: number;
  /** The content's length when known. */
  contentLength?: number;
  /** Whether the connection may stay open, as far as the request is concerned. */
  keepAlive: boolean;
}

/** A response's framing. */
export interface ResponseFraming {
  mode: BodyMode;
  /** Whether the connection stays open after this response. */
  keepAlive: boolean;
  /** `Content-Length` or `Transfer-Encoding`, and `Connection`, as needed. */
  fields: [string, string][];
}

/** Fields that frame a message (RFC 9112 §6, RFC 9110 §7.6.1): the core sets them, a handler cannot. */
const FRAMING_FIELDS = new Set(["content-length", "transfer-encoding", "connection", "keep-alive"]);

/**
 * Works out a response's framing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { responseFraming } from "./response_framing.ts";
 * const streamed = responseFraming({ method: "GET", minorVersion: 1, status: 200, keepAlive: true });
 * assert.deepEqual(streamed.fields, [["Transfer-Encoding", "chunked"]]);
 * const old = responseFraming({ method: "GET", minorVersion: 0, status: 200, keepAlive: true });
 * assert.deepEqual([old.mode, old.keepAlive], ["close", false]);
 * ```
 */
export function responseFraming(input: FramingInput): ResponseFraming {
  const { method, minorVersion, status, contentLength } = input;
  let keepAlive = input.keepAlive;
  let mode: BodyMode;
  if (hasNoContent(method, status)) mode = "none";
  else if (contentLength !== undefined) mode = "length";
  else if (minorVersion >= 1) mode = "chunked";
  else {
    mode = "close";
    keepAlive = false;
  }
  const fields: [string, string][] = [];
  // RFC 9110 §8.6: HEAD may send the Content-Length a GET would have; 1xx and 204 never send one (304 none here).
  const lengthAllowed = status >= 200 && status !== 204 && status !== 304;
  if (contentLength !== undefined && lengthAllowed && (mode === "length" || method === "HEAD")) {
    fields.push(["Content-Length", String(contentLength)]);
  } else if (mode === "chunked") {
    fields.push(["Transfer-Encoding", "chunked"]);
  }
  // RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive".
  if (!keepAlive) fields.push(["Connection", "close"]);
  else if (minorVersion === 0) fields.push(["Connection", "keep-alive"]);
  return { mode, keepAlive, fields };
}

/**
 * A handler's fields without the framing ones, with `Date` (RFC 9110 §6.6.1)
 * and `Server` added unless it set them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { handlerFields } from "./response_framing.ts";
 * const fields = handlerFields([["Content-Length", "9"], ["Server", "mine"]], "weft");
 * assert.deepEqual(fields.map(([name]) => name), ["Server", "Date"]);
 * ```
 */
export function handlerFields(headers: [string, string][], serverName: string): [string, string][] {
  const fields: [string, string][] = [];
  let hasDate = false;
  let hasServer = false;
  for (const field of headers) {
    const name = field[0].toLowerCase();
    if (FRAMING_FIELDS.has(name)) continue;
    if (name === "date") hasDate = true;
    if (name === "server") hasServer = true;
    fields.push(field);
  }
  if (!hasDate) fields.push(["Date", currentHttpDate()]);
  if (!hasServer) fields.push(["Server", serverName]);
  return fields;
}

const EMPTY = new Uint8Array(0);

/**
 * Frames a response's content as its {@linkcode BodyMode} says: as chunks,
 * counted against `Content-Length`, as is (close-delimited), or dropped
 * (no content).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BodyFramer } from "./response_framing.ts";
 * const body = new BodyFramer("length", 5);
 * body.frame(new Uint8Array(3));
 * assert.equal(body.end().complete, false);
 * assert.equal(body.frame(2).length, 0, "two bytes written by other means are counted, not framed");
 * assert.equal(body.end().complete, true);
 * assert.throws(() => new BodyFramer("chunked").frame(10), /needs a Content-Length/);
 * ```
 */
export class BodyFramer {
  /** How the content ends. */
  readonly mode: BodyMode;
  #remaining: number;

  /** A body in `mode`; `length` is its `Content-Length` in mode `length`. */
  constructor(mode: BodyMode, length = 0) {
    this.mode = mode;
    this.#remaining = length;
  }

  /**
   * The bytes to send for `data`; for a number, counts that many bytes that
   * reach the peer by other means (a file region the I/O side reads and
   * writes itself) and returns none, which only a body framed by its length
   * or by the close allows. Throws past the declared length, which would
   * break the framing.
   */
  frame(data: Uint8Array | number): Uint8Array {
    const length = typeof data === "number" ? data : data.length;
    switch (this.mode) {
      case "none":
        return EMPTY;
      case "length":
        if (length > this.#remaining) throw new Error("Response body is longer than its Content-Length");
        this.#remaining -= length;
        return typeof data === "number" ? EMPTY : data;
      case "close":
        return typeof data === "number" ? EMPTY : data;
      case "chunked":
        if (typeof data === "number") throw new Error("A body written by other means needs a Content-Length");
        return encodeChunk(data);
    }
  }

  /** The bytes that end the content, and whether it is complete (a short fixed-length body is not). */
  end(): { tail: Uint8Array; complete: boolean } {
    return {
      tail: this.mode === "chunked" ? LAST_CHUNK : EMPTY,
      complete: this.mode !== "length" || this.#remaining === 0,
    };
  }
}

/**
 * The head of a `101 Switching Protocols` (RFC 9110 §15.2.2, §7.8): the
 * handler's fields (`Upgrade` and the new protocol's own), `Date`,
 * `Server`, and `Connection: Upgrade`. The new protocol starts right after it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { switchingProtocols } from "./response_framing.ts";
 * const head = new TextDecoder().decode(switchingProtocols([["Upgrade", "websocket"]], "weft"));
 * assert.match(head, /^HTTP\/1\.1 101 Switching Protocols\r\nUpgrade: websocket\r\n.*Connection: Upgrade\r\n\r\n$/s);
 * ```
 */
export function switchingProtocols(headers: [string, string][], serverName: string): Uint8Array {
  const fields = handlerFields(headers, serverName);
  fields.push(["Connection", "Upgrade"]);
  return serializeResponseHead({ status: 101, headers: fields });
}
