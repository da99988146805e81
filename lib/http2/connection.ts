/**
 * The server side of one HTTP/2 connection as a state machine (RFC 9113), in
 * the manner of h11 and python's h2: bytes go in with `receive`, events come
 * out of `nextEvent`, and the bytes to write come out of `takeOutput`.
 * Nothing here touches a socket. Each frame type has its handler in one
 * table; a fault that ends a stream resets it (RST_STREAM), one that ends
 * the connection sends GOAWAY (§5.4).
 *
 * @module
 */

import { CLOSED, type Http2Event, NEED_DATA } from "./events.ts";
import {
  ErrorCode,
  Flag,
  FrameType,
  type FrameTypeValue,
  Http2Error,
  INITIAL_WINDOW,
  words,
} from "./frame.ts";
import { checkFrame, type Frame, FrameReader } from "./frame_reader.ts";
import { type HeaderBlock, HeaderBlocks } from "./header_block.ts";
import { DEFAULT_HTTP2_LIMITS, type Http2Limits } from "./limits.ts";
import { growWindow, Http2Output } from "./output.ts";
import { DEFAULT_PEER_SETTINGS, ourSettings, type PeerSettings, receiveSettings } from "./settings.ts";
import { type Http2Stream, RecentlyClosed } from "./stream.ts";
import { StreamsIn } from "./streams_in.ts";
import { type StreamSending, StreamsOut } from "./streams_out.ts";

/**
 * One connection's protocol state.
 *
 * @example A request and its response
 * ```ts
 * import assert from "node:assert/strict";
 * import { Http2Connection } from "./connection.ts";
 * import { clientBytes } from "./_test_utils.ts";
 * const conn = new Http2Connection();
 * conn.receive(clientBytes([[":method", "GET"], [":scheme", "http"], [":path", "/"], [":authority", "x"]]));
 * const request = conn.nextEvent();
 * assert.equal(request.type === "request" && request.request.path, "/");
 * assert.equal(conn.nextEvent().type, "end");
 * conn.respond(1, 200, [["content-type", "text/plain"]]);
 * conn.send(1, new TextEncoder().encode("hi"));
 * conn.end(1);
 * assert.ok(conn.takeOutput()!.length > 0);
 * assert.equal(conn.openStreams, 0);
 * ```
 */
export class Http2Connection {
  readonly #limits: Http2Limits;
  readonly #reader: FrameReader;
  readonly #peer: PeerSettings = { ...DEFAULT_PEER_SETTINGS };
  readonly #output: Http2Output;
  readonly #streams = new Map<number, Http2Stream>();
  readonly #closed = new RecentlyClosed(256);
  readonly #blocks: HeaderBlocks;
  readonly #in: StreamsIn;
  readonly #out: StreamsOut;
  readonly #events: Http2Event[] = [];
  #settingsSeen = false;
  #failed = false;
  #eof = false;
  #goingAway = false;
  #peerGoingAway = false;

  /** A connection whose SETTINGS and connection window (from `limits`) are the first output. */
  constructor(limits: Partial<Http2Limits> = {}) {
    this.#limits = { ...DEFAULT_HTTP2_LIMITS, ...limits };
    this.#reader = new FrameReader(this.#limits.maxFrameSize);
    this.#output = new Http2Output(this.#peer);
    this.#blocks = new HeaderBlocks(this.#limits);
    this.#out = new StreamsOut(this.#limits, this.#output, this.#events, {
      streams: this.#streams,
      closed: this.#closed,
    });
    this.#in = new StreamsIn(this.#limits, this.#output, this.#events, {
      streams: this.#streams,
      closed: this.#closed,
      peer: this.#peer,
    });
    this.#output.frame(FrameType.SETTINGS, 0, 0, ourSettings(this.#limits));
    const raise = this.#limits.connectionWindow - INITIAL_WINDOW;
    if (raise > 0) this.#output.frame(FrameType.WINDOW_UPDATE, 0, 0, words([raise]));
  }

  /** Streams open now. */
  get openStreams(): number {
    return this.#streams.size;
  }

  /** The connection is over: an error sent, or both sides done after GOAWAY or the client's end. */
  get done(): boolean {
    return this.#failed || (this.#goingAway || this.#peerGoingAway || this.#eof) && this.#streams.size === 0;
  }

  /** Takes bytes read from the client. The array may be kept until it is parsed. */
  receive(bytes: Uint8Array): void {
    this.#reader.receive(bytes);
  }

  /** The client will send nothing more. */
  receiveEof(): void {
    this.#eof = true;
  }

  /** The bytes to write now, in pieces (a large body's bytes are not copied), or null. */
  takeOutput(): Uint8Array[] | null {
    return this.#output.take();
  }

  /** The next thing that happened. */
  nextEvent(): Http2Event {
    for (;;) {
      const event = this.#events.shift();
      if (event !== undefined) return event;
      // Done is done however the bytes were cut: what follows is not read.
      if (this.done) return CLOSED;
      let frame: Frame | null;
      try {
        frame = this.#reader.next();
        if (frame !== null) this.#handle(frame);
      } catch (e) {
        if (!(e instanceof Http2Error)) throw e;
        if (e.stream === 0) this.#fail(e);
        else if (this.#out.reset(e.stream, e.code)) {
          this.#events.push({ type: "reset", stream: e.stream, code: e.code, reason: e.message });
        }
        continue;
      }
      if (frame === null) return this.#eof ? CLOSED : NEED_DATA;
    }
  }

  /** Sends the response's fields on `stream`; `endStream`: it has no body. */
  respond(
    stream: number,
    status: number,
    fields: readonly (readonly [string, string])[],
    endStream = false,
  ): void {
    this.#out.respond(stream, status, fields, endStream);
  }

  /**
   * Queues body bytes on `stream`; they go out as the windows allow (a `drained` event follows a wait). What
   * must wait is copied unless `owned` (the caller will never change `data`).
   */
  send(stream: number, data: Uint8Array, owned = false): void {
    this.#out.send(stream, data, owned);
  }

  /** What `stream` can send now, or null once it is closed (or was never opened). */
  sending(stream: number): StreamSending | null {
    return this.#out.sending(stream);
  }

  /** A producer on `stream` waits until its queue is out and its window open: `drained` says when. */
  awaitRoom(stream: number): void {
    this.#out.awaitRoom(stream);
  }

  /** Ends the response on `stream` once its queue is out, with `trailers` if any. */
  end(stream: number, trailers: [string, string][] = []): void {
    this.#out.end(stream, trailers);
  }

  /** Resets `stream` (RST_STREAM with `code`), as when its handler failed or it is no longer wanted. */
  reset(stream: number, code: number = ErrorCode.CANCEL): void {
    if (this.#streams.has(stream)) this.#out.reset(stream, code);
  }

  /** The reader consumed `bytes` of `stream`'s body: credit them, once enough gathered, with WINDOW_UPDATE. */
  consumed(stream: number, bytes: number): void {
    this.#out.consumed(stream, bytes);
  }

  /** Begins a graceful close (§6.8): GOAWAY naming the last stream taken; streams above it are refused. */
  goAway(code: number = ErrorCode.NO_ERROR, reason = ""): void {
    if (this.#goingAway || this.#failed) return;
    this.#goingAway = true;
    this.#in.goingAway = true;
    const debug = new TextEncoder().encode(reason);
    this.#output.frame(FrameType.GOAWAY, 0, 0, words([this.#in.lastStream, code], debug));
  }

  #fail(error: Http2Error): void {
    this.#failed = true;
    const debug = new TextEncoder().encode(error.message);
    this.#output.frame(FrameType.GOAWAY, 0, 0, words([this.#in.lastStream, error.code], debug));
    this.#events.push({ type: "error", error });
  }

  #handle(frame: Frame): void {
    if (!this.#settingsSeen && (frame.type !== FrameType.SETTINGS || frame.flags & Flag.ACK)) {
      throw new Http2Error(
        ErrorCode.PROTOCOL_ERROR,
        0,
        "RFC 9113 §3.4: the preface is not followed by SETTINGS",
      );
    }
    this.#blocks.checkOrder(frame);
    const handlers: Partial<Record<number, (frame: Frame) => void>> = this.#handlers;
    // §4.1, §5.5: a frame of an unknown type is ignored.
    handlers[frame.type]?.(frame);
  }

  readonly #handlers = {
    [FrameType.DATA]: (frame: Frame) => {
      this.#in.data(frame);
      this.#out.flush();
    },
    [FrameType.HEADERS]: (frame: Frame) => this.#onBlock(this.#blocks.headers(frame)),
    [FrameType.CONTINUATION]: (frame: Frame) => this.#onBlock(this.#blocks.continuation(frame)),
    [FrameType.PRIORITY]: (frame: Frame) => this.#blocks.priority(frame),
    [FrameType.RST_STREAM]: (frame: Frame) => this.#onReset(frame),
    [FrameType.SETTINGS]: (frame: Frame) => this.#onSettings(frame),
    [FrameType.PUSH_PROMISE]: () => {
      throw new Http2Error(ErrorCode.PROTOCOL_ERROR, 0, "RFC 9113 §8.4: a client cannot push");
    },
    [FrameType.PING]: (frame: Frame) => this.#onPing(frame),
    [FrameType.GOAWAY]: (frame: Frame) => this.#onGoAway(frame),
    [FrameType.WINDOW_UPDATE]: (frame: Frame) => this.#onWindowUpdate(frame),
  } satisfies Record<FrameTypeValue, (frame: Frame) => void>;

  #onBlock(block: HeaderBlock | null): void {
    if (block === null) return;
    this.#in.block(block);
    this.#out.flush();
  }

  #onReset(frame: Frame): void {
    checkFrame(frame, 4, true);
    if (frame.stream > this.#in.lastStream) {
      throw new Http2Error(ErrorCode.PROTOCOL_ERROR, 0, "RFC 9113 §6.4: RST_STREAM on an idle stream");
    }
    const code = new DataView(frame.payload.buffer, frame.payload.byteOffset).getUint32(0);
    if (!this.#streams.delete(frame.stream)) return;
    this.#closed.add(frame.stream, false);
    this.#events.push({ type: "reset", stream: frame.stream, code, reason: "the client reset the stream" });
    this.#in.flood.resetByClient();
  }

  #onSettings(frame: Frame): void {
    const before = receiveSettings(frame, this.#peer);
    if (before === null) return;
    this.#settingsSeen = true;
    this.#out.moveWindows(this.#peer.initialWindowSize - before.initialWindowSize);
    if (this.#peer.headerTableSize !== before.headerTableSize) {
      this.#output.encoder.resize(Math.min(this.#peer.headerTableSize, 4096));
    }
    this.#output.frame(FrameType.SETTINGS, Flag.ACK, 0, new Uint8Array(0));
    this.#out.flush();
  }

  #onPing(frame: Frame): void {
    checkFrame(frame, 8, false);
    if (!(frame.flags & Flag.ACK)) this.#output.frame(FrameType.PING, Flag.ACK, 0, frame.payload);
  }

  #onGoAway(frame: Frame): void {
    checkFrame(frame, null, false);
    if (frame.payload.length < 8) {
      throw new Http2Error(ErrorCode.FRAME_SIZE_ERROR, 0, "RFC 9113 §6.8: a short GOAWAY");
    }
    const view = new DataView(frame.payload.buffer, frame.payload.byteOffset);
    const lastStream = view.getUint32(0) & 0x7fffffff;
    const code = view.getUint32(4);
    this.#peerGoingAway = true;
    const reason = new TextDecoder().decode(frame.payload.subarray(8));
    this.#events.push({ type: "goaway", code, lastStream, reason });
  }

  #onWindowUpdate(frame: Frame): void {
    checkFrame(frame, 4, frame.stream !== 0);
    const increment = new DataView(frame.payload.buffer, frame.payload.byteOffset).getUint32(0) & 0x7fffffff;
    if (increment === 0) {
      throw new Http2Error(ErrorCode.PROTOCOL_ERROR, frame.stream, "RFC 9113 §6.9: a WINDOW_UPDATE of 0");
    }
    if (frame.stream === 0) {
      const grown = growWindow(this.#output.connectionWindow, increment);
      if (grown === null) {
        throw new Http2Error(ErrorCode.FLOW_CONTROL_ERROR, 0, "RFC 9113 §6.9.1: a window above 2^31-1");
      }
      this.#output.connectionWindow = grown;
    } else {
      if (frame.stream > this.#in.lastStream) {
        throw new Http2Error(ErrorCode.PROTOCOL_ERROR, 0, "RFC 9113 §5.1: WINDOW_UPDATE on an idle stream");
      }
      this.#out.windowUpdate(frame.stream, increment);
    }
    this.#out.flush();
  }
}
