/**
 * Rule: what the server sends, in the order it must go: field blocks as
 * HEADERS and CONTINUATION frames that follow each other with nothing
 * between (§4.3), cut to the peer's SETTINGS_MAX_FRAME_SIZE; DATA only as far
 * as both the stream's and the connection's send windows allow (§6.9), the
 * streams that wait served in turn, so one large body does not hold up the
 * others.
 *
 * @module
 */

import { Flag, FRAME_HEADER, FrameType, MAX_WINDOW, writeFrameHeader } from "./frame.ts";
import { HpackEncoder } from "./hpack.ts";
import type { PeerSettings } from "./settings.ts";
import type { Http2Stream } from "./stream.ts";

/** Payloads below this are copied beside their frame's header; larger ones go as they are. */
const COPY_BELOW = 1024;
/**
 * The first size of the buffer small frames are written into: a typed array costs far more to make than to fill,
 * so frames share one, reused once taken; a turn with more grows it (to a new one, leaving the old to its views).
 */
const ARENA_SIZE = 2048;
/** The largest it grows to (what one connection keeps between turns). */
const ARENA_MOST = 16384;

/**
 * Frames waiting to be written, and the state of the sending side.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_PEER_SETTINGS } from "./settings.ts";
 * import { Http2Output } from "./output.ts";
 * const output = new Http2Output({ ...DEFAULT_PEER_SETTINGS });
 * output.frame(0x6, 0x1, 0, new Uint8Array(8)); // a PING ACK
 * assert.equal(output.take()?.[0].length, 17);
 * assert.equal(output.take(), null);
 * ```
 */
export class Http2Output {
  readonly #chunks: Uint8Array[] = [];
  #bytes = 0;
  #arena = new Uint8Array(ARENA_SIZE);
  /** The arena's bytes in use since the last take, and where its part not yet in `#chunks` begins. */
  #used = 0;
  #from = 0;
  /** The last frame queued, if it is DATA: its stream, and where its header is (in the arena, until taken). */
  #lastData: { stream: number; arena: Uint8Array; at: number } | null = null;
  readonly encoder: HpackEncoder;
  readonly peer: PeerSettings;
  /** Bytes of DATA the connection may send now (§6.9.1). */
  connectionWindow = 65535;

  /** The sending side, under the peer's settings (changed in place as SETTINGS arrive). */
  constructor(peer: PeerSettings) {
    this.peer = peer;
    this.encoder = new HpackEncoder(Math.min(peer.headerTableSize, 4096));
  }

  /** Bytes waiting to be taken. */
  get pending(): number {
    return this.#bytes;
  }

  /**
   * Everything waiting, in order (frame headers and payloads as pieces), or null for nothing. The pieces are
   * views of a buffer the next frame writes over: write or copy them first.
   */
  take(): Uint8Array[] | null {
    this.#cut();
    if (this.#chunks.length === 0) return null;
    const out = this.#chunks.splice(0);
    this.#bytes = 0;
    this.#used = this.#from = 0;
    this.#lastData = null;
    return out;
  }

  /** Sets END_STREAM on the last frame queued if it is `stream`'s DATA (one frame fewer); false if it is not. */
  endLastData(stream: number): boolean {
    const last = this.#lastData;
    if (last === null || last.stream !== stream) return false;
    last.arena[last.at + 4] |= Flag.END_STREAM;
    this.#lastData = null;
    return true;
  }

  /** Queues one frame; a large payload is not copied (it must not change until taken). */
  frame(type: number, flags: number, stream: number, payload: Uint8Array): void {
    const small = payload.length < COPY_BELOW;
    const size = FRAME_HEADER + (small ? payload.length : 0);
    if (this.#used + size > this.#arena.length) {
      this.#cut();
      this.#arena = new Uint8Array(Math.min(this.#arena.length * 2, ARENA_MOST));
      this.#used = this.#from = 0;
    }
    writeFrameHeader(this.#arena, this.#used, payload.length, type, flags, stream);
    this.#lastData = type === FrameType.DATA ? { stream, arena: this.#arena, at: this.#used } : null;
    if (small) this.#arena.set(payload, this.#used + FRAME_HEADER);
    this.#used += size;
    this.#bytes += size;
    if (small) return;
    this.#cut();
    this.#chunks.push(payload);
    this.#bytes += payload.length;
  }

  /** The arena's frames so far become a piece of the output. */
  #cut(): void {
    if (this.#used > this.#from) this.#chunks.push(this.#arena.subarray(this.#from, this.#used));
    this.#from = this.#used;
  }

  /** Queues a field block on `stream`: HEADERS, then CONTINUATIONs as the peer's frame size requires. */
  fields(stream: number, fields: readonly (readonly [string, string])[], endStream: boolean): void {
    // The encoder writes the next block over this one: a piece large enough to be queued as it is is copied.
    const encoded = this.encoder.encode(fields);
    const block = encoded.length < COPY_BELOW ? encoded : encoded.slice();
    const most = this.peer.maxFrameSize;
    for (let at = 0, first = true; first || at < block.length; first = false) {
      const piece = block.subarray(at, at + most);
      at += piece.length;
      const last = at >= block.length;
      const flags = (last ? Flag.END_HEADERS : 0) | (first && endStream ? Flag.END_STREAM : 0);
      this.frame(first ? FrameType.HEADERS : FrameType.CONTINUATION, flags, stream, piece);
    }
  }

  /**
   * Sends what the windows allow from the queues of `streams`, a frame from each in turn; ends the streams
   * whose queues empty with `ending` set. Returns the streams whose queues emptied after a wait, and those
   * that waited for a window that is now open.
   */
  flush(streams: Iterable<Http2Stream>): Http2Stream[] {
    const drained: Http2Stream[] = [];
    const all = [...streams];
    let waiting = all.filter((s) => s.localOpen && (s.queued > 0 || s.ending !== null));
    while (waiting.length > 0) {
      const still: Http2Stream[] = [];
      for (const stream of waiting) {
        if (stream.queued > 0) {
          const room = Math.min(stream.sendWindow, this.connectionWindow, this.peer.maxFrameSize);
          if (room <= 0) continue;
          const data = stream.dequeue(room);
          stream.sendWindow -= data.length;
          this.connectionWindow -= data.length;
          const last = stream.queued === 0 && stream.ending !== null && stream.ending.length === 0;
          this.frame(FrameType.DATA, last ? Flag.END_STREAM : 0, stream.id, data);
          if (last) stream.localOpen = false;
        } else if (stream.ending !== null) {
          // No data left: END_STREAM on an empty DATA frame, or on the trailers (§8.1).
          if (stream.ending.length === 0) {
            this.frame(FrameType.DATA, Flag.END_STREAM, stream.id, new Uint8Array(0));
          } else this.fields(stream.id, stream.ending, true);
          stream.localOpen = false;
        }
        if (stream.queued === 0 && stream.waited) {
          stream.waited = false;
          drained.push(stream);
        }
        if (stream.localOpen && (stream.queued > 0 || stream.ending !== null)) still.push(stream);
      }
      if (this.connectionWindow <= 0 || still.every((s) => s.queued > 0 && s.sendWindow <= 0)) break;
      waiting = still;
    }
    // A producer waiting for a shut window with nothing queued: told once the window opens.
    for (const s of all) {
      if (s.waited && s.queued === 0 && s.localOpen && Math.min(s.sendWindow, this.connectionWindow) > 0) {
        s.waited = false;
        drained.push(s);
      }
    }
    return drained;
  }
}

/** `window` grown by `increment`, or null when that passes 2^31 - 1 (§6.9.1: a FLOW_CONTROL_ERROR). */
export function growWindow(window: number, increment: number): number | null {
  const grown = window + increment;
  return grown > MAX_WINDOW ? null : grown;
}
