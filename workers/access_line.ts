/**
 * The access log line of one response, whoever sent it: an exchange, or the
 * connection refusing a request it could not read (a 400, 408, 414, 431 or
 * 503). Every response weft sends is logged, and counted, once.
 *
 * @module
 */

import { formatAccessLine } from "../lib/access_log.ts";
import type { WorkerInit } from "../lib/config/resolve.ts";
import { forwardedClient, trustedProxy } from "../lib/http/forwarded.ts";
import { fieldValue, type RequestHead } from "../lib/http/request_head.ts";

/** What one response was: to which request (`null` if its head was never read), with what status and body bytes. */
export interface Answered {
  head: RequestHead | null;
  status: number;
  bytes: number;
  /** When the request began (ms since the epoch). */
  startedAt: number;
  /** Where its time went (ms), with `--server-timing`. */
  timing?: Record<string, number> | null;
}

/**
 * The log line, or `null` when there is no access log.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveConfig } from "../lib/config/resolve.ts";
 * import { accessLine } from "./access_line.ts";
 * const init = { ...resolveConfig({ app: "file:///app.ts", log: "common" }).worker, secure: false };
 * const remote = { transport: "tcp" as const, hostname: "10.0.0.7", port: 1 };
 * const line = accessLine(init, remote, { head: null, status: 431, bytes: 60, startedAt: 0 });
 * assert.equal(line, '10.0.0.7 - - [01/Jan/1970:00:00:00 +0000] "-" 431 60');
 * ```
 */
export function accessLine(
  init: WorkerInit,
  remoteAddr: Deno.NetAddr | Deno.UnixAddr,
  answered: Answered,
): string | null {
  if (init.log === null) return null;
  const { head, status, bytes, startedAt } = answered;
  const headers = head?.headers ?? [];
  const peer = "hostname" in remoteAddr ? remoteAddr.hostname : "-";
  const trusted = init.trustProxy && trustedProxy(peer, init.trustedProxies);
  return formatAccessLine(init.log, {
    remote: (trusted ? forwardedClient(headers, init.proxyHeader) : null) ?? peer,
    method: head?.method,
    target: head?.target,
    version: head === null ? undefined : head.http2 ? "HTTP/2.0" : `HTTP/1.${head.minorVersion}`,
    status,
    bytes,
    referer: fieldValue(headers, "referer"),
    userAgent: fieldValue(headers, "user-agent"),
    start: startedAt,
    duration: Date.now() - startedAt,
    timing: answered.timing ?? undefined,
  });
}
