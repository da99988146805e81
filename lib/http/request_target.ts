/**
 * The four forms of request target (RFC 9112 §3.2) and which methods may use
 * them. A fragment (`#…`), which is never part of a request target, is dropped.
 *
 * @module
 */

import { HttpParseError } from "./errors.ts";

/** A request target split into its parts. */
export interface RequestTarget {
  /** The path, still percent-encoded; `*` for the asterisk form, `""` for CONNECT. */
  path: string;
  /** The query without its `?`, or `""`. */
  query: string;
  /** The authority of an absolute-form or authority-form target, else `null`. */
  authority: string | null;
}

const ABSOLUTE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?]*)([^?]*)(?:\?(.*))?$/s;
const AUTHORITY = /^[^/?@]+:[0-9]+$/;

/**
 * Splits a request target, refusing forms the method may not use.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRequestTarget } from "./request_target.ts";
 * assert.deepEqual(parseRequestTarget("GET", "/a%20b?x=1"), { path: "/a%20b", query: "x=1", authority: null });
 * assert.equal(parseRequestTarget("GET", "http://example.com").path, "/");
 * ```
 */
export function parseRequestTarget(method: string, rawTarget: string): RequestTarget {
  const hash = rawTarget.indexOf("#");
  const target = hash === -1 ? rawTarget : rawTarget.slice(0, hash);
  // RFC 9112 §3.2.3: authority-form, and only it, is for CONNECT.
  if (method === "CONNECT") {
    if (!AUTHORITY.test(target)) {
      throw new HttpParseError("BAD_TARGET", 400, "CONNECT needs a host:port target");
    }
    return { path: "", query: "", authority: target };
  }
  if (target[0] === "/") {
    const q = target.indexOf("?");
    return q === -1
      ? { path: target, query: "", authority: null }
      : { path: target.slice(0, q), query: target.slice(q + 1), authority: null };
  }
  // RFC 9112 §3.2.4: asterisk-form is only for a server-wide OPTIONS.
  if (target === "*") {
    if (method !== "OPTIONS") {
      throw new HttpParseError("BAD_TARGET", 400, "Asterisk target is only for OPTIONS");
    }
    return { path: "*", query: "", authority: null };
  }
  // RFC 9112 §3.2.2: absolute-form; userinfo is deprecated in http(s) URIs (RFC 9110 §4.2.4).
  const m = ABSOLUTE.exec(target);
  if (m === null || m[2].includes("@")) {
    throw new HttpParseError("BAD_TARGET", 400, "Invalid request target");
  }
  return { path: m[3] || "/", query: m[4] ?? "", authority: m[2] };
}
