/**
 * The server side of one HTTP/1.1 connection as a state machine, in the
 * manner of h11: bytes go in with `receive`, events come out of `nextEvent`,
 * and response bytes come out of `respond` / `sendBody` / `endResponse` for
 * the caller to write. Nothing here touches a socket. Everything that decides
 * keep-alive, framing and the order of messages lives here.
 *
 * @module
 */

import { ChunkedDecoder } from "./chunked.ts";
import { HttpParseError } from "./errors.ts";
import { http2Required } from "./http2_required.ts";
import { CLOSED, type ConnectionEvent, type DataEvent, type EndEvent, NEED_DATA, PAUSED } from "./events.ts";
import { readRequest } from "./framing.ts";
import { withAddedFields } from "./added_fields.ts";
import { DEFAULT_LIMITS, type ParserLimits } from "./limits.ts";
import { ReceiveBuffer } from "./receive_buffer.ts";
import { RequestHeadParser } from "./request_head.ts";
import { BodyFramer, handlerFields, responseFraming, type ResponseInit } from "./response_framing.ts";
import { serializeErrorResponse, serializeResponseHead } from "./response.ts";

/** Options for {@linkcode ServerConnection}. */
export interface ConnectionOptions {
  /** @default {DEFAULT_LIMITS} */
  limits?: ParserLimits;
  /** The `Server` field value. @default {"weft"} */
  serverName?: string;
  /** Fields added to every response in place of the handler's of the same names (`added_fields.ts`). @default {[]} */
  addedFields?: readonly [string, string][];
}

type Reading = "idle" | "body" | "done" | "closed" | "error";
type Writing = "idle" | "body" | "done";

const EMPTY = new Uint8Array(0);
const CONTINUE = new TextEncoder().encode("HTTP/1.1 100 Continue\r\n\r\n");
/** Above this much unread request body, closing beats reading it to find the next request. */
const MAX_DISCARD = 1024 * 1024;

/**
 * One connection's protocol state.
 *
 * @example A request and its response
 * ```ts
 * import assert from "node:assert/strict";
 * import { ServerConnection } from "./connection.ts";
 * const conn = new ServerConnection();
 * conn.receive(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
 * assert.deepEqual([conn.nextEvent().type, conn.nextEvent().type], ["request", "end"]);
 * conn.respond({ status: 200, contentLength: 2 });
 * assert.equal(new TextDecoder().decode(conn.sendBody(new TextEncoder().encode("hi"))), "hi");
 * assert.equal(conn.endResponse().length, 0);
 * assert.equal(conn.mustClose, false);
 * ```
 */
export class ServerConnection {
  readonly #limits: ParserLimits;
  readonly #serverName: string;
  readonly #addedFields: readonly [string, string][];
  readonly #input = new ReceiveBuffer();
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
  #body = new BodyFramer("none");
  #http2Preface = false;

  /** Creates the state of a new connection. */
  constructor(options: ConnectionOptions = {}) {
    this.#limits = options.limits ?? DEFAULT_LIMITS;
    this.#serverName = options.serverName ?? "weft";
    this.#addedFields = options.addedFields ?? [];
    this.#headParser = new RequestHeadParser(this.#limits);
  }

  /** The connection must be closed once the bytes handed out so far are written. */
  get mustClose(): boolean {
    return this.#writing === "done" && !this.#keepAlive || this.#reading === "error";
  }

  /** No request is in progress and no byte of the next one has arrived. */
  get isIdle(): boolean {
    return (this.#reading === "idle" || this.#reading === "closed") &&
      this.#writing === "idle" && this.#input.length === 0;
  }

  /** What it waits for: `idle` (no byte of a next request), `head`, `body`, `response` (to end), or `closed`. */
  get phase(): "idle" | "head" | "body" | "response" | "closed" {
    if (this.#reading === "idle") return this.#input.length === 0 ? "idle" : "head";
    if (this.#reading === "body") return "body";
    return this.#reading === "done" ? "response" : "closed";
  }

  /** Unparsed bytes held for this connection. */
  get bufferedBytes(): number {
    return this.#input.length;
  }

  /** Request bytes parsed since the connection began, modulo 2³². */
  get consumedBytes(): number {
    return this.#input.consumed;
  }

  /** The method of the request being answered. */
  get method(): string {
    return this.#method;
  }

  /** Takes bytes read from the peer. The array may be kept until it is parsed. */
  receive(data: Uint8Array): void {
    this.#input.append(data);
  }

  /** The peer will send nothing more. */
  receiveEof(): void {
    this.#eof = true;
  }

  /** Asks that the connection close after the current exchange (a graceful shutdown); true if it can close now. */
  closeAfterResponse(): boolean {
    this.#closeRequested = true;
    return this.isIdle;
  }

  /**
   * The next thing that happened on the connection. Throws {@linkcode HttpParseError} when the peer broke the
   * protocol; answer it with {@linkcode ServerConnection.respondToError} (unless its code is `TRUNCATED`: the peer
   * left mid-request and waits for nothing).
   */
  nextEvent(): ConnectionEvent {
    try {
      return this.#next();
    } catch (e) {
      this.#reading = "error";
      // RFC 9113 §3.4: an HTTP/2 preface is answered in HTTP/2 (`http2_required.ts`).
      this.#http2Preface = e instanceof HttpParseError && e.code === "HTTP2_PREFACE";
      throw e;
    }
  }

  #next(): ConnectionEvent {
    if (this.#reading === "idle") {
      return this.#closeRequested && this.#input.length === 0 ? CLOSED : this.#readHead();
    }
    if (this.#reading === "body") return this.#readBody();
    return this.#reading === "done" ? PAUSED : CLOSED;
  }

  #readHead(): ConnectionEvent {
    const input = this.#input;
    if (input.length === 0) return this.#needData(false);
    const head = this.#headParser.parse(input.bytes, input.start, input.end);
    if (head === null) return this.#needData(true);
    input.start += this.#headParser.consumed;
    this.#headParser = new RequestHeadParser(this.#limits);
    const { framing, target } = readRequest(head, this.#limits);
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
    const input = this.#input;
    if (this.#chunked === null) {
      if (this.#bodyRemaining === 0) return this.#endOfMessage([]);
      if (input.length === 0) return this.#needData(true);
      const n = Math.min(this.#bodyRemaining, input.length);
      this.#bodyRemaining -= n;
      return this.#data(n);
    }
    const step = this.#chunked.next(input.bytes, input.start, input.end);
    if (step.kind === "partial") {
      input.start += step.consumed;
      return this.#needData(true);
    }
    if (step.kind === "end") {
      input.start += step.consumed;
      return this.#endOfMessage(step.trailers);
    }
    input.start += step.consumed - step.data.length;
    return this.#data(step.data.length);
  }

  #data(n: number): DataEvent {
    this.#continuePending = false;
    return { type: "data", data: this.#input.take(n) };
  }

  #endOfMessage(trailers: [string, string][]): EndEvent {
    this.#reading = "done";
    this.#continuePending = false;
    this.#maybeStartNextCycle();
    return { type: "end", trailers };
  }

  #needData(midMessage: boolean): ConnectionEvent {
    if (this.#eof) {
      // RFC 9112 §8: a message cut off by the close is incomplete; nobody waits for its answer.
      if (midMessage) throw new HttpParseError("TRUNCATED", 400, "Connection closed mid-request");
      this.#reading = "closed";
      return CLOSED;
    }
    this.#input.settle();
    return NEED_DATA;
  }

  /** The `100 Continue` response if the client waits for one before its body; `null` if not (or sent already). */
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
    // An unanswered `Expect: 100-continue` leaves us unsure whether the body
    // follows (RFC 9110 §10.1.1), and a large unread body is not worth reading
    // to reach the next request: in both cases the connection ends with this response.
    const unread = this.#reading === "body" &&
      (this.#continuePending || this.#chunked === null && this.#bodyRemaining > MAX_DISCARD);
    const { mode, keepAlive, fields } = responseFraming({
      method: this.#method,
      minorVersion: this.#minorVersion,
      status: init.status,
      contentLength: init.contentLength,
      keepAlive: this.#keepAlive && !this.#closeRequested && !unread,
    });
    const headers = handlerFields(withAddedFields(init.headers ?? [], this.#addedFields), this.#serverName);
    headers.push(...fields);
    const bytes = serializeResponseHead({ status: init.status, headers, reason: init.reason });
    this.#keepAlive = keepAlive;
    this.#body = new BodyFramer(mode, init.contentLength);
    this.#writing = "body";
    return bytes;
  }

  /** Frames a piece of the body, or counts one written by other means (`BodyFramer.frame`). HEAD, 204, 304 drop it. */
  sendBody(data: Uint8Array | number): Uint8Array {
    if (this.#writing !== "body") throw new Error("No response body is being sent");
    return this.#body.frame(data);
  }

  /** Ends the response and returns its last bytes; a fixed-length body that fell short marks it to close. */
  endResponse(): Uint8Array {
    if (this.#writing !== "body") throw new Error("No response is being sent");
    const { tail, complete } = this.#body.end();
    if (!complete || this.#body.mode === "close") this.#keepAlive = false;
    this.#writing = "done";
    this.#maybeStartNextCycle();
    return tail;
  }

  /** HTTP/1 is over (a 101 answered the request, or an HTTP/2 preface came): the unparsed bytes, for what follows. */
  takeOver(): Uint8Array {
    const answered = this.#reading === "done" && this.#writing === "idle";
    if (!answered && !this.#http2Preface) throw new Error("Nothing to take over");
    [this.#reading, this.#writing, this.#keepAlive] = ["closed", "done", false];
    return this.#input.take(this.#input.length).slice();
  }

  /**
   * A complete response for an error, with `Connection: close`, `message` as its text and any `extra` fields (such
   * as `Retry-After`). Empty when a response was already under way: then the connection can only be closed.
   */
  respondToError(status: number, message: string, extra: [string, string][] = []): Uint8Array {
    this.#reading = "error";
    this.#keepAlive = false;
    const underWay = this.#writing !== "idle";
    this.#writing = "done";
    if (underWay) return EMPTY;
    if (this.#http2Preface) return http2Required(message);
    const fields = withAddedFields(extra, this.#addedFields);
    return serializeErrorResponse(status, message, fields, this.#serverName);
  }

  #maybeStartNextCycle(): void {
    if (this.#reading !== "done" || this.#writing !== "done" || !this.#keepAlive) return;
    this.#reading = "idle";
    this.#writing = "idle";
    this.#method = "";
  }
}
