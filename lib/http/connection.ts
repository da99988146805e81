/**
 * The server side of one HTTP/1.1 connection as a state machine, in the
 * manner of h11: bytes go in with `receive`, events come out of `nextEvent`,
 * and response bytes come out of `respond` / `sendBody` / `endResponse` for
 * the caller to write. Nothing here touches a socket.
 *
 * Everything that decides keep-alive, framing and the order of messages lives
 * here, so the worker that drives it only moves bytes and calls handlers.
 *
 * @module
 */

import { ChunkedDecoder } from "./chunked.ts";
import { HttpParseError } from "./errors.ts";
import { type BodyLength, requestFraming } from "./framing.ts";
import { DEFAULT_LIMITS, type ParserLimits } from "./limits.ts";
import { type RequestHead, RequestHeadParser } from "./request_head.ts";
import { parseRequestTarget, type RequestTarget } from "./request_target.ts";
import { currentHttpDate, hasNoContent, serializeErrorResponse, serializeResponseHead } from "./response.ts";

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

/** A piece of the request body. A view of the receive buffer: copy it to keep it. */
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

/** How a response starts. */
export interface ResponseInit {
  status: number;
  /** Fields to send. Framing fields (`Content-Length`, `Transfer-Encoding`, `Connection`) are set here and dropped from this list. */
  headers?: [string, string][];
  reason?: string;
  /** The body's length when known; otherwise the body is chunked (or close-delimited for HTTP/1.0). */
  contentLength?: number;
}

/** Options for {@linkcode ServerConnection}. */
export interface ConnectionOptions {
  /** @default {DEFAULT_LIMITS} */
  limits?: ParserLimits;
  /** The `Server` field value. @default {"weft"} */
  serverName?: string;
}

type Reading = "idle" | "body" | "done" | "closed" | "error";
type Writing = "idle" | "body" | "done";
type BodyMode = "none" | "length" | "chunked" | "close";

const EMPTY = new Uint8Array(0);
const LAST_CHUNK = new TextEncoder().encode("0\r\n\r\n");
const CONTINUE = new TextEncoder().encode("HTTP/1.1 100 Continue\r\n\r\n");
const FRAMING_FIELDS = new Set(["content-length", "transfer-encoding", "connection", "keep-alive"]);
/** Above this much unread request body, closing beats reading it to find the next request. */
const MAX_DISCARD = 1024 * 1024;

/**
 * One connection's protocol state.
 *
 * @example A request and its response
 * ```ts
 * import { ServerConnection } from "./connection.ts";
 * const conn = new ServerConnection();
 * conn.receive(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
 * const event = conn.nextEvent(); // { type: "request", ... }
 * conn.nextEvent(); // { type: "end", ... }
 * const head = conn.respond({ status: 200, contentLength: 2 });
 * const body = conn.sendBody(new TextEncoder().encode("hi"));
 * conn.endResponse();
 * console.log(event.type, conn.mustClose); // "request" false
 * ```
 */
export class ServerConnection {
  readonly #limits: ParserLimits;
  readonly #serverName: string;
  #buf: Uint8Array = EMPTY;
  #start = 0;
  #end = 0;
  /** `#buf` is a caller's array, not ours to append to. */
  #borrowed = false;
  #eof = false;

  #reading: Reading = "idle";
  #writing: Writing = "idle";
  #headParser: RequestHeadParser;
  #method = "";
  #minorVersion = 1;
  #keepAlive = true;
  #closeRequested = false;
  #continuePending = false;
  #bodyRemaining = 0;
  #chunked: ChunkedDecoder | null = null;
  #responseMode: BodyMode = "none";
  #responseRemaining = 0;

  /** Creates the state of a new connection. */
  constructor(options: ConnectionOptions = {}) {
    this.#limits = options.limits ?? DEFAULT_LIMITS;
    this.#serverName = options.serverName ?? "weft";
    this.#headParser = new RequestHeadParser(this.#limits);
  }

  /** The connection must be closed once the bytes handed out so far are written. */
  get mustClose(): boolean {
    return this.#writing === "done" && !this.#keepAlive || this.#reading === "error";
  }

  /** No request is in progress and no byte of the next one has arrived. */
  get isIdle(): boolean {
    return (this.#reading === "idle" || this.#reading === "closed") &&
      this.#writing === "idle" && this.#start === this.#end;
  }

  /**
   * What the connection waits for: `idle` (no byte of a next request yet),
   * `head` (part of a request head), `body` (more of a request body), or
   * `response` (the request is read, its response is not finished), and
   * `closed` after an error or the peer's end.
   */
  get phase(): "idle" | "head" | "body" | "response" | "closed" {
    switch (this.#reading) {
      case "idle":
        return this.#start === this.#end ? "idle" : "head";
      case "body":
        return "body";
      case "done":
        return "response";
      default:
        return "closed";
    }
  }

  /** Unparsed bytes held for this connection. */
  get bufferedBytes(): number {
    return this.#end - this.#start;
  }

  /** The method of the request being answered. */
  get method(): string {
    return this.#method;
  }

  /** Takes bytes read from the peer. The array may be kept until it is parsed. */
  receive(data: Uint8Array): void {
    if (data.length === 0) return;
    if (this.#start === this.#end) {
      this.#buf = data;
      this.#start = 0;
      this.#end = data.length;
      this.#borrowed = true;
      return;
    }
    if (this.#borrowed || this.#buf.length - this.#end < data.length) {
      const held = this.#end - this.#start;
      const grown = new Uint8Array(Math.max(held + data.length, Math.min(2 * held, held + 65536), 1024));
      grown.set(this.#buf.subarray(this.#start, this.#end));
      this.#buf = grown;
      this.#start = 0;
      this.#end = held;
      this.#borrowed = false;
    }
    this.#buf.set(data, this.#end);
    this.#end += data.length;
  }

  /** The peer will send nothing more. */
  receiveEof(): void {
    this.#eof = true;
  }

  /**
   * Asks that the connection close after the current exchange, as in a
   * graceful shutdown. Returns true when it is idle and can be closed now.
   */
  closeAfterResponse(): boolean {
    this.#closeRequested = true;
    return this.isIdle;
  }

  /**
   * The next thing that happened on the connection. Throws
   * {@linkcode HttpParseError} when the peer broke the protocol; answer it
   * with {@linkcode ServerConnection.respondToError} (unless its code is
   * `TRUNCATED`: the peer left mid-request and waits for nothing).
   */
  nextEvent(): ConnectionEvent {
    try {
      return this.#next();
    } catch (e) {
      this.#reading = "error";
      throw e;
    }
  }

  #next(): ConnectionEvent {
    switch (this.#reading) {
      case "idle":
        if (this.#closeRequested && this.#start === this.#end) return CLOSED;
        return this.#readHead();
      case "body":
        return this.#readBody();
      case "done":
        return PAUSED;
      default:
        return CLOSED;
    }
  }

  #readHead(): ConnectionEvent {
    if (this.#start === this.#end) return this.#needData(false);
    const head = this.#headParser.parse(this.#buf, this.#start, this.#end);
    if (head === null) return this.#needData(true);
    this.#start += this.#headParser.consumed;
    this.#headParser = new RequestHeadParser(this.#limits);
    const framing = requestFraming(head, this.#limits);
    const target = parseRequestTarget(head.method, head.target);
    this.#method = head.method;
    this.#minorVersion = head.minorVersion;
    this.#keepAlive = framing.keepAlive && !this.#closeRequested;
    this.#continuePending = framing.expectContinue;
    this.#chunked = framing.body === "chunked" ? new ChunkedDecoder(this.#limits) : null;
    this.#bodyRemaining = framing.body === "chunked" ? 0 : framing.body;
    this.#reading = "body";
    return { type: "request", head, target, body: framing.body };
  }

  #readBody(): ConnectionEvent {
    if (this.#chunked === null) {
      if (this.#bodyRemaining === 0) return this.#endOfMessage([]);
      if (this.#start === this.#end) return this.#needData(true);
      const n = Math.min(this.#bodyRemaining, this.#end - this.#start);
      this.#bodyRemaining -= n;
      return this.#data(n);
    }
    const step = this.#chunked.next(this.#buf, this.#start, this.#end);
    if (step.kind === "partial") {
      this.#start += step.consumed;
      return this.#needData(true);
    }
    if (step.kind === "end") {
      this.#start += step.consumed;
      return this.#endOfMessage(step.trailers);
    }
    this.#start += step.consumed - step.data.length;
    return this.#data(step.data.length);
  }

  #data(n: number): DataEvent {
    this.#continuePending = false;
    const data = this.#buf.subarray(this.#start, this.#start + n);
    this.#start += n;
    return { type: "data", data };
  }

  #endOfMessage(trailers: [string, string][]): EndEvent {
    this.#reading = "done";
    this.#continuePending = false;
    this.#maybeStartNextCycle();
    return { type: "end", trailers };
  }

  #needData(midMessage: boolean): ConnectionEvent {
    if (this.#eof) {
      if (midMessage) throw new HttpParseError("TRUNCATED", 400, "Connection closed mid-request");
      this.#reading = "closed";
      return CLOSED;
    }
    if (this.#start === this.#end) {
      // Nothing left to parse: hold no buffer while waiting (idle connections are many).
      this.#buf = EMPTY;
      this.#start = this.#end = 0;
      this.#borrowed = false;
    } else if (this.#borrowed) {
      // Keep only our bytes, not the caller's whole array.
      this.#buf = this.#buf.slice(this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
      this.#borrowed = false;
    }
    return NEED_DATA;
  }

  /**
   * The `100 Continue` response, if the client is waiting for one before it
   * sends the body; `null` when it is not needed (or already sent).
   */
  continueBytes(): Uint8Array | null {
    if (!this.#continuePending || this.#writing !== "idle") return null;
    this.#continuePending = false;
    return CONTINUE;
  }

  /** Starts the response to the current request and returns its head's bytes. */
  respond(init: ResponseInit): Uint8Array {
    if (this.#writing !== "idle" || this.#reading === "idle") {
      throw new Error("No request is waiting for a response");
    }
    if (init.status < 200) throw new Error("Use continueBytes for 100 Continue");
    const noContent = hasNoContent(this.#method, init.status);
    // An unanswered `Expect: 100-continue` leaves us unsure whether the body
    // follows, and a large unread body is not worth reading to reach the next
    // request: in both cases the connection ends with this response.
    const unread = this.#reading === "body" &&
      (this.#continuePending || this.#chunked === null && this.#bodyRemaining > MAX_DISCARD);
    let keepAlive = this.#keepAlive && !this.#closeRequested && !unread;
    let mode: BodyMode;
    if (noContent) mode = "none";
    else if (init.contentLength !== undefined) mode = "length";
    else if (this.#minorVersion >= 1) mode = "chunked";
    else {
      mode = "close";
      keepAlive = false;
    }
    const headers: [string, string][] = [];
    let hasDate = false;
    let hasServer = false;
    for (const field of init.headers ?? []) {
      const name = field[0].toLowerCase();
      if (FRAMING_FIELDS.has(name)) continue;
      if (name === "date") hasDate = true;
      if (name === "server") hasServer = true;
      headers.push(field);
    }
    if (!hasDate) headers.push(["Date", currentHttpDate()]);
    if (!hasServer) headers.push(["Server", this.#serverName]);
    if (
      init.contentLength !== undefined && (mode === "length" || this.#method === "HEAD" && init.status >= 200)
    ) {
      headers.push(["Content-Length", String(init.contentLength)]);
    } else if (mode === "chunked") {
      headers.push(["Transfer-Encoding", "chunked"]);
    }
    if (!keepAlive) headers.push(["Connection", "close"]);
    else if (this.#minorVersion === 0) headers.push(["Connection", "keep-alive"]);
    const bytes = serializeResponseHead({ status: init.status, headers, reason: init.reason });
    this.#keepAlive = keepAlive;
    this.#responseMode = mode;
    this.#responseRemaining = init.contentLength ?? 0;
    this.#writing = "body";
    return bytes;
  }

  /** Frames a piece of the response body. Answers to HEAD, 204 and 304 drop it. */
  sendBody(data: Uint8Array): Uint8Array {
    if (this.#writing !== "body") throw new Error("No response body is being sent");
    switch (this.#responseMode) {
      case "none":
        return EMPTY;
      case "length":
        if (data.length > this.#responseRemaining) {
          throw new Error("Response body is longer than its Content-Length");
        }
        this.#responseRemaining -= data.length;
        return data;
      case "close":
        return data;
      case "chunked": {
        if (data.length === 0) return EMPTY;
        const size = data.length.toString(16);
        const out = new Uint8Array(size.length + data.length + 4);
        for (let i = 0; i < size.length; i++) out[i] = size.charCodeAt(i);
        out[size.length] = 0x0d;
        out[size.length + 1] = 0x0a;
        out.set(data, size.length + 2);
        out[out.length - 2] = 0x0d;
        out[out.length - 1] = 0x0a;
        return out;
      }
    }
  }

  /**
   * Ends the response and returns its last bytes. If a fixed-length body fell
   * short, the connection is marked to close, as the peer cannot frame it.
   */
  endResponse(): Uint8Array {
    if (this.#writing !== "body") throw new Error("No response is being sent");
    if (this.#responseMode === "length" && this.#responseRemaining !== 0 || this.#responseMode === "close") {
      this.#keepAlive = false;
    }
    this.#writing = "done";
    const tail = this.#responseMode === "chunked" ? LAST_CHUNK : EMPTY;
    this.#maybeStartNextCycle();
    return tail;
  }

  /**
   * A complete response for an error, with `Connection: close`, `message` as
   * its text and any `extra` fields (such as `Retry-After`). Empty when a response was already under way: then the
   * connection can only be closed.
   */
  respondToError(status: number, message: string, extra: [string, string][] = []): Uint8Array {
    this.#reading = "error";
    this.#keepAlive = false;
    if (this.#writing !== "idle") {
      this.#writing = "done";
      return EMPTY;
    }
    this.#writing = "done";
    return serializeErrorResponse(status, message, extra, this.#serverName);
  }

  #maybeStartNextCycle(): void {
    if (this.#reading !== "done" || this.#writing !== "done" || !this.#keepAlive) return;
    this.#reading = "idle";
    this.#writing = "idle";
    this.#method = "";
  }
}
