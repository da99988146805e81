/**
 * One client connection as its worker sees it: the protocol state machine fed with the bytes the main
 * thread read, the deadlines the client must meet (`client_deadline.ts`), and the exchange (request and
 * response) under way; or, once an app upgraded it, its WebSocket session.
 *
 * `drive` runs the protocol's events synchronously until it needs bytes or must wait; an exchange runs on
 * its own, fed its request body through a stream, and calls `exchangeEnded` when its response is over.
 *
 * @module
 */

import { MAX_QUEUED, PAUSE_ABOVE, TAKEN_FROM } from "../lib/pool/flow.ts";
import { encodeCount } from "../lib/pool/frame_payloads.ts";
import type { Payload } from "../lib/pool/frames.ts";
import { ToSocket } from "../lib/pool/frame_types.ts";
import { ServerConnection } from "../lib/http/connection.ts";
import { withAddedFields } from "../lib/http/added_fields.ts";
import { HttpParseError } from "../lib/http/errors.ts";
import type { RequestHead } from "../lib/http/request_head.ts";
import { errorText } from "../lib/http/response.ts";
import { switchingProtocols } from "../lib/http/response_framing.ts";
import type { WebSocketUpgrade } from "../lib/app/upgrade.ts";
import { accessLine } from "./access_line.ts";
import { ClientDeadline } from "./client_deadline.ts";
import type { ConnectionHost, Takeover } from "./connection_host.ts";
import { Exchange } from "./exchange.ts";
import { Http1Response } from "./http1_response.ts";
import { Http2Session } from "./http2/session.ts";
import { SocketWrites } from "./socket_writes.ts";
import { WebSocketSession } from "./websocket_session.ts";

/** A connection pinned to this worker. */
export class Connection {
  /** The connection's id in every frame. */
  readonly id: number;
  /** The client's address. */
  readonly remoteAddr: Deno.NetAddr | Deno.UnixAddr;
  /** The protocol state: keep-alive, framing, the order of messages. */
  readonly protocol: ServerConnection;
  /** Its bytes on their way to the client, and the window they go through. */
  readonly writes: SocketWrites;
  /** When the main thread handed over the bytes last read, and when they arrived (`epochNow`). */
  dataSentAt = 0;
  dataReceivedAt = 0;
  readonly #host: ConnectionHost;
  #exchange: Exchange | null = null;
  /** The protocol that took the connection over: a WebSocket, or HTTP/2. */
  #session: Takeover | null = null;
  #gone = false;
  #paused = false;
  /** The body stream holds a chunk the app has not read: wait for its next read. */
  #bodyFull = false;
  readonly #deadline: ClientDeadline;
  readonly #response = new Http1Response(this);

  /** A connection the main thread just accepted. */
  constructor(id: number, remoteAddr: Deno.NetAddr | Deno.UnixAddr, host: ConnectionHost) {
    this.id = id;
    this.remoteAddr = remoteAddr;
    this.#host = host;
    this.protocol = new ServerConnection({ limits: host.init.limits, addedFields: host.init.headers });
    this.writes = new SocketWrites(id, host.outbox, host.kept, host.budget);
    if (host.shuttingDown) this.protocol.closeAfterResponse();
    this.#deadline = new ClientDeadline(host.init.timeouts);
  }

  /**
   * RFC 9113 §3.2: TLS agreed on h2, before the first byte: HTTP/2 from that byte on (a client that then sends
   * no preface gets GOAWAY, not an HTTP/1 answer).
   */
  agreedHttp2(): void {
    if (this.#host.init.http2 !== null && this.#session === null) this.#toHttp2(new Uint8Array(0));
  }

  /** The connection is over, whichever end closed it. */
  get isGone(): boolean {
    return this.#gone;
  }

  /** Bytes the main thread read from the client. */
  receive(data: Uint8Array): void {
    if (data.length >= TAKEN_FROM) this.#host.outbox.push(ToSocket.Taken, this.id);
    if (this.#session !== null) return this.#session.receive(data);
    this.protocol.receive(data);
    if (!this.#paused && this.protocol.bufferedBytes > PAUSE_ABOVE) {
      this.#paused = true;
      this.#host.outbox.push(ToSocket.Pause, this.id);
    }
    this.drive();
  }

  /**
   * The client closed its side: an app's exchange under way is abandoned (its signal aborts, its body is
   * cancelled), as deno serve and nginx do; the file server still answers a half-closed client (`… | nc`).
   */
  receiveEof(): void {
    if (this.#session !== null) return this.#session.receiveEof();
    this.protocol.receiveEof();
    if (this.#exchange !== null && this.#host.init.app !== null) return this.close("the client went away");
    this.drive();
  }

  /** Hands bytes the response owns to the main thread (flow rule 3). */
  write(bytes: Payload): void {
    this.writes.write(bytes);
  }

  /** The app upgraded the connection: the 101 goes out, and the main thread never answers its bytes as HTTP. */
  upgrade(upgrade: WebSocketUpgrade): void {
    const early = this.protocol.takeOver();
    this.write(switchingProtocols(withAddedFields(upgrade.fields, this.#host.init.headers), "weft"));
    this.#host.outbox.push(ToSocket.Upgraded, this.id);
    this.#deadline.clear();
    this.#session = new WebSocketSession(this, upgrade, this.#host.init.maxMessageSize, this.#host);
    if (early.length > 0) this.#session.receive(early);
  }

  /** The response is done: its last bytes, `Slow` if its handler held the thread (ms), `End` (bytes read). */
  endResponse(ready: Uint8Array[] = [], heldMs = 0): void {
    ready.push(this.protocol.endResponse());
    this.write(ready);
    if (heldMs > 0) this.#host.outbox.push(ToSocket.Slow, this.id, encodeCount(Math.ceil(heldMs)));
    this.#host.outbox.push(ToSocket.End, this.id, encodeCount(this.protocol.consumedBytes));
  }

  /** Runs the protocol's events until it needs bytes or must wait. */
  drive(): void {
    try {
      while (!this.#gone && !this.#bodyFull && this.#step());
    } catch (e) {
      if (!(e instanceof HttpParseError)) throw e;
      // RFC 9113 §3.4: a client with prior knowledge of HTTP/2 speaks it from its first byte.
      if (e.code === "HTTP2_PREFACE" && this.#host.init.http2 !== null) return this.#toHttp2();
      this.#exchange?.sink?.fail(e);
      // A client that left mid-request waits for no answer.
      if (e.code === "TRUNCATED") this.close();
      else this.refuse(e.status, e.message, [], e.head);
    }
  }

  #toHttp2(early: Uint8Array = this.protocol.takeOver()): void {
    this.#host.outbox.push(ToSocket.Upgraded, this.id);
    this.#deadline.clear();
    this.#session = new Http2Session(this, this.#host);
    this.#session.receive(early);
  }

  /** Handles one protocol event; false when there is nothing more to do now. */
  #step(): boolean {
    const event = this.protocol.nextEvent();
    switch (event.type) {
      case "need-data":
        this.#deadline.wait(this.protocol.phase);
        if (this.#paused) {
          this.#paused = false;
          this.#host.outbox.push(ToSocket.Resume, this.id);
        }
        return false;
      case "closed":
        if (this.#exchange === null) this.close();
        return false;
      case "paused":
        return false;
      case "request":
        this.#deadline.clear();
        // RFC 9110 §15.6.4: 503 with Retry-After while the worker is at its in-flight limit.
        if (!this.#host.admits(event.target.path)) {
          this.refuse(
            503,
            "The server is at capacity, try again shortly",
            [["Retry-After", "1"]],
            event.head,
          );
          return false;
        }
        this.#exchange = new Exchange(this.#response, event, this.#host);
        void this.#exchange.run();
        return true;
      case "data":
        if (this.#exchange?.sink?.push(event.data) === false) this.#bodyFull = true;
        return true;
      case "end":
        this.#exchange?.sink?.end();
        return true;
    }
  }

  /** The app read from the body stream (or cancelled it): send `100 Continue` if due, and feed it. */
  bodyPulled(): void {
    if (this.#gone) return;
    // RFC 9110 §10.1.1: 100 Continue once the body is wanted.
    const proceed = this.protocol.continueBytes();
    if (proceed !== null) this.write(proceed);
    this.#bodyFull = false;
    this.drive();
  }

  /** The exchange is over: read the next request, or close. */
  exchangeEnded(exchange: Exchange): void {
    if (this.#exchange === exchange) this.#exchange = null;
    this.#bodyFull = false;
    this.#deadline.served();
    if (this.#gone || this.#session !== null) return;
    if (this.protocol.mustClose) return this.close();
    // Flow rule 5: no next response while a megabyte of this connection is unwritten.
    if (this.writes.window.unwritten < MAX_QUEUED) return this.drive();
    this.writes.window.room(MAX_QUEUED).then(() => {
      if (!this.#gone && this.#exchange === null) this.drive();
    });
  }

  /**
   * Ends the connection if the client or the handler took too long: 503 for a handler that has not started
   * its response (its signal aborts), 408 (RFC 9110 §15.5.9) for a request that stopped, a quiet close if idle.
   */
  expire(now: number): void {
    if (this.#session !== null) return this.#session.expire(now);
    const { timeouts } = this.#host.init;
    if (this.#exchange?.isOverdue(now, timeouts.handler)) {
      return this.refuse(503, "The handler took too long to answer");
    }
    const missed = this.#deadline.missed(now);
    if (missed === "idle") this.close();
    else if (missed !== null) this.refuse(408, "The request took too long to arrive");
  }

  /** A reload replaces this worker: a connection taken over ends as its protocol can (HTTP/1 ones move). */
  leaving(): void {
    this.#session?.leaving?.();
  }

  /** Graceful shutdown: abort the handler's signal, close now if idle, else after this response. */
  shutdown(): void {
    if (this.#session !== null) return this.#session.shutdown();
    this.#exchange?.abort();
    if (this.protocol.closeAfterResponse() && this.#exchange === null) this.close();
  }

  /**
   * Answers with an error (or only ends a response under way) and closes. It is logged and counted once: by
   * the exchange under way, with this status, or here, with the request's head if it was read.
   */
  refuse(
    status: number,
    message: string,
    extra: [string, string][] = [],
    head: RequestHead | null = null,
  ): void {
    const response = this.protocol.respondToError(status, message, extra);
    this.write(response);
    if (this.#exchange !== null) this.#exchange.abandon(message, status);
    else if (response.length > 0) {
      const answered = { head, status, bytes: errorText(status, message).length, startedAt: Date.now() };
      this.#host.count(status, answered.bytes, accessLine(this.#host.init, this.remoteAddr, answered));
    }
    this.close();
  }

  /** The server ends the connection: forget it, and close it once what was handed over is written. */
  close(why = "the connection was closed"): void {
    if (this.#gone) return;
    this.forget(why);
    this.#host.outbox.push(ToSocket.Close, this.id);
  }

  /** The connection is over (either end closed it): forget its unwritten bytes, free what waits on it. */
  forget(why: string): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#host.forget(this);
    this.writes.window.close();
    this.#exchange?.abandon(why);
    this.#session?.gone();
  }
}
