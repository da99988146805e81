/**
 * How long a request body is (RFC 9112 §6), and the checks that stop request
 * smuggling: a request whose length two readers could disagree on is refused.
 *
 * @module
 */

import { HttpParseError } from "./errors.ts";
import type { ParserLimits } from "./limits.ts";
import type { RequestHead } from "./request_head.ts";
import { parseRequestTarget, type RequestTarget } from "./request_target.ts";

/** The body length of a request: a byte count, or `"chunked"`. */
export type BodyLength = number | "chunked";

/** What the head says about the rest of the message and the connection. */
export interface RequestFraming {
  /** Body length; 0 when there is none. */
  body: BodyLength;
  /** The client wants the connection kept open after this exchange. */
  keepAlive: boolean;
  /** The client sent `Expect: 100-continue` and waits before sending the body. */
  expectContinue: boolean;
}

const DIGITS = /^[0-9]+$/;
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::[0-9]*)?$/;

/**
 * Checks a parsed head's semantics and decides its framing.
 * Throws {@linkcode HttpParseError} with the status to answer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { requestFraming } from "./framing.ts";
 * import { DEFAULT_LIMITS } from "./limits.ts";
 * const framing = requestFraming({
 *   method: "POST", target: "/", minorVersion: 1,
 *   headers: [["host", "a"], ["content-length", "5"]],
 * }, DEFAULT_LIMITS);
 * assert.deepEqual([framing.body, framing.keepAlive], [5, true]);
 * ```
 */
export function requestFraming(head: RequestHead, limits: ParserLimits): RequestFraming {
  let hosts = 0;
  let contentLength: string[] | null = null;
  let transferEncoding: string[] | null = null;
  let connection = "";
  let expect: string | null = null;
  for (const [name, value] of head.headers) {
    switch (name) {
      case "host":
        // RFC 9112 §3.2: 400 for more than one Host line or an invalid Host value.
        if (++hosts > 1) throw new HttpParseError("BAD_HOST", 400, "More than one Host field");
        if (!HOST.test(value)) throw new HttpParseError("BAD_HOST", 400, "Invalid Host field");
        break;
      case "content-length":
        (contentLength ??= []).push(...value.split(","));
        break;
      case "transfer-encoding":
        (transferEncoding ??= []).push(...value.split(","));
        break;
      case "connection":
        connection += "," + value.toLowerCase();
        break;
      case "expect":
        // RFC 9110 §10.1.1: one expectation, 100-continue, is all there is.
        if (expect !== null) throw new HttpParseError("BAD_FIELD", 400, "More than one Expect field");
        expect = value.toLowerCase();
        break;
    }
  }
  // RFC 9112 §3.2: an HTTP/1.1 request without Host gets 400.
  if (head.minorVersion >= 1 && hosts === 0) {
    throw new HttpParseError("MISSING_HOST", 400, "HTTP/1.1 request without Host");
  }
  const tokens = connection.split(",").map((t) => t.trim());
  // RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive".
  const keepAlive = tokens.includes("close")
    ? false
    : head.minorVersion >= 1 || tokens.includes("keep-alive");
  const body = transferEncoding !== null
    ? chunkedOnly(transferEncoding, contentLength !== null, head.minorVersion)
    : contentLength !== null
    ? parseContentLength(contentLength, limits)
    : 0;
  // RFC 9110 §10.1.1: a server MAY answer any other expectation with 417.
  if (expect !== null && expect !== "100-continue") {
    throw new HttpParseError("BAD_FIELD", 417, "Unsupported expectation");
  }
  return { body, keepAlive, expectContinue: expect !== null && head.minorVersion >= 1 && body !== 0 };
}

function chunkedOnly(codings: string[], hasContentLength: boolean, minorVersion: number): "chunked" {
  // RFC 9112 §6.1: a request with both MAY be refused; one that can be read two ways is (request smuggling).
  if (hasContentLength) {
    throw new HttpParseError("BAD_TRANSFER_ENCODING", 400, "Both Transfer-Encoding and Content-Length");
  }
  // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means the framing is faulty.
  if (minorVersion === 0) {
    throw new HttpParseError("BAD_TRANSFER_ENCODING", 400, "Transfer-Encoding in an HTTP/1.0 request");
  }
  const names = codings.map((c) => c.trim().toLowerCase());
  // RFC 9112 §6.3 rule 4: chunked not last → the length is unknowable: 400 and close.
  if (names.at(-1) !== "chunked") {
    throw new HttpParseError("BAD_TRANSFER_ENCODING", 400, "Transfer-Encoding does not end in chunked");
  }
  // RFC 9112 §6.1: chunked MUST NOT be applied twice; 501 for a coding not understood.
  if (names.length > 1) {
    throw names.slice(0, -1).includes("chunked")
      ? new HttpParseError("BAD_TRANSFER_ENCODING", 400, "Chunked applied more than once")
      : new HttpParseError("UNKNOWN_TRANSFER_CODING", 501, "Unsupported transfer coding");
  }
  return "chunked";
}

function parseContentLength(values: string[], limits: ParserLimits): number {
  // RFC 9112 §6.3 rule 5: an invalid Content-Length (not digits, or differing values) is an
  // unrecoverable framing error: 400 and close. Identical repeated values are allowed (RFC 9110 §8.6).
  const first = values[0].trim();
  for (const v of values) {
    const t = v.trim();
    if (!DIGITS.test(t)) throw new HttpParseError("BAD_CONTENT_LENGTH", 400, "Invalid Content-Length");
    if (t !== first && BigInt(t) !== BigInt(first)) {
      throw new HttpParseError("BAD_CONTENT_LENGTH", 400, "Conflicting Content-Length values");
    }
  }
  const length = first.length > 15 ? Infinity : Number(first);
  // RFC 9110 §15.5.14: 413 for content larger than the server will take.
  if (length > limits.maxBodySize) {
    throw new HttpParseError("BODY_TOO_LARGE", 413, "Request body is too large");
  }
  return length;
}

/**
 * A request head's framing and target, or the refusal, which then carries
 * the head: a request refused after it was read whole (no Host, a bad
 * Content-Length…) can be logged by its request line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readRequest } from "./framing.ts";
 * import { DEFAULT_LIMITS } from "./limits.ts";
 * const head = { method: "GET", target: "/a", minorVersion: 1, headers: [] };
 * assert.throws(() => readRequest(head, DEFAULT_LIMITS), (e: { status: number; head: unknown }) => e.status === 400 && e.head === head);
 * ```
 */
export function readRequest(
  head: RequestHead,
  limits: ParserLimits,
): { framing: RequestFraming; target: RequestTarget } {
  try {
    return { framing: requestFraming(head, limits), target: parseRequestTarget(head.method, head.target) };
  } catch (e) {
    if (e instanceof HttpParseError) e.head = head;
    throw e;
  }
}
