/**
 * Turns a request path into a file path that cannot leave the root.
 *
 * The path is percent-decoded exactly once; then any `..` or `.` segment,
 * NUL, backslash or invalid UTF-8 refuses the request. Nothing is normalized
 * away, so no encoding trick can reach a different file than the one named.
 *
 * @module
 */

import { join } from "node:path/posix";

/** The outcome: a file path under the root, or a status to answer with. */
export type ResolvedPath =
  | { ok: true; path: string; decoded: string; trailingSlash: boolean }
  | { ok: false; status: 400 | 404; reason: string };

/**
 * Resolves `urlPath` (still percent-encoded, starting with `/`) under `root`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolvePath } from "./resolve_path.ts";
 * assert.deepEqual(resolvePath("/srv", "/a%20b.txt"), { ok: true, path: "/srv/a b.txt", decoded: "/a b.txt", trailingSlash: false });
 * assert.equal(resolvePath("/srv", "/%2e%2e/etc/passwd").ok, false);
 * ```
 */
export function resolvePath(root: string, urlPath: string): ResolvedPath {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    // RFC 3986 §2.1: "%" must be followed by two hex digits; the bytes must be UTF-8 (RFC 3986 §2.5).
    return { ok: false, status: 400, reason: "Invalid percent-encoding in path" };
  }
  if (decoded[0] !== "/") return { ok: false, status: 400, reason: "Path must start with /" };
  // NUL ends a path in the OS, a backslash separates one on some: neither is a URL path's to carry.
  if (decoded.includes("\0") || decoded.includes("\\")) {
    return { ok: false, status: 400, reason: "Invalid character in path" };
  }
  const segments = decoded.split("/");
  // RFC 3986 §3.3: dot segments are refused, never resolved, so no path can climb out of the root.
  if (segments.some((s) => s === ".." || s === ".")) {
    return { ok: false, status: 400, reason: "Dot segments are not allowed in paths" };
  }
  const path = join(root, decoded).replace(/(?<=.)\/+$/, "");
  if (path !== root && !path.startsWith(root.endsWith("/") ? root : root + "/")) {
    return { ok: false, status: 400, reason: "Path leaves the root" };
  }
  return { ok: true, path, decoded, trailingSlash: decoded.endsWith("/") };
}
