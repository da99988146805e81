/**
 * Rule: SETTINGS payloads (RFC 9113 §6.5): six bytes a setting, each value
 * checked against the range §6.5.2 gives it, unknown identifiers ignored.
 *
 * @module
 */

import {
  ErrorCode,
  Flag,
  Http2Error,
  INITIAL_WINDOW,
  MAX_FRAME_SIZE,
  MAX_WINDOW,
  MIN_FRAME_SIZE,
  Setting,
} from "./frame.ts";
import type { Http2Limits } from "./limits.ts";
import { checkFrame, type Frame } from "./frame_reader.ts";

/** What the peer said it accepts, with the defaults of §6.5.2 until it says otherwise. */
export interface PeerSettings {
  headerTableSize: number;
  initialWindowSize: number;
  maxFrameSize: number;
  /** Advisory (§6.5.2): the largest field section it accepts, or Infinity. */
  maxHeaderListSize: number;
}

/** The peer's settings before its first SETTINGS frame (RFC 9113 §6.5.2). */
export const DEFAULT_PEER_SETTINGS: Readonly<PeerSettings> = Object.freeze({
  headerTableSize: 4096,
  initialWindowSize: INITIAL_WINDOW,
  maxFrameSize: MIN_FRAME_SIZE,
  maxHeaderListSize: Infinity,
});

/** A SETTINGS frame (§6.5): null for an ACK (which must be empty), else read onto `peer`, which was `before`. */
export function receiveSettings(frame: Frame, peer: PeerSettings): PeerSettings | null {
  checkFrame(frame, null, false);
  if (frame.flags & Flag.ACK) {
    if (frame.payload.length === 0) return null;
    throw new Http2Error(ErrorCode.FRAME_SIZE_ERROR, 0, "RFC 9113 §6.5: a SETTINGS ACK with a payload");
  }
  const before = { ...peer };
  readSettings(frame.payload, peer);
  return before;
}

/**
 * Reads a SETTINGS payload onto `settings`; throws {@linkcode Http2Error} for the connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_PEER_SETTINGS, encodeSettings, readSettings } from "./settings.ts";
 * const settings = { ...DEFAULT_PEER_SETTINGS };
 * readSettings(encodeSettings([[0x4, 1 << 20], [0x99, 7]]), settings);
 * assert.equal(settings.initialWindowSize, 1 << 20);
 * assert.throws(() => readSettings(encodeSettings([[0x5, 100]]), settings), /MAX_FRAME_SIZE/);
 * ```
 */
export function readSettings(payload: Uint8Array, settings: PeerSettings): void {
  if (payload.length % 6 !== 0) {
    throw new Http2Error(
      ErrorCode.FRAME_SIZE_ERROR,
      0,
      "RFC 9113 §6.5: a SETTINGS length not a multiple of 6",
    );
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.length);
  for (let at = 0; at < payload.length; at += 6) {
    const id = view.getUint16(at);
    const value = view.getUint32(at + 2);
    switch (id) {
      case Setting.HEADER_TABLE_SIZE:
        settings.headerTableSize = value;
        break;
      case Setting.ENABLE_PUSH:
        if (value > 1) {
          throw new Http2Error(ErrorCode.PROTOCOL_ERROR, 0, "RFC 9113 §6.5.2: ENABLE_PUSH above 1");
        }
        break;
      case Setting.INITIAL_WINDOW_SIZE:
        if (value > MAX_WINDOW) {
          throw new Http2Error(
            ErrorCode.FLOW_CONTROL_ERROR,
            0,
            "RFC 9113 §6.5.2: INITIAL_WINDOW_SIZE above 2^31-1",
          );
        }
        settings.initialWindowSize = value;
        break;
      case Setting.MAX_FRAME_SIZE:
        if (value < MIN_FRAME_SIZE || value > MAX_FRAME_SIZE) {
          throw new Http2Error(ErrorCode.PROTOCOL_ERROR, 0, "RFC 9113 §6.5.2: MAX_FRAME_SIZE out of range");
        }
        settings.maxFrameSize = value;
        break;
      case Setting.MAX_HEADER_LIST_SIZE:
        settings.maxHeaderListSize = value;
        break;
        // MAX_CONCURRENT_STREAMS limits streams we would open (pushes): none. Unknown ids are ignored (§6.5.2).
    }
  }
}

/** A SETTINGS payload of `[identifier, value]` pairs. */
export function encodeSettings(pairs: readonly (readonly [number, number])[]): Uint8Array {
  const payload = new Uint8Array(pairs.length * 6);
  const view = new DataView(payload.buffer);
  pairs.forEach(([id, value], i) => {
    view.setUint16(i * 6, id);
    view.setUint32(i * 6 + 2, value);
  });
  return payload;
}

/** The payload of our SETTINGS: what `limits` allow the client. */
export function ourSettings(limits: Http2Limits): Uint8Array {
  return encodeSettings([
    [Setting.HEADER_TABLE_SIZE, limits.headerTableSize],
    [Setting.MAX_CONCURRENT_STREAMS, limits.maxConcurrentStreams],
    [Setting.INITIAL_WINDOW_SIZE, limits.initialWindowSize],
    [Setting.MAX_FRAME_SIZE, limits.maxFrameSize],
    [Setting.MAX_HEADER_LIST_SIZE, limits.maxHeaderListSize],
  ]);
}
