/**
 * Rule: what the client sends on streams, against their states (RFC 9113
 * §5.1) and windows (§6.9): a field block opens a stream with an id above
 * every earlier one, or is the trailers of an open one; DATA goes only to a
 * stream the client has not ended, within both windows, and adds up to its
 * Content-Length (§8.1.1). The connection's window is credited as DATA
 * arrives; a stream's as its reader consumes, so a stream holds at most its
 * window unread.
 *
 * @module
 */

import type { Http2Event } from "./events.ts";
import { ErrorCode, Flag, FrameType, Http2Error, words } from "./frame.ts";
import type { Frame } from "./frame_reader.ts";
import { type HeaderBlock, unpad } from "./header_block.ts";
import { FloodGuard } from "./flood.ts";
import { HpackDecoder } from "./hpack.ts";
import type { Http2Limits } from "./limits.ts";
import type { Http2Output } from "./output.ts";
import { readTrailers, requestFromFields } from "./request_fields.ts";
import type { PeerSettings } from "./settings.ts";
import { Http2Stream, type RecentlyClosed } from "./stream.ts";

/** The receiving side of the streams of one connection. */
export class StreamsIn {
  /** GOAWAY was sent: new streams are refused. */
  goingAway = false;
  /** The highest stream id the client has used (§5.1.1: each new one is higher). */
  lastStream = 0;
  /** What the client has made us do for nothing. */
  readonly flood = new FloodGuard();
  readonly #limits: Http2Limits;
  readonly #output: Http2Output;
  readonly #events: Http2Event[];
  readonly #streams: Map<number, Http2Stream>;
  readonly #closed: RecentlyClosed;
  readonly #peer: PeerSettings;
  readonly #decoder: HpackDecoder;
  /** DATA bytes the client may still send on the connection. */
  #connectionWindow: number;
  #uncredited = 0;

  /** Keeps `streams` and `closed`, reports to `events`, and writes credits and refusals to `output`. */
  constructor(
    limits: Http2Limits,
    output: Http2Output,
    events: Http2Event[],
    { streams, closed, peer }: {
      streams: Map<number, Http2Stream>;
      closed: RecentlyClosed;
      peer: PeerSettings;
    },
  ) {
    this.#limits = limits;
    this.#output = output;
    this.#events = events;
    this.#streams = streams;
    this.#closed = closed;
    this.#peer = peer;
    this.#decoder = new HpackDecoder(limits.headerTableSize);
    this.#connectionWindow = limits.connectionWindow;
  }

  /** A DATA frame. */
  data(frame: Frame): void {
    if (frame.stream === 0) {
      throw new Http2Error(ErrorCode.PROTOCOL_ERROR, 0, "RFC 9113 §6.1: DATA on stream 0");
    }
    const length = frame.payload.length;
    if (length > this.#connectionWindow) {
      throw new Http2Error(
        ErrorCode.FLOW_CONTROL_ERROR,
        0,
        "RFC 9113 §6.9.1: DATA beyond the connection's window",
      );
    }
    this.#connectionWindow -= length;
    this.#creditConnection(length);
    const data = unpad(frame);
    const s = this.#streams.get(frame.stream);
    if (s === undefined) {
      if (frame.stream > this.lastStream) {
        throw new Http2Error(ErrorCode.PROTOCOL_ERROR, 0, "RFC 9113 §5.1: DATA on an idle stream");
      }
      if (this.#closed.state(frame.stream) === "reset") return; // §5.4.2: late frames after our reset are ignored
      throw new Http2Error(ErrorCode.STREAM_CLOSED, frame.stream, "RFC 9113 §5.1: DATA on a closed stream");
    }
    if (!s.remoteOpen) {
      throw new Http2Error(ErrorCode.STREAM_CLOSED, s.id, "RFC 9113 §5.1: DATA after END_STREAM");
    }
    if (length > s.receiveWindow) {
      throw new Http2Error(
        ErrorCode.FLOW_CONTROL_ERROR,
        s.id,
        "RFC 9113 §6.9.1: DATA beyond the stream's window",
      );
    }
    s.receiveWindow -= length;
    s.uncredited += length - data.length; // padding is never read: credited with the next update
    s.received += data.length;
    if (s.contentLength !== null && s.received > s.contentLength) {
      throw new Http2Error(ErrorCode.PROTOCOL_ERROR, s.id, "RFC 9113 §8.1.1: more DATA than Content-Length");
    }
    if (data.length > 0) this.#events.push({ type: "data", stream: s.id, data });
    else if (!(frame.flags & Flag.END_STREAM)) this.flood.emptyData();
    if (frame.flags & Flag.END_STREAM) this.#endOfRequest(s, []);
  }

  /** A whole field block: a new stream's request, or an open stream's trailers. */
  block(block: HeaderBlock): void {
    // Decoded first, whatever becomes of the stream: HPACK's table must follow every block (RFC 7541 §2.2).
    const { fields, tooLarge } = this.#decoder.decode(block.bytes, this.#limits.maxHeaderListSize);
    const id = block.stream;
    const open = this.#streams.get(id);
    if (open !== undefined) {
      if (!open.remoteOpen) {
        throw new Http2Error(ErrorCode.STREAM_CLOSED, id, "RFC 9113 §5.1: HEADERS after END_STREAM");
      }
      if (!block.endStream) {
        throw new Http2Error(ErrorCode.PROTOCOL_ERROR, id, "RFC 9113 §8.1: trailers without END_STREAM");
      }
      if (tooLarge) {
        throw new Http2Error(ErrorCode.PROTOCOL_ERROR, id, "RFC 9113 §10.5.1: trailers above the limit");
      }
      return this.#endOfRequest(open, readTrailers(id, fields));
    }
    if (id <= this.lastStream) {
      const state = this.#closed.state(id);
      if (state === "reset") return;
      if (state === "closed") {
        throw new Http2Error(ErrorCode.STREAM_CLOSED, 0, "RFC 9113 §5.1: HEADERS on a closed stream");
      }
      throw new Http2Error(ErrorCode.PROTOCOL_ERROR, 0, "RFC 9113 §5.1.1: a stream id not above the last");
    }
    if (id % 2 === 0) throw new Http2Error(ErrorCode.PROTOCOL_ERROR, 0, "RFC 9113 §5.1.1: an even stream id");
    this.lastStream = id;
    this.#open(id, block, fields, tooLarge);
  }

  #open(id: number, block: HeaderBlock, fields: [string, string][], tooLarge: boolean): void {
    const refuse = (code: number) => {
      this.#output.frame(FrameType.RST_STREAM, 0, id, words([code]));
      this.#closed.add(id, true);
    };
    // §6.8: after GOAWAY no new stream is taken; §5.1.2: nor one above the concurrency limit.
    if (this.goingAway || this.#streams.size >= this.#limits.maxConcurrentStreams) {
      return refuse(ErrorCode.REFUSED_STREAM);
    }
    if (block.selfDependent) {
      throw new Http2Error(ErrorCode.PROTOCOL_ERROR, id, "RFC 9113 §5.3.1: a stream depends on itself");
    }
    if (tooLarge) {
      // §10.5.1: 431, then (§8.1) a reset with NO_ERROR if the client still meant to send a body.
      this.#output.fields(id, [[":status", "431"]], true);
      if (block.endStream) this.#closed.add(id, false);
      else refuse(ErrorCode.NO_ERROR);
      return;
    }
    const request = requestFromFields(id, fields, block.endStream);
    const s = new Http2Stream(id, this.#peer.initialWindowSize, this.#limits.initialWindowSize);
    s.contentLength = request.contentLength;
    this.#streams.set(id, s);
    this.flood.opened();
    this.#events.push({ type: "request", stream: id, request, endStream: block.endStream });
    if (block.endStream) this.#endOfRequest(s, []);
  }

  #endOfRequest(s: Http2Stream, trailers: [string, string][]): void {
    if (s.contentLength !== null && s.received !== s.contentLength) {
      throw new Http2Error(ErrorCode.PROTOCOL_ERROR, s.id, "RFC 9113 §8.1.1: less DATA than Content-Length");
    }
    s.remoteOpen = false;
    this.#events.push({ type: "end", stream: s.id, trailers });
  }

  /** Credits the connection's window once half of it has been used. */
  #creditConnection(bytes: number): void {
    this.#uncredited += bytes;
    if (this.#uncredited < this.#limits.connectionWindow / 2) return;
    this.#output.frame(FrameType.WINDOW_UPDATE, 0, 0, words([this.#uncredited]));
    this.#connectionWindow += this.#uncredited;
    this.#uncredited = 0;
  }
}
