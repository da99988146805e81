/**
 * Rule: a field block arrives as HEADERS and the CONTINUATION frames that
 * follow it, with no other frame between (RFC 9113 §4.3, §6.10); padding and
 * the priority fields are stripped (§6.2), and priority is otherwise ignored
 * (§5.3.2). A block is bounded in bytes and in frames before it is decoded,
 * so a CONTINUATION flood (CVE-2024-27316) costs a bounded amount: past the
 * bound the connection ends with ENHANCE_YOUR_CALM, since a block not
 * decoded leaves HPACK out of step.
 *
 * @module
 */

import { concatBytes } from "../http/bytes.ts";
import { ErrorCode, Flag, FrameType, Http2Error } from "./frame.ts";
import type { Frame } from "./frame_reader.ts";
import type { Http2Limits } from "./limits.ts";

/** A whole field block, ready to decode. */
export interface HeaderBlock {
  stream: number;
  endStream: boolean;
  bytes: Uint8Array;
  /** The HEADERS frame made the stream depend on itself (§5.3.1): a stream error once the block is decoded. */
  selfDependent: boolean;
}

/** CONTINUATION frames one block may take. */
const MOST_CONTINUATIONS = 64;

/**
 * Assembles field blocks.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_HTTP2_LIMITS } from "./limits.ts";
 * import { HeaderBlocks } from "./header_block.ts";
 * const blocks = new HeaderBlocks(DEFAULT_HTTP2_LIMITS);
 * assert.equal(blocks.headers({ type: 1, flags: 0, stream: 1, payload: Uint8Array.of(0x82) }), null);
 * const block = blocks.continuation({ type: 9, flags: 0x4, stream: 1, payload: Uint8Array.of(0x84) });
 * assert.deepEqual([...block!.bytes], [0x82, 0x84]);
 * ```
 */
export class HeaderBlocks {
  readonly #limit: number;
  #pending: {
    stream: number;
    endStream: boolean;
    fragments: Uint8Array[];
    size: number;
    selfDependent: boolean;
  } | null = null;

  /** Blocks bounded by `limits`: four times the largest field section, which compresses to less. */
  constructor(limits: Http2Limits) {
    this.#limit = 4 * limits.maxHeaderListSize;
  }

  /** §6.10: while a block is open, only its CONTINUATION frames may come. */
  checkOrder(frame: Frame): void {
    const pending = this.#pending;
    if (pending !== null && (frame.type !== FrameType.CONTINUATION || frame.stream !== pending.stream)) {
      throw new Http2Error(ErrorCode.PROTOCOL_ERROR, 0, "RFC 9113 §6.10: a frame inside a field block");
    }
  }

  /** A HEADERS frame: the whole block if it ends here, else null until its last CONTINUATION. */
  headers(frame: Frame): HeaderBlock | null {
    if (frame.stream === 0) {
      throw new Http2Error(ErrorCode.PROTOCOL_ERROR, 0, "RFC 9113 §6.2: HEADERS on stream 0");
    }
    let fragment = unpad(frame);
    let selfDependent = false;
    if (frame.flags & Flag.PRIORITY) {
      if (fragment.length < 5) {
        throw new Http2Error(ErrorCode.FRAME_SIZE_ERROR, 0, "RFC 9113 §6.2: short priority fields");
      }
      selfDependent = dependency(fragment) === frame.stream;
      fragment = fragment.subarray(5);
    }
    const endStream = (frame.flags & Flag.END_STREAM) !== 0;
    this.#pending = { stream: frame.stream, endStream, fragments: [], size: 0, selfDependent };
    return this.#add(fragment, frame.flags);
  }

  /** A CONTINUATION frame (checked by {@linkcode HeaderBlocks.checkOrder} to belong to the open block). */
  continuation(frame: Frame): HeaderBlock | null {
    if (this.#pending === null) {
      throw new Http2Error(ErrorCode.PROTOCOL_ERROR, 0, "RFC 9113 §6.10: CONTINUATION without HEADERS");
    }
    if (this.#pending.fragments.length > MOST_CONTINUATIONS) {
      throw new Http2Error(
        ErrorCode.ENHANCE_YOUR_CALM,
        0,
        `a field block in over ${MOST_CONTINUATIONS} frames`,
      );
    }
    return this.#add(frame.payload, frame.flags);
  }

  /** A PRIORITY frame (§6.3): checked, then ignored (§5.3.2). */
  priority(frame: Frame): void {
    if (frame.stream === 0) {
      throw new Http2Error(ErrorCode.PROTOCOL_ERROR, 0, "RFC 9113 §6.3: PRIORITY on stream 0");
    }
    if (frame.payload.length !== 5) {
      throw new Http2Error(ErrorCode.FRAME_SIZE_ERROR, frame.stream, "RFC 9113 §6.3: PRIORITY is 5 bytes");
    }
    if (dependency(frame.payload) === frame.stream) {
      throw new Http2Error(
        ErrorCode.PROTOCOL_ERROR,
        frame.stream,
        "RFC 9113 §5.3.1: a stream depends on itself",
      );
    }
  }

  #add(fragment: Uint8Array, flags: number): HeaderBlock | null {
    const pending = this.#pending!;
    pending.size += fragment.length;
    if (pending.size > this.#limit) {
      throw new Http2Error(ErrorCode.ENHANCE_YOUR_CALM, 0, `a field block over ${this.#limit} bytes`);
    }
    // A received payload is never written over, so the fragments can wait as views.
    pending.fragments.push(fragment);
    if (!(flags & Flag.END_HEADERS)) return null;
    this.#pending = null;
    // Mostly one HEADERS frame: its payload as it is (a typed array is dear to make).
    const bytes = pending.fragments.length === 1 ? pending.fragments[0] : concatBytes(pending.fragments);
    return {
      stream: pending.stream,
      endStream: pending.endStream,
      bytes,
      selfDependent: pending.selfDependent,
    };
  }
}

/** A frame's payload without its padding (§6.1, §6.2). */
export function unpad(frame: Frame): Uint8Array {
  if (!(frame.flags & Flag.PADDED)) return frame.payload;
  const padding = frame.payload[0];
  if (frame.payload.length === 0 || padding >= frame.payload.length) {
    throw new Http2Error(ErrorCode.PROTOCOL_ERROR, 0, "RFC 9113 §6.1: padding as long as the payload");
  }
  return frame.payload.subarray(1, frame.payload.length - padding);
}

function dependency(fields: Uint8Array): number {
  return new DataView(fields.buffer, fields.byteOffset).getUint32(0) & 0x7fffffff;
}
