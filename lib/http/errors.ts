/**
 * The one error type of the protocol core.
 *
 * @module
 */

import type { RequestHead } from "./request_head.ts";

/**
 * Why a request was refused. A string survives `postMessage` and logs, a
 * class instance does not.
 */
export type HttpErrorCode =
  | "BAD_REQUEST_LINE"
  | "BAD_TARGET"
  | "BAD_VERSION"
  | "UNSUPPORTED_VERSION"
  | "BAD_FIELD"
  | "BAD_LINE_ENDING"
  | "MISSING_HOST"
  | "BAD_HOST"
  | "BAD_CONTENT_LENGTH"
  | "BAD_TRANSFER_ENCODING"
  | "UNKNOWN_TRANSFER_CODING"
  | "BAD_CHUNK"
  | "URI_TOO_LONG"
  | "HEAD_TOO_LARGE"
  | "BODY_TOO_LARGE"
  | "TRUNCATED"
  | "HTTP2_PREFACE";

/**
 * A request the server must refuse. `status` is the response to send before
 * closing the connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HttpParseError } from "./errors.ts";
 * const e = new HttpParseError("BAD_FIELD", 400, "Whitespace before colon");
 * assert.ok(e instanceof SyntaxError);
 * assert.deepEqual([e.status, e.code, e.name], [400, "BAD_FIELD", "HttpParseError"]);
 * ```
 */
export class HttpParseError extends SyntaxError {
  /** A stable identifier of the fault. */
  readonly code: HttpErrorCode;
  /** The status code to answer with. */
  readonly status: number;
  /** The request's head, when the fault was found after it was read whole (a refusal can then name it). */
  head: RequestHead | null = null;

  /** Creates an error with a code, a status and a sentence-case reason. */
  constructor(code: HttpErrorCode, status: number, message: string) {
    super(message);
    this.name = "HttpParseError";
    this.code = code;
    this.status = status;
  }
}
