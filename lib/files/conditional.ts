/**
 * Validators and conditional requests (RFC 9110 §8.8, §13).
 *
 * @module
 */

/** What identifies one version of a representation. */
export interface Validators {
  /** A strong entity tag, quotes included. */
  etag: string;
  /** Last modification, in whole seconds since the epoch (HTTP dates have no finer grain). */
  lastModified: number;
}

/**
 * A strong ETag from size and modification time, with a suffix per content
 * coding so a gzip body and the identity body never share a tag.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { entityTag } from "./conditional.ts";
 * assert.equal(entityTag(1024, 1700000000123), "\"400-18bcfe5687b\"");
 * assert.equal(entityTag(1024, 1700000000123, "gzip"), "\"400-18bcfe5687b-gzip\"");
 * ```
 */
export function entityTag(size: number, mtimeMs: number, coding?: string): string {
  const base = `${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}`;
  return `"${coding ? `${base}-${coding}` : base}"`;
}

/** The outcome of evaluating preconditions. */
export type Precondition = "proceed" | "not-modified" | "failed";

/**
 * Evaluates `If-Match`, `If-Unmodified-Since`, `If-None-Match` and
 * `If-Modified-Since` in the order of RFC 9110 §13.2.2, at `now` (ms since
 * the epoch).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { evaluatePreconditions } from "./conditional.ts";
 * const v = { etag: '"a"', lastModified: 1000 };
 * assert.equal(evaluatePreconditions("GET", new Map([["if-none-match", '"a"']]), v), "not-modified");
 * assert.equal(evaluatePreconditions("GET", new Map([["if-match", '"b"']]), v), "failed");
 * const future = new Map([["if-modified-since", new Date(Date.now() + 60_000).toUTCString()]]);
 * assert.equal(evaluatePreconditions("GET", future, v), "proceed");
 * ```
 */
export function evaluatePreconditions(
  method: string,
  headers: ReadonlyMap<string, string>,
  v: Validators,
  now: number = Date.now(),
): Precondition {
  const ifMatch = headers.get("if-match");
  if (ifMatch !== undefined) {
    if (!matchesAny(ifMatch, v.etag, true)) return "failed";
  } else {
    const since = parseHttpDate(headers.get("if-unmodified-since"));
    if (since !== null && v.lastModified > since) return "failed";
  }
  const ifNoneMatch = headers.get("if-none-match");
  if (ifNoneMatch !== undefined) {
    if (matchesAny(ifNoneMatch, v.etag, false)) {
      return method === "GET" || method === "HEAD" ? "not-modified" : "failed";
    }
  } else if (method === "GET" || method === "HEAD") {
    const since = parseHttpDate(headers.get("if-modified-since"));
    // A date later than the server's clock is invalid and ignored (RFC 2616 §14.25; Apache does so):
    // a client with a clock ahead would otherwise never see a changed file.
    if (since !== null && since * 1000 <= now && v.lastModified <= since) return "not-modified";
  }
  return "proceed";
}

/**
 * Whether `If-Range` lets a range request be served as a range: a strong
 * ETag equal to the current one, or a date equal to Last-Modified
 * (RFC 9110 §13.1.5).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ifRangeHolds } from "./conditional.ts";
 * assert.equal(ifRangeHolds('"a"', { etag: '"a"', lastModified: 0 }), true);
 * assert.equal(ifRangeHolds('W/"a"', { etag: '"a"', lastModified: 0 }), false);
 * ```
 */
export function ifRangeHolds(ifRange: string, v: Validators): boolean {
  const value = ifRange.trim();
  if (value.startsWith('"')) return value === v.etag;
  if (value.startsWith("W/")) return false;
  return parseHttpDate(value) === v.lastModified;
}

/** Matches a list of entity tags (or `*`) against `etag`, strongly or weakly. */
function matchesAny(list: string, etag: string, strong: boolean): boolean {
  if (list.trim() === "*") return true;
  for (const raw of list.split(",")) {
    let tag = raw.trim();
    if (tag.startsWith("W/")) {
      if (strong) continue;
      tag = tag.slice(2);
    }
    if (tag === etag) return true;
  }
  return false;
}

/**
 * Parses an HTTP date (IMF-fixdate, or the obsolete RFC 850 and asctime
 * forms) to whole seconds since the epoch; `null` when absent or invalid,
 * which makes the condition be ignored as §13.1.3 asks.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHttpDate } from "./conditional.ts";
 * assert.equal(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
 * ```
 */
export function parseHttpDate(value: string | undefined): number | null {
  if (value === undefined || !/GMT$|\d{4}$/.test(value.trim())) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}
