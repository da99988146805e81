/**
 * What the small frames carry, encoded: a byte count (`Written`, `End`) and
 * the client's address (`Open`). Like the frame format, this module imports
 * nothing of weft's.
 *
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const count = new Uint8Array(4);

/**
 * A byte count as `Written` and `End` carry it (u32, little-endian). The
 * array is reused by the next call: push it at once (pushing copies it), as
 * one is made per response.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeCount, encodeCount } from "./frame_payloads.ts";
 * assert.equal(decodeCount(encodeCount(70_000)), 70_000);
 * ```
 */
export function encodeCount(n: number): Uint8Array {
  count[0] = n;
  count[1] = n >>> 8;
  count[2] = n >>> 16;
  count[3] = n >>> 24;
  return count;
}

/** Reads what {@linkcode encodeCount} wrote. */
export function decodeCount(payload: Uint8Array): number {
  return (payload[0] | payload[1] << 8 | payload[2] << 16 | payload[3] << 24) >>> 0;
}

/**
 * The client's address as an `Open` frame carries it: `host:port` as UTF-8, or
 * `unix:path` for a unix socket.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeRemoteAddr, encodeRemoteAddr } from "./frame_payloads.ts";
 * const addr = { transport: "tcp" as const, hostname: "::1", port: 5000 };
 * assert.deepEqual(decodeRemoteAddr(encodeRemoteAddr(addr)), addr);
 * ```
 */
export function encodeRemoteAddr(addr: Deno.Addr): Uint8Array {
  const text = addr.transport === "tcp" || addr.transport === "udp"
    ? `${addr.hostname}:${addr.port}`
    : `unix:${"path" in addr ? addr.path : ""}`;
  return encoder.encode(text);
}

/** Reads what {@linkcode encodeRemoteAddr} wrote. */
export function decodeRemoteAddr(bytes: Uint8Array): Deno.NetAddr | Deno.UnixAddr {
  const text = decoder.decode(bytes);
  if (text.startsWith("unix:")) return { transport: "unix", path: text.slice(5) };
  const colon = text.lastIndexOf(":");
  return { transport: "tcp", hostname: text.slice(0, colon), port: Number(text.slice(colon + 1)) };
}
