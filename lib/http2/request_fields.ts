/**
 * Rule: what makes an HTTP/2 request well formed (RFC 9113 §8.2–§8.3): field
 * names in lower case and of token bytes, values without NUL, CR or LF or
 * surrounding whitespace, no connection-specific fields, pseudo-fields
 * first, known and once each, and the ones a method needs. A malformed
 * request is a stream error of type PROTOCOL_ERROR (§8.1.1), thrown here as
 * {@linkcode Http2Error} naming the rule.
 *
 * @module
 */

import { ErrorCode, Http2Error } from "./frame.ts";

/** A request's pseudo-fields and fields, as the client sent them. */
export interface Http2Request {
  method: string;
  /** `:scheme`, or `""` for CONNECT. */
  scheme: string;
  /** `:authority`, or the Host field, or `""`. */
  authority: string;
  /** `:path` (path and query), or `""` for CONNECT. */
  path: string;
  /** The regular fields in order; cookie crumbs are joined into one field (§8.2.3). */
  fields: [string, string][];
  /** The body's length from Content-Length, or `null` when it is not given. */
  contentLength: number | null;
}

/** Connection-specific fields, which HTTP/2 does not carry (§8.2.2). */
export const CONNECTION_SPECIFIC: ReadonlySet<string> = new Set([
  "connection",
  "proxy-connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
]);
const PSEUDO = new Set([":method", ":scheme", ":authority", ":path"]);
/** A name byte that §8.2.1 refuses: controls, space, upper case, DEL and non-ASCII. */
// deno-lint-ignore no-control-regex -- controls are exactly what the rule refuses
const BAD_NAME = /[\x00-\x20A-Z\x7f-\uffff]/;
/** A value §8.2.1 refuses: NUL, CR or LF anywhere, or whitespace at either end. */
const BAD_VALUE = /[\0\r\n]|^[ \t]|[ \t]$/;

function malformed(stream: number, reason: string): Http2Error {
  return new Http2Error(ErrorCode.PROTOCOL_ERROR, stream, reason);
}

/**
 * Checks the decoded fields of a request's header block and sorts them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { requestFromFields } from "./request_fields.ts";
 * const request = requestFromFields(1, [[":method", "GET"], [":scheme", "https"], [":path", "/a?b"], [":authority", "x"],
 *   ["cookie", "a=1"], ["cookie", "b=2"]], true);
 * assert.deepEqual([request.method, request.path, request.fields], ["GET", "/a?b", [["cookie", "a=1; b=2"]]]);
 * assert.throws(() => requestFromFields(3, [[":method", "GET"], [":path", "/"], [":scheme", "http"], ["Host", "x"]], true),
 *   /§8.2.1/);
 * ```
 */
export function requestFromFields(
  stream: number,
  decoded: [string, string][],
  endStream: boolean,
): Http2Request {
  const pseudo = new Map<string, string>();
  const fields: [string, string][] = [];
  const cookies: string[] = [];
  for (const [name, value] of decoded) {
    if (name.startsWith(":")) {
      if (fields.length > 0 || cookies.length > 0) {
        throw malformed(stream, "RFC 9113 §8.3: a pseudo-field after a field");
      }
      if (!PSEUDO.has(name)) throw malformed(stream, `RFC 9113 §8.3: ${name} is not a request pseudo-field`);
      if (pseudo.has(name)) throw malformed(stream, `RFC 9113 §8.3.1: ${name} twice`);
      pseudo.set(name, value);
      continue;
    }
    checkField(stream, name, value);
    if (name === "cookie") cookies.push(value);
    else fields.push([name, value]);
  }
  if (cookies.length > 0) fields.push(["cookie", cookies.join("; ")]);
  const request = withPseudoFields(stream, pseudo, fields);
  if (request.contentLength !== null && request.contentLength > 0 && endStream) {
    throw malformed(stream, "RFC 9113 §8.1.1: a Content-Length above 0 on a request without a body");
  }
  return request;
}

/** The fields of a trailer section (§8.1): no pseudo-field, and each field as in a header section. */
export function readTrailers(stream: number, decoded: [string, string][]): [string, string][] {
  for (const [name, value] of decoded) {
    if (name.startsWith(":")) throw malformed(stream, "RFC 9113 §8.1: a pseudo-field in trailers");
    checkField(stream, name, value);
  }
  return decoded;
}

function checkField(stream: number, name: string, value: string): void {
  if (name === "" || BAD_NAME.test(name)) {
    throw malformed(
      stream,
      `RFC 9113 §8.2.1: the field name ${JSON.stringify(name)} is not lower-case token bytes`,
    );
  }
  if (BAD_VALUE.test(value)) {
    throw malformed(stream, `RFC 9113 §8.2.1: the value of ${name} holds NUL, CR, LF or edge whitespace`);
  }
  if (CONNECTION_SPECIFIC.has(name)) {
    throw malformed(stream, `RFC 9113 §8.2.2: ${name} is specific to HTTP/1.1`);
  }
  if (name === "te" && value !== "trailers") {
    throw malformed(stream, "RFC 9113 §8.2.2: TE other than trailers");
  }
}

function withPseudoFields(
  stream: number,
  pseudo: Map<string, string>,
  fields: [string, string][],
): Http2Request {
  const method = pseudo.get(":method");
  if (method === undefined || method === "") throw malformed(stream, "RFC 9113 §8.3.1: no :method");
  const host = fields.find(([name]) => name === "host")?.[1];
  const authority = pseudo.get(":authority") ?? host ?? "";
  const contentLength = readContentLength(stream, fields);
  if (method === "CONNECT") {
    // §8.5: CONNECT names only the authority.
    if (pseudo.has(":scheme") || pseudo.has(":path") || authority === "") {
      throw malformed(stream, "RFC 9113 §8.5: CONNECT has :authority and no :scheme or :path");
    }
    return { method, scheme: "", authority, path: "", fields, contentLength };
  }
  const scheme = pseudo.get(":scheme");
  const path = pseudo.get(":path");
  if (scheme === undefined || scheme === "") throw malformed(stream, "RFC 9113 §8.3.1: no :scheme");
  if (path === undefined || path === "") {
    throw malformed(stream, "RFC 9113 §8.3.1: no :path, or an empty one");
  }
  if (!path.startsWith("/") && !(path === "*" && method === "OPTIONS")) {
    throw malformed(stream, "RFC 9113 §8.3.1: :path is neither origin form nor * for OPTIONS");
  }
  return { method, scheme, authority, path, fields, contentLength };
}

/** Content-Length (RFC 9110 §8.6): digits, the same in every line that gives it. */
function readContentLength(stream: number, fields: [string, string][]): number | null {
  let length: number | null = null;
  for (const [name, value] of fields) {
    if (name !== "content-length") continue;
    for (const part of value.split(",")) {
      const digits = part.trim();
      if (!/^\d{1,15}$/.test(digits)) {
        throw malformed(stream, "RFC 9110 §8.6: Content-Length is not a number");
      }
      if (length !== null && Number(digits) !== length) {
        throw malformed(stream, "RFC 9110 §8.6: Content-Length values differ");
      }
      length = Number(digits);
    }
  }
  return length;
}
