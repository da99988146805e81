/**
 * The main thread's own answers, sent without a worker: the 503 for a
 * connection past `maxConnections` and for a request whose worker failed
 * (RFC 9110 §15.6.4, with `Retry-After`), and closing a socket quietly.
 *
 * @module
 */

import { withAddedFields } from "./http/added_fields.ts";
import { serializeErrorResponse } from "./http/response.ts";

/** How long the 503 for a connection past `maxConnections` may take to write (ms). */
const REFUSE_WAIT = 1000;

/**
 * Past `maxConnections`: a short 503 and a close, without reading. The write can wait for ever (a TLS
 * client that never starts its handshake), so it is given up after a second.
 */
export async function refuse(conn: Deno.Conn, addedFields: readonly [string, string][]): Promise<void> {
  const giveUp = setTimeout(() => closeQuietly(conn), REFUSE_WAIT);
  try {
    await conn.write(
      unavailable("Too many connections, try again shortly", addedFields),
    );
  } catch {
    // The client left first, or we gave up on it.
  } finally {
    clearTimeout(giveUp);
    closeQuietly(conn);
  }
}

/**
 * A 503 with `Retry-After` (RFC 9110 §15.6.4): the request may be sent again shortly.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unavailable } from "./refuse.ts";
 * const text = new TextDecoder().decode(unavailable("Busy", [["X-A", "1"]]));
 * assert.match(text, /^HTTP\/1\.1 503 Service Unavailable\r\n(.|\r\n)*Retry-After: 1\r\nX-A: 1\r\n/);
 * ```
 */
export function unavailable(message: string, addedFields: readonly [string, string][]): Uint8Array {
  return serializeErrorResponse(503, message, withAddedFields([["Retry-After", "1"]], addedFields));
}

/** Closes a connection that may be closed already. */
export function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Closed before: nothing to release.
  }
}
