/**
 * Rule: bytes in, whole frames out (RFC 9113 §4.1), after the client's
 * connection preface (§3.4). A frame longer than the SETTINGS_MAX_FRAME_SIZE
 * we sent is a FRAME_SIZE_ERROR for the connection (§4.2), found from its
 * header alone, so no more than one frame is ever held.
 *
 * @module
 */

import { ReceiveBuffer } from "../http/receive_buffer.ts";
import { CLIENT_PREFACE, ErrorCode, FRAME_HEADER, Http2Error } from "./frame.ts";

/** One frame read whole. `payload` is a view of received bytes, never written over. */
export interface Frame {
  type: number;
  flags: number;
  stream: number;
  payload: Uint8Array;
}

/**
 * Reads frames from bytes that may arrive split anywhere.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CLIENT_PREFACE, encodeFrame, FrameType } from "./frame.ts";
 * import { FrameReader } from "./frame_reader.ts";
 * const reader = new FrameReader(16384);
 * const ping = encodeFrame(FrameType.PING, 0, 0, new Uint8Array(8));
 * const bytes = new Uint8Array([...CLIENT_PREFACE, ...ping]);
 * reader.receive(bytes.subarray(0, 30));
 * assert.equal(reader.next(), null);
 * reader.receive(bytes.subarray(30));
 * assert.deepEqual(reader.next()?.type, FrameType.PING);
 * ```
 */
export class FrameReader {
  readonly #input = new ReceiveBuffer();
  #prefaceRead = false;
  readonly #maxFrameSize: number;

  /** A reader that refuses frames longer than `maxFrameSize` (our SETTINGS_MAX_FRAME_SIZE). */
  constructor(maxFrameSize: number) {
    this.#maxFrameSize = maxFrameSize;
  }

  /** Bytes held and not yet read as a frame. */
  get buffered(): number {
    return this.#input.length;
  }

  /** Takes bytes from the peer; the array may be kept until its frames are read. */
  receive(bytes: Uint8Array): void {
    this.#input.append(bytes);
  }

  /** The next whole frame, or null until more bytes come. Throws {@linkcode Http2Error} for the connection. */
  next(): Frame | null {
    const input = this.#input;
    if (!this.#prefaceRead) {
      const have = Math.min(input.length, CLIENT_PREFACE.length);
      for (let i = 0; i < have; i++) {
        if (input.bytes[input.start + i] !== CLIENT_PREFACE[i]) {
          throw new Http2Error(
            ErrorCode.PROTOCOL_ERROR,
            0,
            "RFC 9113 §3.4: not the client connection preface",
          );
        }
      }
      if (have < CLIENT_PREFACE.length) return this.#wait();
      input.start += CLIENT_PREFACE.length;
      this.#prefaceRead = true;
    }
    if (input.length < FRAME_HEADER) return this.#wait();
    const at = input.start;
    const bytes = input.bytes;
    const length = (bytes[at] << 16) | (bytes[at + 1] << 8) | bytes[at + 2];
    if (length > this.#maxFrameSize) {
      throw new Http2Error(
        ErrorCode.FRAME_SIZE_ERROR,
        0,
        `RFC 9113 §4.2: a frame of ${length} bytes, above the ${this.#maxFrameSize} allowed`,
      );
    }
    if (input.length < FRAME_HEADER + length) return this.#wait();
    const type = bytes[at + 3];
    const flags = bytes[at + 4];
    // §4.1: the reserved bit is ignored.
    const stream =
      ((bytes[at + 5] & 0x7f) << 24 | bytes[at + 6] << 16 | bytes[at + 7] << 8 | bytes[at + 8]) >>> 0;
    input.start += FRAME_HEADER;
    return { type, flags, stream, payload: input.take(length) };
  }

  #wait(): null {
    this.#input.settle();
    return null;
  }
}

/**
 * Checks a frame's stream and length (RFC 9113 §6): `onStream` true for a frame that must name a stream, false
 * for one that must not; `length` null for any. Either fault ends the connection.
 */
export function checkFrame(frame: Frame, length: number | null, onStream: boolean): void {
  if (onStream !== (frame.stream !== 0)) {
    throw new Http2Error(
      ErrorCode.PROTOCOL_ERROR,
      0,
      `RFC 9113 §6: frame type ${frame.type} on the wrong stream`,
    );
  }
  if (length !== null && frame.payload.length !== length) {
    throw new Http2Error(
      ErrorCode.FRAME_SIZE_ERROR,
      0,
      `RFC 9113 §6: frame type ${frame.type} is not ${length} bytes`,
    );
  }
}
