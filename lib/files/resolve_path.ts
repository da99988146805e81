/**
 * Turns a request path into a file path that cannot leave the root.
 *
 * The path is percent-decoded exactly once (so `%2e%2e` is `..`, and `%252e`
 * stays `%2e`); NUL, backslash or invalid UTF-8 refuse the request. Then, as
 * nginx, Apache and Go do, empty segments are merged and dot segments removed
 * (RFC 3986 §5.2.4): `.` goes, `..` takes the segment before it away, and a
 * `..` with nothing before it, which would climb above the root, is refused.
 *
 * @module
 */

import { join } from "node:path/posix";

/** The outcome: a file path under the root (and the decoded, normalized URL path), or a status to answer with. */
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
 * const up = resolvePath("/srv", "/d/%2e%2e/a.txt");
 * assert.deepEqual(up, { ok: true, path: "/srv/a.txt", decoded: "/a.txt", trailingSlash: false });
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
  const kept: string[] = [];
  for (const segment of segments) {
    if (segment === "" || segment === ".") continue;
    if (segment !== "..") kept.push(segment);
    // RFC 3986 §5.2.4 removes a ".." at the top; a file server must refuse it instead.
    else if (kept.pop() === undefined) return { ok: false, status: 400, reason: "Path leaves the root" };
  }
  const last = segments.at(-1);
  const trailingSlash = kept.length === 0 || last === "" || last === "." || last === "..";
  const normalized = `/${kept.join("/")}${trailingSlash && kept.length > 0 ? "/" : ""}`;
  return { ok: true, path: join(root, ...kept), decoded: normalized, trailingSlash };
}
