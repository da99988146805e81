/**
 * What the small frames carry, encoded: a byte count (`Written`, `End`), the
 * client's address (`Open`) and a file region (`WriteFile`). Like the frame
 * format, this module imports nothing of weft's.
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
 * Bytes `start` to `end` (exclusive) of the file at `path` as it was when the
 * worker looked (its `size` and `mtime` in ms): the main thread reads and
 * writes them (flow rule 10), and cuts the response off if the file is no
 * longer that version.
 */
export interface FileRegion {
  path: string;
  start: number;
  end: number;
  size: number;
  mtime: number;
}

/**
 * A file region as `WriteFile` carries it: four f64s, then the path as UTF-8.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeRegion, encodeRegion } from "./frame_payloads.ts";
 * const region = { path: "/srv/ü.bin", start: 5, end: 3e9, size: 4e9, mtime: 1_700_000_000_123 };
 * assert.deepEqual(decodeRegion(encodeRegion(region)), region);
 * ```
 */
export function encodeRegion(region: FileRegion): Uint8Array {
  const path = encoder.encode(region.path);
  const bytes = new Uint8Array(32 + path.length);
  new Float64Array(bytes.buffer, 0, 4).set([region.start, region.end, region.size, region.mtime]);
  bytes.set(path, 32);
  return bytes;
}

/** Reads what {@linkcode encodeRegion} wrote (from any offset: the numbers are copied out first). */
export function decodeRegion(payload: Uint8Array): FileRegion {
  const [start, end, size, mtime] = new Float64Array(payload.slice(0, 32).buffer);
  return { path: decoder.decode(payload.subarray(32)), start, end, size, mtime };
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
