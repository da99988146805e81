/**
 * A standard `Request` from a parsed request head, with its body as a
 * stream that the connection feeds. A request that cannot be a `Request`
 * (a method fetch forbids, a Host that is no host) is refused here with the
 * status to answer, never by reading an exception's text.
 *
 * @module
 */

import { fieldValue, type RequestHead } from "../http/request_head.ts";
import type { RequestTarget } from "../http/request_target.ts";

/**
 * Methods a `Request` cannot carry (Fetch standard, "forbidden method"):
 * weft refuses them for an app with 405 (RFC 9110 §15.5.6).
 */
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);

/** A `Request` for the app, or why there is none and what to answer. */
export type BuiltRequest =
  | { ok: true; request: Request }
  | { ok: false; status: 400 | 405; reason: string };

/**
 * Builds the `Request` an app sees. The URL is the scheme (`https` when the
 * connection is TLS) + the Host (or the authority of an absolute-form
 * target) + the target.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildRequest } from "./request.ts";
 * const built = buildRequest(
 *   { method: "GET", target: "/a?b", minorVersion: 1, headers: [["host", "example.com"]] },
 *   { path: "/a", query: "b", authority: null },
 *   null,
 *   new AbortController().signal,
 * );
 * assert.ok(built.ok);
 * assert.equal(built.request.url, "http://example.com/a?b");
 * ```
 */
export function buildRequest(
  head: RequestHead,
  target: RequestTarget,
  body: ReadableStream<Uint8Array> | null,
  signal: AbortSignal,
  scheme: "http" | "https" = "http",
): BuiltRequest {
  if (FORBIDDEN_METHODS.has(head.method.toUpperCase())) {
    return { ok: false, status: 405, reason: `${head.method} requests are not passed to apps` };
  }
  const host = target.authority ?? fieldValue(head.headers, "host") ?? "localhost";
  const path = target.path.startsWith("/") ? target.path : "/";
  const url = URL.parse(`${scheme}://${host || "localhost"}${path}${target.query ? `?${target.query}` : ""}`);
  // RFC 9110 §7.2: a Host that is not a valid host is a bad request.
  if (url === null) return { ok: false, status: 400, reason: "The Host field is not a valid host" };
  const hasBody = body !== null && head.method !== "GET" && head.method !== "HEAD";
  const request = new Request(url, {
    method: head.method,
    headers: head.headers,
    body: hasBody ? body : null,
    signal,
    // @ts-ignore: `duplex` is required by fetch for stream bodies, not yet in Deno's RequestInit type
    duplex: "half",
  });
  return { ok: true, request };
}
