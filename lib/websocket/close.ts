/**
 * The closing handshake's vocabulary (RFC 6455 §5.5.1, §7.4): status codes,
 * which of them may travel in a Close frame, a Close frame's payload, and
 * the error that fails a connection with the code to close it with.
 *
 * @module
 */

/** Status codes weft sends or reports (RFC 6455 §7.4.1). */
export const CloseCode = {
  /** The purpose of the connection was fulfilled. */
  Normal: 1000,
  /** The server is going down, or a client stopped answering pings. */
  GoingAway: 1001,
  /** The peer broke the protocol. */
  ProtocolError: 1002,
  /** Reported when a Close frame carried no code; never sent. */
  NoStatus: 1005,
  /** Reported when the connection ended without a Close frame; never sent. */
  Abnormal: 1006,
  /** A text message was not UTF-8. */
  InvalidData: 1007,
  /** A message was larger than the server takes. */
  TooBig: 1009,
} as const;

/** The longest reason a Close frame can carry: a control frame holds 125 bytes, 2 are the code. */
export const MAX_REASON_BYTES = 123;

const encoder = new TextEncoder();

/**
 * The connection must be failed (RFC 6455 §7.1.7): send a Close frame with
 * `code`, then close the TCP connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebSocketError } from "./close.ts";
 * const e = new WebSocketError(1009, "The message is larger than 1024 bytes");
 * assert.deepEqual([e.code, e.name], [1009, "WebSocketError"]);
 * ```
 */
export class WebSocketError extends Error {
  /** The close code that says why. */
  readonly code: number;

  /** An error with the close code to send and a reason that fits a Close frame. */
  constructor(code: number, message: string) {
    super(message);
    this.name = "WebSocketError";
    this.code = code;
  }
}

/**
 * Whether `code` may be sent or received in a Close frame (RFC 6455 §7.4.1
 * and §7.4.2): the defined codes that are not reserved for reports (1005,
 * 1006, 1015), the IANA-registered 1012–1014, and 3000–4999 for libraries
 * and applications.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isValidCloseCode } from "./close.ts";
 * assert.deepEqual([1000, 1005, 1016, 3000, 5000].map(isValidCloseCode), [true, false, false, true, false]);
 * ```
 */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/**
 * A Close frame's payload: the code as two bytes and the reason as UTF-8,
 * or nothing when there is no code (RFC 6455 §5.5.1). Throws a `RangeError`
 * for a reason longer than {@linkcode MAX_REASON_BYTES}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeClose } from "./close.ts";
 * assert.deepEqual([...encodeClose(1000, "ok")], [0x03, 0xe8, 0x6f, 0x6b]);
 * assert.equal(encodeClose().length, 0);
 * ```
 */
export function encodeClose(code?: number, reason = ""): Uint8Array {
  if (code === undefined) return new Uint8Array(0);
  const text = encoder.encode(reason);
  if (text.length > MAX_REASON_BYTES) {
    throw new RangeError(`A close reason is at most ${MAX_REASON_BYTES} bytes; this one has ${text.length}`);
  }
  const payload = new Uint8Array(2 + text.length);
  payload[0] = code >> 8;
  payload[1] = code & 0xff;
  payload.set(text, 2);
  return payload;
}

/**
 * Reads a received Close frame's payload (RFC 6455 §5.5.1): no payload
 * means no code (reported as 1005); one byte, a code that may not be sent,
 * or a reason that is not UTF-8 fail the connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeClose } from "./close.ts";
 * assert.deepEqual(decodeClose(new Uint8Array([0x03, 0xe9])), { code: 1001, reason: "" });
 * assert.deepEqual(decodeClose(new Uint8Array(0)), { code: 1005, reason: "" });
 * ```
 */
export function decodeClose(payload: Uint8Array): { code: number; reason: string } {
  if (payload.length === 0) return { code: CloseCode.NoStatus, reason: "" };
  if (payload.length === 1) {
    throw new WebSocketError(CloseCode.ProtocolError, "A close frame's code is two bytes");
  }
  const code = payload[0] << 8 | payload[1];
  if (!isValidCloseCode(code)) {
    throw new WebSocketError(CloseCode.ProtocolError, `Close code ${code} is not allowed`);
  }
  try {
    return { code, reason: new TextDecoder("utf-8", { fatal: true }).decode(payload.subarray(2)) };
  } catch {
    throw new WebSocketError(CloseCode.InvalidData, "A close reason is not valid UTF-8");
  }
}
