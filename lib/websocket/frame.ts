/**
 * The base framing protocol (RFC 6455 §5.2): a frame's header read from
 * bytes in place, with every rule a server applies to a client's frame, and
 * written for a frame the server sends. Payloads are not touched here: the
 * connection unmasks them as it copies them out.
 *
 * @module
 */

import { CloseCode, WebSocketError } from "./close.ts";
import { applyMask, maskKey } from "./mask.ts";

/** Frame opcodes (RFC 6455 §5.2, §11.8); the others are reserved. */
export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;

/** A control frame's payload is at most this long (RFC 6455 §5.5). */
export const MAX_CONTROL_PAYLOAD = 125;

/** A frame's header as read. */
export interface FrameHeader {
  /** This frame ends its message. */
  fin: boolean;
  opcode: number;
  /** The payload's length in bytes. */
  length: number;
  /** The masking key, always present on a client's frame: its four bytes as a big-endian number. */
  mask: number;
  /** How many bytes the header took. */
  size: number;
}

/**
 * Reads a client's frame header from `bytes[start, end)`; `null` when more
 * bytes are needed ("partial" is not an error). Throws
 * {@linkcode WebSocketError} when the frame breaks a rule: an unmasked frame
 * (§5.1), reserved bits without an extension that defines them or a
 * reserved opcode (§5.2), a control frame that is fragmented or longer than
 * 125 bytes (§5.5), a 64-bit length with its top bit set (§5.2), or a
 * payload above `maxPayload` (1009, §7.4.1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFrameHeader } from "./frame.ts";
 * const bytes = new Uint8Array([0x81, 0x85, 1, 2, 3, 4]);
 * const header = parseFrameHeader(bytes, 0, bytes.length, 1024)!;
 * assert.deepEqual([header.fin, header.opcode, header.length, header.size], [true, 1, 5, 6]);
 * assert.equal(parseFrameHeader(bytes, 0, 3, 1024), null);
 * ```
 */
export function parseFrameHeader(
  bytes: Uint8Array,
  start: number,
  end: number,
  maxPayload: number,
): FrameHeader | null {
  if (end - start < 2) return null;
  const first = bytes[start];
  const second = bytes[start + 1];
  const opcode = first & 0x0f;
  const control = opcode >= Opcode.Close;
  if (first & 0x70) throw protocolError("A frame has reserved bits set, and no extension was agreed");
  if (opcode > Opcode.Pong || (opcode > Opcode.Binary && opcode < Opcode.Close)) {
    throw protocolError(`Opcode ${opcode} is reserved`);
  }
  if (!(second & 0x80)) throw protocolError("A client's frame must be masked");
  const fin = (first & 0x80) !== 0;
  if (control && !fin) throw protocolError("A control frame may not be fragmented");
  let length = second & 0x7f;
  let at = start + 2;
  if (length === 126) {
    if (end - at < 2) return null;
    length = bytes[at] << 8 | bytes[at + 1];
    at += 2;
  } else if (length === 127) {
    if (end - at < 8) return null;
    if (bytes[at] & 0x80) throw protocolError("A frame's 64-bit length has its top bit set");
    // Above 2^53 cannot be a length anyone accepts; the limit below refuses it either way.
    length = (bytes[at] << 24 | bytes[at + 1] << 16 | bytes[at + 2] << 8 | bytes[at + 3]) * 2 ** 32 +
      ((bytes[at + 4] << 24 | bytes[at + 5] << 16 | bytes[at + 6] << 8 | bytes[at + 7]) >>> 0);
    at += 8;
  }
  if (control && length > MAX_CONTROL_PAYLOAD) {
    throw protocolError(`A control frame's payload is at most ${MAX_CONTROL_PAYLOAD} bytes`);
  }
  if (length > maxPayload) {
    throw new WebSocketError(CloseCode.TooBig, `A message is larger than ${maxPayload} bytes`);
  }
  if (end - at < 4) return null;
  return { fin, opcode, length, mask: maskKey(bytes, at), size: at + 4 - start };
}

/**
 * A frame's header as the server sends it: unmasked (RFC 6455 §5.1), with
 * the shortest length encoding. The payload follows it on the wire as is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { frameHeader, Opcode } from "./frame.ts";
 * assert.deepEqual([...frameHeader(Opcode.Text, 5)], [0x81, 5]);
 * assert.deepEqual([...frameHeader(Opcode.Binary, 300, false)], [0x02, 126, 1, 44]);
 * ```
 */
export function frameHeader(opcode: number, length: number, fin = true): Uint8Array {
  const size = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const header = new Uint8Array(size);
  header[0] = (fin ? 0x80 : 0) | opcode;
  if (size === 2) header[1] = length;
  else if (size === 4) {
    header[1] = 126;
    header[2] = length >> 8;
    header[3] = length & 0xff;
  } else {
    header[1] = 127;
    new DataView(header.buffer).setBigUint64(2, BigInt(length));
  }
  return header;
}

/**
 * A whole frame in one array: the server's (unmasked), or with `mask` a
 * client's, as tests and the fuzzer send them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeFrame, Opcode } from "./frame.ts";
 * const frame = encodeFrame(Opcode.Text, new TextEncoder().encode("hi"), { mask: new Uint8Array([1, 1, 1, 1]) });
 * assert.deepEqual([...frame], [0x81, 0x82, 1, 1, 1, 1, 0x69, 0x68]);
 * ```
 */
export function encodeFrame(
  opcode: number,
  payload: Uint8Array,
  options: { fin?: boolean; mask?: Uint8Array } = {},
): Uint8Array {
  const header = frameHeader(opcode, payload.length, options.fin ?? true);
  const mask = options.mask;
  const frame = new Uint8Array(header.length + (mask ? 4 : 0) + payload.length);
  frame.set(header);
  if (mask === undefined) {
    frame.set(payload, header.length);
    return frame;
  }
  frame[1] |= 0x80;
  frame.set(mask, header.length);
  const at = header.length + 4;
  frame.set(payload, at);
  applyMask(frame.subarray(at), maskKey(mask, 0), 0);
  return frame;
}

function protocolError(message: string): WebSocketError {
  return new WebSocketError(CloseCode.ProtocolError, message);
}
