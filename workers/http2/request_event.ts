/**
 * Rule: an HTTP/2 request reaches the exchange as HTTP/1's parser would hand
 * it over: a head of HTTP/1.1 semantics (`host` from `:authority`), its
 * target parsed by the same rules, and the same refusals with the same words
 * for what HTTP/2's framing lets through (a CONNECT target without a port, an
 * expectation other than 100-continue).
 *
 * @module
 */

import { HttpParseError } from "../../lib/http/errors.ts";
import type { RequestEvent } from "../../lib/http/events.ts";
import type { RequestHead } from "../../lib/http/request_head.ts";
import { parseRequestTarget } from "../../lib/http/request_target.ts";
import type { Http2Request } from "../../lib/http2/request_fields.ts";

/** The head of `request` as an exchange reads it. */
export function requestHead(request: Http2Request): RequestHead {
  const { method, path, authority, fields } = request;
  const headers = fields.some(([name]) => name === "host")
    ? fields
    : [["host", authority] as [string, string], ...fields];
  return { method, target: path, minorVersion: 1, headers, http2: true };
}

/**
 * The request event for `head`, and whether the client waits for `100 Continue` before its body; throws an
 * {@linkcode HttpParseError} with the status HTTP/1 would answer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { requestEvent, requestHead } from "./request_event.ts";
 * const request = { method: "PUT", scheme: "https", authority: "x", path: "/up", contentLength: 5,
 *   fields: [["expect", "100-continue"]] as [string, string][] };
 * const { event, expectContinue } = requestEvent(request, requestHead(request), false);
 * assert.deepEqual([event.target.path, event.body, expectContinue], ["/up", 5, true]);
 * const odd = { ...request, fields: [["expect", "the-unexpected"]] as [string, string][] };
 * assert.throws(() => requestEvent(odd, requestHead(odd), false), /Unsupported expectation/);
 * ```
 */
export function requestEvent(
  request: Http2Request,
  head: RequestHead,
  endStream: boolean,
): { event: RequestEvent; expectContinue: boolean } {
  const { method, path, authority, contentLength } = request;
  // RFC 9113 §8.5: a CONNECT's target is its :authority.
  const target = parseRequestTarget(method, method === "CONNECT" ? authority : path);
  const expect = request.fields.filter(([name]) => name === "expect");
  // RFC 9110 §10.1.1: one expectation, 100-continue, is all there is; a server MAY answer others with 417.
  if (expect.length > 1) throw new HttpParseError("BAD_FIELD", 400, "More than one Expect field");
  if (expect.length === 1 && expect[0][1].toLowerCase() !== "100-continue") {
    throw new HttpParseError("BAD_FIELD", 417, "Unsupported expectation");
  }
  return {
    event: { type: "request", head, target, body: endStream ? 0 : contentLength ?? "chunked" },
    expectContinue: expect.length === 1 && !endStream,
  };
}
