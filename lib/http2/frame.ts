/**
 * Rule: the HTTP/2 frame layout (RFC 9113 §4.1) and the registry values the
 * core uses: frame types (§6), flags, error codes (§7) and settings (§6.5.2),
 * and the one error type, {@linkcode Http2Error}, which says whether a fault
 * ends one stream (RST_STREAM) or the connection (GOAWAY, §5.4).
 *
 * @module
 */

/** Frame types (RFC 9113 §6). */
export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

/** A frame type this core knows. */
export type FrameTypeValue = (typeof FrameType)[keyof typeof FrameType];

/** Frame flags (RFC 9113 §6). */
export const Flag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

/** Error codes (RFC 9113 §7). */
export const ErrorCode = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;

/** An error code's name, for logs and reasons. */
export function errorName(code: number): string {
  return Object.entries(ErrorCode).find(([, value]) => value === code)?.[0] ?? `0x${code.toString(16)}`;
}

/** Settings identifiers (RFC 9113 §6.5.2). */
export const Setting = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
} as const;

/** The client's connection preface (RFC 9113 §3.4). */
export const CLIENT_PREFACE: Uint8Array = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
/** Bytes in a frame header. */
export const FRAME_HEADER = 9;
/** The largest window (§6.9.1) and the smallest and largest SETTINGS_MAX_FRAME_SIZE (§6.5.2). */
export const MAX_WINDOW = 2 ** 31 - 1;
export const MIN_FRAME_SIZE = 16384;
export const MAX_FRAME_SIZE = 2 ** 24 - 1;
/** The initial window of the connection and of each stream until SETTINGS change it (§6.9.2). */
export const INITIAL_WINDOW = 65535;

/**
 * A fault in what the peer sent: `stream` 0 ends the connection (GOAWAY),
 * another ends that stream (RST_STREAM). `message` goes into GOAWAY's debug
 * data and the log.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ErrorCode, Http2Error } from "./frame.ts";
 * const e = new Http2Error(ErrorCode.PROTOCOL_ERROR, 0, "RFC 9113 §5.1.1: an even stream id from a client");
 * assert.equal(e.name, "Http2Error");
 * assert.equal(e.code, 1);
 * ```
 */
export class Http2Error extends Error {
  /** The error code to send (RFC 9113 §7). */
  readonly code: number;
  /** The stream it ends, or 0 for the connection. */
  readonly stream: number;

  /** Creates an error for `stream` (0: the connection) with a code and a reason. */
  constructor(code: number, stream: number, message: string) {
    super(message);
    this.name = "Http2Error";
    this.code = code;
    this.stream = stream;
  }
}

/**
 * One frame's bytes: the 9-byte header (RFC 9113 §4.1) and `payload`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeFrame, FrameType } from "./frame.ts";
 * const ping = encodeFrame(FrameType.PING, 0, 0, new Uint8Array(8));
 * assert.deepEqual([...ping.subarray(0, 9)], [0, 0, 8, 6, 0, 0, 0, 0, 0]);
 * ```
 */
export function encodeFrame(type: number, flags: number, stream: number, payload: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(FRAME_HEADER + payload.length);
  writeFrameHeader(bytes, 0, payload.length, type, flags, stream);
  bytes.set(payload, FRAME_HEADER);
  return bytes;
}

/** Writes a frame header at `at` in `out`. */
export function writeFrameHeader(
  out: Uint8Array,
  at: number,
  length: number,
  type: number,
  flags: number,
  stream: number,
): void {
  out[at] = length >>> 16;
  out[at + 1] = (length >>> 8) & 0xff;
  out[at + 2] = length & 0xff;
  out[at + 3] = type;
  out[at + 4] = flags;
  new DataView(out.buffer, out.byteOffset + at + 5, 4).setUint32(0, stream & MAX_WINDOW);
}

/** A payload of 32-bit words: RST_STREAM and WINDOW_UPDATE (one), GOAWAY (two, then `tail`). */
export function words(values: number[], tail: Uint8Array = new Uint8Array(0)): Uint8Array {
  const bytes = new Uint8Array(values.length * 4 + tail.length);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => view.setUint32(i * 4, value));
  bytes.set(tail, values.length * 4);
  return bytes;
}
