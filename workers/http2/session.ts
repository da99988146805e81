/**
 * Rule: an HTTP/2 connection in its worker (it is pinned there: its HPACK
 * tables and windows live here). The core's events drive exchanges, one per
 * stream, each answering through its own response stream; what the core
 * writes goes to the main thread as it comes. A reset stream abandons its
 * exchange; shutdown sends GOAWAY and lets open streams finish; a connection
 * with no stream open for the idle timeout is closed.
 *
 * @module
 */

import { HttpParseError } from "../../lib/http/errors.ts";
import type { RequestHead } from "../../lib/http/request_head.ts";
import { Http2Connection } from "../../lib/http2/connection.ts";
import type { Http2Event } from "../../lib/http2/events.ts";
import { ErrorCode } from "../../lib/http2/frame.ts";
import type { Http2Request } from "../../lib/http2/request_fields.ts";
import type { Connection } from "../connection.ts";
import type { ConnectionHost } from "../connection_host.ts";
import { accessLine } from "../access_line.ts";
import { Exchange } from "../exchange.ts";
import { ProducerWaits } from "./producer_waits.ts";
import { requestEvent, requestHead } from "./request_event.ts";
import { type QueuedStream, StreamQueue } from "./stream_queue.ts";
import { WindowStalls } from "./window_stalls.ts";
import { Http2StreamResponse, type StreamOwner } from "./stream_response.ts";

/** The driver of one HTTP/2 connection. */
export class Http2Session implements StreamOwner {
  readonly #connection: Connection;
  readonly #host: ConnectionHost;
  readonly #core: Http2Connection;
  readonly #streams = new Map<number, { response: Http2StreamResponse; exchange: Exchange | null }>();
  /** Streams whose data waits on the client's windows: a producer's, or an ended exchange's answer. */
  readonly #stalls = new WindowStalls();
  /** Producers waiting for their stream's queue to go out and its window to open, or for the socket. */
  readonly #waits: ProducerWaits;
  /** A read of the core's events is queued (`#written`). */
  #driveSoon = false;
  /** Streams that wait for a place in the worker. */
  readonly #queue: StreamQueue;
  /** When the last stream ended (or the session began), for the idle timeout. */
  #idleSince = Date.now();

  /** Takes over `connection` from HTTP/1, whose parser saw the client's preface. */
  constructor(connection: Connection, host: ConnectionHost) {
    this.#connection = connection;
    this.#host = host;
    this.#core = new Http2Connection(host.init.http2 ?? {});
    this.#queue = new StreamQueue(host, (queued) => this.#start(queued));
    this.#waits = new ProducerWaits(() => connection.writes.window.room());
    host.http2Opened(1);
    this.#write();
  }

  get connection(): Connection {
    return this.#connection;
  }

  get addedFields(): readonly [string, string][] {
    return this.#host.init.headers;
  }

  /** Bytes the main thread read. */
  receive(data: Uint8Array): void {
    this.#core.receive(data);
    this.#drive();
  }

  /** The client will send nothing more. */
  receiveEof(): void {
    this.#core.receiveEof();
    this.#drive();
  }

  /**
   * Handlers that took too long get 503; a stream whose client took none of its data for the body timeout (a
   * window kept shut, CVE-2019-9517) is reset; an idle connection closes.
   */
  expire(now: number): void {
    const { handler, idle, body } = this.#host.init.timeouts;
    for (const [stream, { response, exchange }] of this.#streams) {
      if (exchange?.isOverdue(now, handler)) {
        // The stream is answered here and let go: a reply the handler makes later goes nowhere.
        exchange.abandon("The handler took too long to answer", 503);
        this.#letGo(stream);
        response.stop();
        this.#refuse(stream, 503, "The handler took too long to answer");
      }
    }
    for (const stream of this.#stalls.stalled(now, body, (id) => this.#core.sending(id))) {
      // The stream is reset and its producer let go, so its exchange ends.
      const entry = this.#streams.get(stream);
      entry?.response.stop();
      entry?.exchange?.abandon("The client took no data");
      this.reset(stream, ErrorCode.CANCEL);
      this.#waits.wake(stream);
    }
    for (const { stream, head } of this.#queue.takeWaitingSince(now - handler)) {
      this.#refuse(stream, 503, "The server is at capacity, try again shortly", head);
    }
    if (this.#streams.size + this.#queue.size + this.#stalls.size === 0 && now - this.#idleSince > idle) {
      this.#core.goAway(ErrorCode.NO_ERROR, "idle");
      this.#write();
      this.#connection.close();
    }
  }

  /** Graceful shutdown (RFC 9113 §6.8): GOAWAY; open streams finish, their handlers' signals aborted. */
  shutdown(): void {
    for (const { exchange } of this.#streams.values()) exchange?.abort();
    for (const { stream, head } of this.#queue.takeWaitingSince(Infinity)) {
      this.#refuse(stream, 503, "The server is shutting down", head);
    }
    this.#goAway("the server is shutting down");
  }

  /** A reload replaces this worker: GOAWAY; open streams finish, and the client opens the next ones anew. */
  leaving(): void {
    this.#goAway("the server is reloading");
  }

  #goAway(reason: string): void {
    this.#core.goAway(ErrorCode.NO_ERROR, reason);
    this.#write();
    if (this.#core.done) this.#connection.close();
  }

  /** The connection is over: every exchange is abandoned. */
  gone(): void {
    this.#host.http2Opened(-1);
    // Streams waiting for a place are dropped: no handler runs for a client that left.
    this.#queue.takeWaitingSince(Infinity);
    for (const { exchange } of this.#streams.values()) exchange?.abandon("the client went away");
    this.#waits.wakeAll();
  }

  respond(stream: number, status: number, fields: [string, string][]): void {
    this.#core.respond(stream, status, fields);
    this.#written();
  }

  send(stream: number, data: Uint8Array, owned: boolean): void {
    this.#core.send(stream, data, owned);
    this.#written();
  }

  end(stream: number): void {
    this.#core.end(stream);
    this.#written();
  }

  reset(stream: number, code: number): void {
    this.#core.reset(stream, code);
    this.#written();
  }

  async room(stream: number): Promise<void> {
    const sending = this.#core.sending(stream);
    const blocked = sending !== null && (sending.queued > 0 || sending.open && sending.window === 0);
    if (blocked && !this.#connection.isGone) {
      this.#core.awaitRoom(stream);
      this.#stalls.watch(stream, sending.queued, Date.now());
      await this.#waits.forWindow(stream, this.#streams.get(stream)?.exchange ?? undefined);
      this.#stalls.unwatch(stream);
    }
    await this.#waits.forSocket();
  }

  window(stream: number): number {
    return this.#core.sending(stream)?.window ?? 0;
  }

  consumed(stream: number, bytes: number): void {
    this.#core.consumed(stream, bytes);
    this.#written();
  }

  exchangeEnded(stream: number): void {
    const entry = this.#streams.get(stream);
    this.#letGo(stream);
    // An exchange that ended without ending its stream (abandoned) resets it; one whose answer is complete
    // while the client still sends asks it to stop (RFC 9113 §8.1: NO_ERROR); one whose answer waits on the
    // windows is let go once out, and reset if the client takes none of it for the body timeout.
    const sending = this.#core.sending(stream);
    if (sending?.ended && sending.open) this.#stalls.watch(stream, sending.queued, Date.now());
    else if (entry !== undefined && !entry.response.isGone && sending !== null) {
      this.#core.reset(stream, sending.open ? ErrorCode.CANCEL : ErrorCode.NO_ERROR);
    }
    this.#write();
    if (this.#core.done) this.#connection.close();
  }

  /** The session is done with `stream`'s exchange; with none left, the connection's idle time begins. */
  #letGo(stream: number): void {
    this.#streams.delete(stream);
    this.#waits.wake(stream);
    if (this.#streams.size === 0) this.#idleSince = Date.now();
  }

  #drive(): void {
    for (let event = this.#core.nextEvent(); !this.#connection.isGone; event = this.#core.nextEvent()) {
      if (event.type === "need-data") return this.#write();
      if (event.type === "closed") {
        this.#write();
        return this.#connection.close();
      }
      const handle = this.#handlers[event.type] as (e: Http2Event) => void;
      handle(event);
    }
  }

  /** What each event does: a table that must name them all. */
  readonly #handlers: {
    [T in Exclude<Http2Event["type"], "need-data" | "closed">]: (e: Http2Event & { type: T }) => void;
  } = {
    request: (e) => this.#open(e.stream, e.request, e.endStream),
    data: (e) => this.#queue.data(e.stream, e.data) || this.#streams.get(e.stream)?.response.received(e.data),
    end: (e) => this.#queue.end(e.stream) || this.#streams.get(e.stream)?.response.sink?.end(),
    reset: (e) => {
      this.#queue.drop(e.stream);
      const entry = this.#streams.get(e.stream);
      entry?.response.stop();
      entry?.exchange?.abandon(e.reason);
      this.#waits.wake(e.stream);
    },
    drained: (e) => this.#waits.wake(e.stream),
    // The client is leaving: its open streams still finish, then the connection closes.
    goaway: () => {},
    error: (e) => {
      for (const { exchange } of this.#streams.values()) exchange?.abandon(e.error.message);
    },
  };

  #open(stream: number, request: Http2Request, endStream: boolean): void {
    const head = requestHead(request);
    let opened;
    try {
      opened = requestEvent(request, head, endStream);
    } catch (e) {
      if (!(e instanceof HttpParseError)) throw e;
      return this.#refuse(stream, e.status, e.message, head);
    }
    const queued = { stream, head, ...opened, data: [], ended: false, since: Date.now() };
    if (this.#host.admits(opened.event.target.path)) return this.#start(queued);
    // At the in-flight limit a stream waits its turn; past the worker's wait list, RFC 9110 §15.6.4: 503.
    if (!this.#queue.hold(queued)) {
      this.#refuse(stream, 503, "The server is at capacity, try again shortly", head);
    }
  }

  /** Runs `queued`'s exchange, with the body bytes that came while it waited. */
  #start({ stream, head, event, expectContinue, data, ended }: QueuedStream): void {
    const { dataSentAt, dataReceivedAt } = this.#connection;
    const response = new Http2StreamResponse(this, stream, head.method, dataSentAt, dataReceivedAt);
    response.expectsContinue = expectContinue;
    const entry = { response, exchange: null as Exchange | null };
    this.#streams.set(stream, entry);
    const exchange = entry.exchange = new Exchange(response, event, this.#host);
    response.sink = exchange.sink;
    for (const bytes of data) response.received(bytes);
    if (ended) response.sink?.end();
    void exchange.run();
  }

  /** Answers `stream` with an error of weft's own; counted and logged here when no exchange ran. */
  #refuse(stream: number, status: number, message: string, head: RequestHead | null = null): void {
    const bytes = new Http2StreamResponse(this, stream, head?.method ?? "GET", 0, 0).refuse(status, message);
    if (head === null) return;
    const answered = { head, status, bytes, startedAt: Date.now() };
    this.#host.count(status, bytes, accessLine(this.#host.init, this.#connection.remoteAddr, answered));
  }

  /**
   * After a stream wrote: soon (once this turn's other streams have written too, so their bytes leave in one
   * piece) hand the bytes over and read the core's events, since sending one stream's data may have emptied
   * another's queue (`drained`) with no byte from the client to drive it.
   */
  #written(): void {
    if (this.#driveSoon) return;
    this.#driveSoon = true;
    queueMicrotask(() => {
      this.#driveSoon = false;
      this.#drive();
    });
  }

  /** Hands what the core wrote to the main thread, acknowledged (flow rule 4), so producers can wait for room. */
  #write(): void {
    const out = this.#core.takeOutput();
    if (out !== null) this.#connection.writes.counted(out);
  }
}
