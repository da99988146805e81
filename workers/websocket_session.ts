/**
 * A connection after its upgrade: the WebSocket protocol state fed with the
 * bytes the main thread read, the app's socket told what arrives, and the
 * socket's sends framed and handed over like any response bytes (counted
 * in the connection's window until written, which is `bufferedAmount`).
 *
 * Endings (RFC 6455 §7): the client's Close is answered with its code and
 * the TCP connection closed (the server closes first, §7.1.1); the server's
 * own Close waits {@linkcode CLOSE_WAIT} for the client's; a protocol error
 * sends a Close with its code and closes at once (§7.1.7). Silence: after
 * half the idle timeout a Ping, after the other half a Close 1001, as Deno's
 * server sockets do.
 *
 * @module
 */

import type { SocketControl, SocketLink } from "../lib/app/websocket.ts";
import type { WebSocketUpgrade } from "../lib/app/upgrade.ts";
import { CloseCode, MAX_REASON_BYTES, WebSocketError } from "../lib/websocket/close.ts";
import { WebSocketConnection, type WebSocketEvent } from "../lib/websocket/connection.ts";
import type { Connection } from "./connection.ts";

/** How long the client has to answer the server's Close (ms) before the connection is dropped. */
export const CLOSE_WAIT = 5000;

/** What a session counts for its worker. */
export interface SessionHost {
  /** A session began. */
  sessionStarted(): void;
  /** A message went one way or the other. */
  messaged(direction: "received" | "sent"): void;
  /** The session ended. */
  sessionEnded(): void;
}

/** One upgraded connection. */
export class WebSocketSession implements SocketLink {
  readonly #connection: Connection;
  readonly #host: SessionHost;
  readonly #protocol: WebSocketConnection;
  readonly #control: SocketControl;
  readonly #idleTimeout: number;
  #heardAt = Date.now();
  #pingedAt = 0;
  /** When the client's Close is due (after the server's), or 0. */
  #closeBy = 0;
  #ended = false;
  /** Bytes of messages handed over so far; the 101 and control frames are not the app's to count. */
  #messageBytes = 0;

  /** Starts the session on `connection`, whose 101 has been handed over; `early` are bytes that came with it. */
  constructor(connection: Connection, upgrade: WebSocketUpgrade, maxMessageSize: number, host: SessionHost) {
    this.#connection = connection;
    this.#host = host;
    this.#protocol = new WebSocketConnection({ maxMessageSize });
    this.#control = upgrade.control;
    this.#idleTimeout = upgrade.idleTimeout > 0 ? upgrade.idleTimeout : 0;
    host.sessionStarted();
    this.#control.open(this);
  }

  /** Writes leave in order, so what is unwritten is the newest bytes: at most all the messages'. */
  get bufferedAmount(): number {
    return Math.min(this.#connection.writes.window.unwritten, this.#messageBytes);
  }

  send(data: string | Uint8Array): void {
    if (this.#protocol.closeSent || this.#ended) return;
    const frame = this.#protocol.message(data);
    this.#messageBytes += frame[0].length + frame[1].length;
    this.#connection.writes.counted(frame);
    this.#host.messaged("sent");
  }

  close(code?: number, reason?: string): void {
    if (this.#protocol.closeSent || this.#ended) return;
    this.#connection.writes.counted(this.#protocol.close(code, reason));
    this.#closeBy = Date.now() + CLOSE_WAIT;
  }

  /** Bytes from the client. */
  receive(data: Uint8Array): void {
    this.#protocol.receive(data);
    this.#heardAt = Date.now();
    this.#pingedAt = 0;
    this.#drive();
  }

  /** The client closed its side. */
  receiveEof(): void {
    this.#protocol.receiveEof();
    this.#drive();
  }

  #drive(): void {
    try {
      while (!this.#ended && this.#handle(this.#protocol.nextEvent()));
    } catch (e) {
      if (!(e instanceof WebSocketError)) throw e;
      this.#fail(e.code, e.message);
    }
  }

  /** Acts on one event; false when there is nothing more to do now. */
  #handle(event: WebSocketEvent): boolean {
    switch (event.type) {
      case "need-data":
        return false;
      case "message":
        this.#host.messaged("received");
        this.#control.message(event.data);
        return true;
      case "ping":
        if (!this.#protocol.closeSent) this.#connection.write(this.#protocol.pong(event.data));
        return true;
      case "pong":
        return true;
      case "close":
        // RFC 6455 §5.5.1: answer with the code received (none for none) and, as Deno does, its reason; then
        // close the TCP connection.
        if (!this.#protocol.closeSent) {
          const noCode = event.code === CloseCode.NoStatus;
          this.#connection.write(this.#protocol.close(noCode ? undefined : event.code, event.reason));
        }
        this.#end(event.code, event.reason, true);
        return false;
      case "closed":
        this.#end(CloseCode.Abnormal, "", false);
        return false;
    }
  }

  /** RFC 6455 §7.1.7: a Close with the code, if none was sent, then the TCP connection is closed. */
  #fail(code: number, message: string): void {
    if (!this.#protocol.closeSent) this.#connection.write(this.#protocol.close(code, fitReason(message)));
    this.#control.error(message);
    this.#end(code, message, false);
  }

  /** Pings a silent client, and gives up on one that answers neither a ping nor a Close in time. */
  expire(now: number): void {
    if (this.#ended) return;
    if (this.#closeBy !== 0 && now >= this.#closeBy) return this.#end(CloseCode.Abnormal, "", false);
    if (this.#idleTimeout === 0 || this.#protocol.closeSent) return;
    if (this.#pingedAt !== 0 && now - this.#pingedAt >= this.#idleTimeout / 2) {
      return this.#fail(CloseCode.GoingAway, "No response from ping frame.");
    }
    if (this.#pingedAt === 0 && now - this.#heardAt >= this.#idleTimeout / 2) {
      this.#pingedAt = now;
      this.#connection.write(this.#protocol.ping());
    }
  }

  /** Graceful shutdown: Close 1001, and the client has {@linkcode CLOSE_WAIT} to answer. */
  shutdown(): void {
    this.close(CloseCode.GoingAway, "The server is shutting down");
  }

  /** The connection went (reset, or the worker dropped it). */
  gone(): void {
    this.#end(CloseCode.Abnormal, "", false);
  }

  #end(code: number, reason: string, wasClean: boolean): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#host.sessionEnded();
    this.#connection.close("the WebSocket closed");
    this.#control.closed(code, reason, wasClean);
  }
}

/** A reason cut to what a Close frame holds, at a character boundary. */
function fitReason(message: string): string {
  const encoder = new TextEncoder();
  let reason = message;
  while (encoder.encode(reason).length > MAX_REASON_BYTES) reason = reason.slice(0, -1);
  return reason;
}
