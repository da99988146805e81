/**
 * Serializing response heads (RFC 9112 §4–§5), and the shared pieces every
 * response needs: reason phrases, the `Date` value and error bodies.
 *
 * @module
 */

import { FIELD_VALUE, TOKEN, writeLatin1 } from "./bytes.ts";
import { STATUS_TEXT } from "./status.ts";

/** A status line and fields, ready to be written. */
export interface ResponseHead {
  /** The status code, 100–999. */
  status: number;
  /** Field lines in order; names are sent as given. */
  headers: [string, string][];
  /** The reason phrase. @default {STATUS_TEXT[status] or ""} */
  reason?: string;
}

/**
 * Formats a time as an IMF-fixdate (RFC 9110 §5.6.7), the form of `Date`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { httpDate } from "./response.ts";
 * assert.equal(httpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
 * ```
 */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

let cachedSecond = -1;
let cachedDate = "";

/**
 * The current `Date` value, formatted at most once a second.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentHttpDate } from "./response.ts";
 * assert.equal(currentHttpDate().endsWith("GMT"), true);
 * ```
 */
export function currentHttpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedDate = httpDate(now);
  }
  return cachedDate;
}

/**
 * Serializes a status line and its fields, ending with the empty line.
 * Throws a `TypeError` for a field that would break the framing (CR, LF or a
 * non-token name), so a handler can never split a response.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serializeResponseHead } from "./response.ts";
 * const bytes = serializeResponseHead({ status: 204, headers: [["Server", "weft"]] });
 * assert.equal(new TextDecoder().decode(bytes), "HTTP/1.1 204 No Content\r\nServer: weft\r\n\r\n");
 * ```
 */
export function serializeResponseHead(head: ResponseHead): Uint8Array {
  const reason = head.reason ?? STATUS_TEXT[head.status] ?? "";
  if (!Number.isInteger(head.status) || head.status < 100 || head.status > 999) {
    throw new TypeError(`Invalid status code: ${head.status}`);
  }
  let size = 15 + reason.length;
  for (const [name, value] of head.headers) size += name.length + value.length + 4;
  const out = new Uint8Array(size + 2);
  // Each string is checked as it is copied: one pass over every character.
  let at = writeLatin1(out, 0, `HTTP/1.1 ${head.status} `);
  at = writeChecked(out, at, reason, FIELD_VALUE, "reason phrase");
  out[at++] = 0x0d;
  out[at++] = 0x0a;
  for (const [name, value] of head.headers) {
    if (name.length === 0) throw new TypeError("Empty field name");
    at = writeChecked(out, at, name, TOKEN, null);
    out[at++] = 0x3a;
    out[at++] = 0x20;
    at = writeChecked(out, at, value, FIELD_VALUE, name);
    out[at++] = 0x0d;
    out[at++] = 0x0a;
  }
  out[at++] = 0x0d;
  out[at++] = 0x0a;
  return out;
}

/**
 * Copies `s` into `out` at `at` if every character is allowed by `table`;
 * otherwise throws, naming the field name (`what` null) or what the value is.
 */
function writeChecked(
  out: Uint8Array,
  at: number,
  s: string,
  table: Uint8Array,
  what: string | null,
): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255 || !table[c]) {
      throw new TypeError(
        what === null
          ? `Invalid field name: ${JSON.stringify(s)}`
          : `Invalid character in ${what}: ${JSON.stringify(s)}`,
      );
    }
    out[at++] = c;
  }
  return at;
}

/**
 * The text of every error weft answers: `404 Not Found: why`, one line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorText } from "./response.ts";
 * assert.equal(errorText(404, "No such file"), "404 Not Found: No such file\n");
 * ```
 */
export function errorText(status: number, message: string): string {
  return `${status} ${STATUS_TEXT[status] ?? "Error"}: ${message}\n`;
}

const encoder = new TextEncoder();

/**
 * A complete error response, head and {@linkcode errorText} body, that ends
 * the connection (`Connection: close`): what is sent when a request cannot be
 * answered normally, by the protocol core or by the main thread when no
 * worker can answer. `extra` fields (such as `Retry-After`) go before
 * `Connection`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serializeErrorResponse } from "./response.ts";
 * const text = new TextDecoder().decode(serializeErrorResponse(503, "Busy", [["Retry-After", "1"]]));
 * assert.match(text, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
 * assert.match(text, /Retry-After: 1\r\nConnection: close\r\n\r\n503 Service Unavailable: Busy\n$/);
 * ```
 */
export function serializeErrorResponse(
  status: number,
  message: string,
  extra: [string, string][] = [],
  serverName = "weft",
): Uint8Array {
  const body = encoder.encode(errorText(status, message));
  const head = serializeResponseHead({
    status,
    headers: [
      ["Date", currentHttpDate()],
      ["Server", serverName],
      ["Content-Type", "text/plain; charset=utf-8"],
      ["Content-Length", String(body.length)],
      ...extra,
      ["Connection", "close"],
    ],
  });
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/**
 * Whether a response with this status to this method carries no content
 * (RFC 9110 §6.4.1): 1xx, 204, 304, and any answer to HEAD.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hasNoContent } from "./response.ts";
 * assert.deepEqual([hasNoContent("GET", 304), hasNoContent("GET", 200)], [true, false]);
 * ```
 */
export function hasNoContent(method: string, status: number): boolean {
  return method === "HEAD" || status < 200 || status === 204 || status === 304;
}
