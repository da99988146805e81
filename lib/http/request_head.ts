/**
 * Incremental parser for the request line and header section
 * (RFC 9112 §2–§5).
 *
 * Rules kept here:
 * - Incomplete input is never an error: `parse` answers `null` and resumes
 *   where it stopped when more bytes arrive, so no byte is scanned twice.
 * - Offsets are kept relative to the start of the head, so the caller may move
 *   its buffer between calls.
 * - Every line must end in CRLF; a bare CR or LF, obs-fold, whitespace before
 *   a colon and bytes outside the grammar are refused with a reason.
 *
 * @module
 */

import { COLON, CR, FIELD_VALUE, HTAB, latin1, LF, SP, TARGET, TOKEN } from "./bytes.ts";
import { HttpParseError } from "./errors.ts";
import { PREFACE_LINE } from "./http2_required.ts";
import type { ParserLimits } from "./limits.ts";

/** A parsed request line and header section. */
export interface RequestHead {
  /** The method token, case-sensitive (RFC 9110 §9.1). */
  method: string;
  /** The request target exactly as sent. */
  target: string;
  /** The minor version: 0 for HTTP/1.0, 1 for HTTP/1.1 (and later 1.x). */
  minorVersion: number;
  /** Field lines in order as `[lower-case name, value]`, OWS trimmed. */
  headers: [string, string][];
  /** It came over HTTP/2 (as fields of HTTP/1.1 semantics: `host` from `:authority`). */
  http2?: boolean;
}

/**
 * Parses one request head from bytes that may arrive in any number of pieces.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RequestHeadParser } from "./request_head.ts";
 * import { DEFAULT_LIMITS } from "./limits.ts";
 * const bytes = new TextEncoder().encode("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
 * const parser = new RequestHeadParser(DEFAULT_LIMITS);
 * parser.parse(bytes, 0, 10); // null: not yet complete
 * const head = parser.parse(bytes, 0, bytes.length);
 * assert.deepEqual([head?.method, parser.consumed], ["GET", 27]);
 * ```
 */
export class RequestHeadParser {
  readonly #limits: ParserLimits;
  /** Bytes from the head's start already scanned. */
  #scanned = 0;
  /** Where the current, unfinished line starts, relative to the head's start. */
  #lineStart = 0;
  #head: RequestHead | null = null;
  #consumed = 0;

  /** Creates a parser that enforces `limits`. */
  constructor(limits: ParserLimits) {
    this.#limits = limits;
  }

  /** After `parse` returned a head: how many bytes it took, final CRLF included. */
  get consumed(): number {
    return this.#consumed;
  }

  /**
   * Scans `buf[start, end)`, where `start` is where the head begins. Returns the
   * head once its empty line has arrived, `null` when more bytes are needed,
   * and throws {@linkcode HttpParseError} on a malformed or oversized head.
   */
  parse(buf: Uint8Array, start: number, end: number): RequestHead | null {
    const limits = this.#limits;
    let pos = start + this.#scanned;
    while (pos < end) {
      let lf = buf.indexOf(LF, pos);
      if (lf >= end) lf = -1;
      const lineStart = start + this.#lineStart;
      if (lf === -1) {
        this.#scanned = end - start;
        this.#checkSize(end - start, end - lineStart);
        return null;
      }
      this.#checkSize(lf + 1 - start, lf + 1 - lineStart);
      // RFC 9112 §2.2: a recipient MAY take a bare LF as a line end; read two ways, it is refused.
      if (lf === lineStart || buf[lf - 1] !== CR) {
        throw new HttpParseError("BAD_LINE_ENDING", 400, "Line ends in a bare LF");
      }
      const lineEnd = lf - 1;
      pos = lf + 1;
      this.#lineStart = pos - start;
      if (this.#head === null) {
        // RFC 9112 §2.2: empty lines before the request line are ignored.
        if (lineEnd > lineStart) this.#head = parseRequestLine(buf, lineStart, lineEnd);
      } else if (lineEnd === lineStart) {
        this.#consumed = pos - start;
        return this.#head;
      } else {
        // RFC 6585 §5: 431 for header fields that are too large, in count here.
        if (this.#head.headers.length === limits.maxHeaderCount) {
          throw new HttpParseError("HEAD_TOO_LARGE", 431, "Too many header fields");
        }
        this.#head.headers.push(parseFieldLine(buf, lineStart, lineEnd));
      }
    }
    this.#scanned = end - start;
    return null;
  }

  #checkSize(headBytes: number, lineBytes: number): void {
    // RFC 9112 §3 and RFC 9110 §15.5.15: a request-target longer than the server will parse gets 414.
    if (this.#head === null && lineBytes > this.#limits.maxRequestLine) {
      throw new HttpParseError("URI_TOO_LONG", 414, "Request line is too long");
    }
    // RFC 6585 §5: 431 for a header section that is too large.
    if (headBytes > this.#limits.maxHeaderSize) {
      throw new HttpParseError("HEAD_TOO_LARGE", 431, "Header section is too large");
    }
  }
}

function parseRequestLine(buf: Uint8Array, start: number, end: number): RequestHead {
  // RFC 9112 §3: request-line = method SP request-target SP HTTP-version; an invalid one gets 400.
  let i = start;
  while (i < end && TOKEN[buf[i]]) i++;
  if (i === start || buf[i] !== SP) {
    throw new HttpParseError("BAD_REQUEST_LINE", 400, "Invalid method");
  }
  const method = latin1(buf, start, i);
  const targetStart = ++i;
  while (i < end && TARGET[buf[i]]) i++;
  if (i === targetStart || buf[i] !== SP) {
    throw new HttpParseError("BAD_TARGET", 400, "Invalid request target");
  }
  const target = latin1(buf, targetStart, i);
  // RFC 9112 §3.2: whitespace inside the target is an invalid request-line, not a target with spaces.
  if (buf.subarray(i + 1, end).includes(SP)) {
    throw new HttpParseError("BAD_TARGET", 400, "Space in request target");
  }
  // RFC 9113 §3.4: the HTTP/2 preface, sent with prior knowledge; it is answered in HTTP/2 (http2_required.ts).
  if (
    method === PREFACE_LINE.method && target === PREFACE_LINE.target && latin1(buf, i + 1, end) === "HTTP/2.0"
  ) {
    throw new HttpParseError("HTTP2_PREFACE", 505, "This server speaks HTTP/1.1 only");
  }
  return { method, target, minorVersion: parseVersion(buf, i + 1, end), headers: [] };
}

const HTTP_SLASH = [0x48, 0x54, 0x54, 0x50, 0x2f];

function parseVersion(buf: Uint8Array, start: number, end: number): number {
  const isDigit = (b: number) => b >= 0x30 && b <= 0x39;
  const wellFormed = end - start === 8 &&
    HTTP_SLASH.every((b, k) => buf[start + k] === b) &&
    isDigit(buf[start + 5]) && buf[start + 6] === 0x2e && isDigit(buf[start + 7]);
  // RFC 9112 §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive.
  if (!wellFormed) {
    throw new HttpParseError("BAD_VERSION", 400, "Invalid HTTP version");
  }
  // RFC 9110 §15.6.6: 505 for a major version the server does not support.
  if (buf[start + 5] !== 0x31) {
    throw new HttpParseError("UNSUPPORTED_VERSION", 505, "Only HTTP/1.x is supported");
  }
  return buf[start + 7] - 0x30;
}

/** Parses one `field-name ":" OWS field-value OWS` line, CRLF excluded. */
export function parseFieldLine(buf: Uint8Array, start: number, end: number): [string, string] {
  // RFC 9112 §5.2: a server MUST reject obs-fold in a request with 400, or replace it.
  if (buf[start] === SP || buf[start] === HTAB) {
    throw new HttpParseError("BAD_FIELD", 400, "Obsolete line folding");
  }
  let i = start;
  while (i < end && TOKEN[buf[i]]) i++;
  // RFC 9112 §5.1: whitespace between field name and colon MUST be rejected with 400.
  if (buf[i] !== COLON || i === start) {
    let j = i;
    while (j < end && (buf[j] === SP || buf[j] === HTAB)) j++;
    const spaceBeforeColon = j > i && buf[j] === COLON && i > start;
    throw new HttpParseError(
      "BAD_FIELD",
      400,
      spaceBeforeColon ? "Whitespace between field name and colon" : "Invalid field name",
    );
  }
  const name = latin1(buf, start, i).toLowerCase();
  let valueStart = i + 1;
  let valueEnd = end;
  while (valueStart < valueEnd && (buf[valueStart] === SP || buf[valueStart] === HTAB)) {
    valueStart++;
  }
  while (valueEnd > valueStart && (buf[valueEnd - 1] === SP || buf[valueEnd - 1] === HTAB)) {
    valueEnd--;
  }
  // RFC 9110 §5.5: CR, LF and NUL are invalid in a field value, and so are other controls.
  for (let k = valueStart; k < valueEnd; k++) {
    if (!FIELD_VALUE[buf[k]]) {
      throw new HttpParseError("BAD_FIELD", 400, "Invalid character in field value");
    }
  }
  return [name, latin1(buf, valueStart, valueEnd)];
}

/** The value of the first field line named `name` (lower case, as parsed), if there is one. */
export function fieldValue(headers: readonly [string, string][], name: string): string | undefined {
  return headers.find(([field]) => field === name)?.[1];
}

/**
 * Field lines by name, repeated fields joined with `, ` as RFC 9110 §5.3
 * allows for list-based fields.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fieldMap } from "./request_head.ts";
 * const fields = fieldMap([["if-none-match", '"a"'], ["if-none-match", '"b"']]);
 * assert.equal(fields.get("if-none-match"), '"a", "b"');
 * ```
 */
export function fieldMap(headers: [string, string][]): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, value] of headers) {
    const prior = map.get(name);
    map.set(name, prior === undefined ? value : `${prior}, ${value}`);
  }
  return map;
}
