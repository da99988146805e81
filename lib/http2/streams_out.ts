/**
 * Rule: what the server sends on streams: a response's fields once, then
 * body bytes through the stream's queue (sent as the windows allow), then
 * the end, with or without trailers (RFC 9113 §8.1); a stream both sides have
 * ended is forgotten. Connection-specific fields are never sent (§8.2.2).
 *
 * @module
 */

import type { Http2Event } from "./events.ts";
import { ErrorCode, Flag, FrameType, Http2Error, words } from "./frame.ts";
import type { Http2Limits } from "./limits.ts";
import { CONNECTION_SPECIFIC } from "./request_fields.ts";
import { growWindow, type Http2Output } from "./output.ts";
import type { Http2Stream, RecentlyClosed } from "./stream.ts";

const EMPTY = new Uint8Array(0);

/** What a stream can send now. */
export interface StreamSending {
  /** Our side is open: a response can still go out. */
  open: boolean;
  /** Bytes queued, waiting for window. */
  queued: number;
  /** Bytes it may send now: its window and the connection's. */
  window: number;
  /** The response has ended; its end goes once the queue is out. */
  ended: boolean;
}

/** The sending side of the streams of one connection. */
export class StreamsOut {
  readonly #limits: Http2Limits;
  readonly #output: Http2Output;
  readonly #events: Http2Event[];
  readonly #streams: Map<number, Http2Stream>;
  readonly #closed: RecentlyClosed;

  /** Sends through `output` on `streams`, forgetting ended ones into `closed`; `drained` events go to `events`. */
  constructor(
    limits: Http2Limits,
    output: Http2Output,
    events: Http2Event[],
    { streams, closed }: { streams: Map<number, Http2Stream>; closed: RecentlyClosed },
  ) {
    this.#limits = limits;
    this.#output = output;
    this.#events = events;
    this.#streams = streams;
    this.#closed = closed;
  }

  /** The response's fields; `endStream`: it has no body. */
  respond(
    stream: number,
    status: number,
    fields: readonly (readonly [string, string])[],
    endStream: boolean,
  ): void {
    const s = this.#sending(stream);
    const block: [string, string][] = [[":status", String(status)]];
    for (const [name, value] of fields) {
      const lower = name.toLowerCase();
      // §8.2.2: never sent, whatever the handler set.
      if (!CONNECTION_SPECIFIC.has(lower)) block.push([lower, value]);
    }
    // §8.1: an informational (1xx) field block comes before the final one and never ends the stream.
    const ends = endStream && status >= 200;
    this.#output.fields(stream, block, ends);
    if (ends) this.#sentEnd(s);
  }

  /** Queues body bytes; they go out as the windows allow. `owned`: the caller never changes `data` again. */
  send(stream: number, data: Uint8Array, owned: boolean): void {
    const s = this.#sending(stream);
    if (data.length === 0) return;
    // Nothing of this stream waits and the windows take it all: it goes now. Other streams that wait do so on a
    // window this does not open, so sending past them takes nothing from them.
    const output = this.#output;
    if (
      s.queued === 0 &&
      data.length <= Math.min(s.sendWindow, output.connectionWindow, output.peer.maxFrameSize)
    ) {
      s.sendWindow -= data.length;
      output.connectionWindow -= data.length;
      return output.frame(FrameType.DATA, 0, s.id, data);
    }
    s.queue.push(data);
    s.queued += data.length;
    this.flush();
    if (s.queued === 0) return;
    s.waited = true;
    // What waits for window is copied, unless owned: the caller may reuse its array once this returns.
    if (!owned && s.queue.at(-1)!.buffer === data.buffer) {
      s.queue[s.queue.length - 1] = s.queue.at(-1)!.slice();
    }
  }

  /** Ends the response once its queue is out, with `trailers` if any. */
  end(stream: number, trailers: [string, string][]): void {
    const s = this.#sending(stream);
    const fields = trailers.map(([name, value]): [string, string] => [name.toLowerCase(), value]);
    if (s.queued > 0) {
      s.ending = fields;
      return this.flush();
    }
    // Nothing waits: the end goes now, on the stream's last DATA frame if that is the last frame queued.
    if (fields.length > 0) this.#output.fields(s.id, fields, true);
    else if (!this.#output.endLastData(s.id)) {
      this.#output.frame(FrameType.DATA, Flag.END_STREAM, s.id, EMPTY);
    }
    this.#sentEnd(s);
  }

  /** Sends RST_STREAM and forgets the stream; true if it was open. */
  reset(id: number, code: number): boolean {
    this.#output.frame(FrameType.RST_STREAM, 0, id, words([code]));
    const known = this.#streams.delete(id);
    this.#closed.add(id, true);
    return known;
  }

  /** What `stream` can send now, or null once it is closed. */
  sending(stream: number): StreamSending | null {
    const s = this.#streams.get(stream);
    if (s === undefined) return null;
    const window = s.localOpen ? Math.max(0, Math.min(s.sendWindow, this.#output.connectionWindow)) : 0;
    return { open: s.localOpen, queued: s.queued, window, ended: s.ending !== null };
  }

  /** A producer on `stream` waits for its queue to go and its window to open (`Http2Output.flush` tells). */
  awaitRoom(stream: number): void {
    const s = this.#streams.get(stream);
    if (s !== undefined) s.waited = true;
  }

  /** Credits `bytes` the reader consumed, with WINDOW_UPDATE once half the stream's window gathered. */
  consumed(stream: number, bytes: number): void {
    const s = this.#streams.get(stream);
    if (s === undefined || !s.remoteOpen) return;
    s.uncredited += bytes;
    if (s.uncredited < this.#limits.initialWindowSize / 2) return;
    this.#output.frame(FrameType.WINDOW_UPDATE, 0, stream, words([s.uncredited]));
    s.receiveWindow += s.uncredited;
    s.uncredited = 0;
  }

  /** A WINDOW_UPDATE for `stream` (one closed lately is let through, §5.1). */
  windowUpdate(stream: number, increment: number): void {
    const s = this.#streams.get(stream);
    if (s === undefined) return;
    const grown = growWindow(s.sendWindow, increment);
    if (grown === null) {
      throw new Http2Error(ErrorCode.FLOW_CONTROL_ERROR, stream, "RFC 9113 §6.9.1: a window above 2^31-1");
    }
    s.sendWindow = grown;
  }

  /** Moves every stream's send window by `delta`: the peer changed its initial window (§6.9.2). */
  moveWindows(delta: number): void {
    for (const s of this.#streams.values()) {
      const grown = growWindow(s.sendWindow, delta);
      if (grown === null) {
        throw new Http2Error(ErrorCode.FLOW_CONTROL_ERROR, 0, "RFC 9113 §6.9.2: a window above 2^31-1");
      }
      s.sendWindow = grown;
    }
  }

  /** Sends what the windows allow, tells of queues that emptied after a wait, and forgets ended streams. */
  flush(): void {
    for (const s of this.#output.flush(this.#streams.values())) {
      this.#events.push({ type: "drained", stream: s.id });
    }
    for (const s of [...this.#streams.values()]) {
      if (!s.closed) continue;
      this.#streams.delete(s.id);
      this.#closed.add(s.id, false);
    }
  }

  #sending(stream: number): Http2Stream {
    const s = this.#streams.get(stream);
    if (s === undefined || !s.localOpen) throw new TypeError(`stream ${stream} is not open for sending`);
    return s;
  }

  /** Our side of `s` has ended: once the client's has too, it is forgotten (§5.1 "closed"). */
  #sentEnd(s: Http2Stream): void {
    s.localOpen = false;
    if (!s.closed) return;
    this.#streams.delete(s.id);
    this.#closed.add(s.id, false);
  }
}
