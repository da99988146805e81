/**
 * Rule: a client that opens with the HTTP/2 connection preface (RFC 9113
 * §3.4, prior knowledge over cleartext) is told, in HTTP/2, that this
 * server speaks HTTP/1.1: the server's preface (an empty SETTINGS frame,
 * §3.4), then GOAWAY with `HTTP_1_1_REQUIRED` (§7, code 0xd) and a reason
 * as its debug data (§6.8). An HTTP/1.1 505 would be bytes the client
 * cannot read ("Empty reply from server").
 *
 * @module
 */

/** The request line of the HTTP/2 connection preface (RFC 9113 §3.4): `PRI * HTTP/2.0`. */
export const PREFACE_LINE = { method: "PRI", target: "*", version: "HTTP/2.0" } as const;

const SETTINGS = 0x4;
const GOAWAY = 0x7;
const HTTP_1_1_REQUIRED = 0xd;
const FRAME_HEADER = 9;

/**
 * The bytes that answer an HTTP/2 preface: SETTINGS, then GOAWAY(HTTP_1_1_REQUIRED, `reason`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { http2Required } from "./http2_required.ts";
 * const bytes = http2Required("use HTTP/1.1");
 * assert.deepEqual([...bytes.subarray(0, 9)], [0, 0, 0, 4, 0, 0, 0, 0, 0]); // SETTINGS, empty, stream 0
 * assert.deepEqual([...bytes.subarray(9, 13)], [0, 0, 20, 7]); // GOAWAY, 8 + 12 bytes
 * assert.equal(new DataView(bytes.buffer).getUint32(9 + 9 + 4), 0xd); // after the last stream id: the code
 * assert.equal(new TextDecoder().decode(bytes.subarray(9 + 9 + 8)), "use HTTP/1.1");
 * ```
 */
export function http2Required(reason: string): Uint8Array {
  const debug = new TextEncoder().encode(reason);
  const bytes = new Uint8Array(FRAME_HEADER * 2 + 8 + debug.length);
  const view = new DataView(bytes.buffer);
  // Frame header (§4.1): length u24, type, flags, then R + stream id u31 (0: the connection).
  view.setUint8(3, SETTINGS);
  const goaway = FRAME_HEADER;
  view.setUint16(goaway + 1, 8 + debug.length);
  view.setUint8(goaway + 3, GOAWAY);
  // GOAWAY payload (§6.8): last stream id 0 (none was processed), the error code, debug data.
  view.setUint32(goaway + FRAME_HEADER + 4, HTTP_1_1_REQUIRED);
  bytes.set(debug, goaway + FRAME_HEADER + 8);
  return bytes;
}
