/**
 * Access log lines, made in the workers (they know the request) and written
 * by the main thread. Formatting is here; writing is `AccessLogWriter`'s.
 *
 * @module
 */

/** Log formats: Apache's common and combined, or one JSON object per line. */
export type LogFormat = "common" | "combined" | "json";

/** What one log line says about an exchange. */
export interface AccessRecord {
  remote: string;
  /** The request line's parts; absent for a request refused before its head was read whole. */
  method?: string;
  target?: string;
  version?: string;
  status: number;
  /** Body bytes sent. */
  bytes: number;
  referer: string | undefined;
  userAgent: string | undefined;
  /** When the request arrived, ms since the epoch. */
  start: number;
  /** How long the exchange took, ms. */
  duration: number;
  /** Where the time went, ms by part (`--server-timing`); JSON lines only. */
  timing?: Record<string, number>;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `[10/Oct/2000:13:55:36 +0000]`, as common log format writes time (UTC). */
function clfDate(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `[${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${
    two(d.getUTCMinutes())
  }:${two(d.getUTCSeconds())} +0000]`;
}

/**
 * `"`, `\` and control characters, C0 and C1, which common log format escapes
 * as `\xHH` as nginx does: a reader that splits lines on NEL (U+0085) must
 * not see a line a client forged.
 */
// deno-lint-ignore no-control-regex -- escaping control characters is the point
const UNSAFE = new RegExp('["\\\\\\x00-\\x1f\\x7f-\\x9f]', "g");
/** C1 controls, which `JSON.stringify` leaves as they are. */
const C1 = /[\x80-\x9f]/g;

/** Quotes a field for common/combined format. */
function quoted(value: string | undefined): string {
  if (value === undefined) return '"-"';
  return `"${value.replace(UNSAFE, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`)}"`;
}

/** Times in ms to the microsecond, as `Server-Timing` gives them. */
function roundedTimes(timing: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(timing).map(([name, ms]) => [name, Math.round(Math.max(0, ms) * 1000) / 1000]),
  );
}

/**
 * One log line (without the newline).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatAccessLine } from "./access_log.ts";
 * const line = formatAccessLine("common", {
 *   remote: "127.0.0.1", method: "GET", target: "/", version: "HTTP/1.1", status: 200, bytes: 249,
 *   referer: undefined, userAgent: "curl/8", start: 0, duration: 1.5,
 * });
 * assert.equal(line, '127.0.0.1 - - [01/Jan/1970:00:00:00 +0000] "GET / HTTP/1.1" 200 249');
 * const forged = formatAccessLine("combined", {
 *   remote: "127.0.0.1", status: 400, bytes: 0, referer: undefined, userAgent: "a\x85b", start: 0, duration: 0,
 * });
 * assert.equal(forged, '127.0.0.1 - - [01/Jan/1970:00:00:00 +0000] "-" 400 - "-" "a\\x85b"');
 * ```
 */
export function formatAccessLine(format: LogFormat, r: AccessRecord): string {
  if (format === "json") {
    const line = JSON.stringify({
      time: new Date(r.start).toISOString(),
      remote: r.remote,
      method: r.method ?? null,
      target: r.target ?? null,
      version: r.version ?? null,
      status: r.status,
      bytes: r.bytes,
      ms: Math.round(r.duration * 100) / 100,
      referer: r.referer ?? null,
      userAgent: r.userAgent ?? null,
      ...(r.timing && { timing: roundedTimes(r.timing) }),
    });
    return line.replace(C1, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  }
  const request = quoted(r.method === undefined ? undefined : `${r.method} ${r.target} ${r.version}`);
  const common = `${r.remote} - - ${clfDate(r.start)} ${request} ${r.status} ${
    r.bytes === 0 ? "-" : r.bytes
  }`;
  return format === "combined" ? `${common} ${quoted(r.referer)} ${quoted(r.userAgent)}` : common;
}
