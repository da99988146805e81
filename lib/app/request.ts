/**
 * A standard `Request` from a parsed request head, with its body as a
 * stream that the connection feeds.
 *
 * @module
 */

import type { RequestHead } from "../http/request_head.ts";
import type { RequestTarget } from "../http/request_target.ts";

/**
 * Builds the `Request` an app sees. The URL is the scheme (`https` when the
 * connection is TLS) + the Host (or the authority of an absolute-form
 * target) + the target. Throws a `TypeError`
 * when the request cannot be one (a method `fetch` forbids, a bad host).
 *
 * @example
 * ```ts
 * import { buildRequest } from "./request.ts";
 * const request = buildRequest(
 *   { method: "GET", target: "/a?b", minorVersion: 1, headers: [["host", "example.com"]] },
 *   { path: "/a", query: "b", authority: null },
 *   null,
 *   new AbortController().signal,
 * );
 * console.log(request.url); // "http://example.com/a?b"
 * ```
 */
export function buildRequest(
  head: RequestHead,
  target: RequestTarget,
  body: ReadableStream<Uint8Array> | null,
  signal: AbortSignal,
  scheme: "http" | "https" = "http",
): Request {
  const host = target.authority ?? head.headers.find(([name]) => name === "host")?.[1] ?? "localhost";
  const path = target.path.startsWith("/") ? target.path : "/";
  const url = `${scheme}://${host || "localhost"}${path}${target.query ? `?${target.query}` : ""}`;
  const hasBody = body !== null && head.method !== "GET" && head.method !== "HEAD";
  return new Request(url, {
    method: head.method,
    headers: head.headers,
    body: hasBody ? body : null,
    signal,
    // @ts-ignore: `duplex` is required by fetch for stream bodies, not yet in Deno's RequestInit type
    duplex: "half",
  });
}
