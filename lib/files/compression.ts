/**
 * Content codings: which one a client accepts (RFC 9110 §12.5.3), which
 * types are worth compressing, and the compressors.
 *
 * @module
 */

import { brotliCompressSync, constants, deflateSync, gzipSync } from "node:zlib";

/** The codings weft produces, best first. */
export type Coding = "br" | "gzip" | "deflate";

/** Smaller bodies are sent as they are: the coding's overhead eats the gain. */
export const COMPRESS_MIN_SIZE = 1024;

/**
 * Picks the coding to send from `offered` (in the server's order of
 * preference) given an `Accept-Encoding` value; `null` means identity.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { negotiateCoding } from "./compression.ts";
 * assert.equal(negotiateCoding("gzip, deflate, br", ["br", "gzip"]), "br");
 * assert.equal(negotiateCoding("gzip;q=0, *;q=0.5", ["gzip", "deflate"]), "deflate");
 * assert.equal(negotiateCoding(undefined, ["gzip"]), null);
 * ```
 */
export function negotiateCoding(
  acceptEncoding: string | undefined,
  offered: readonly Coding[],
): Coding | null {
  if (acceptEncoding === undefined || acceptEncoding.trim() === "") return null;
  const weights = new Map<string, number>();
  for (const item of acceptEncoding.split(",")) {
    const [name, ...params] = item.split(";").map((s) => s.trim().toLowerCase());
    if (name === "") continue;
    let q = 1;
    for (const p of params) {
      const m = /^q=([01](?:\.\d{0,3})?)$/.exec(p);
      if (m) q = Number(m[1]);
    }
    weights.set(name === "x-gzip" ? "gzip" : name, q);
  }
  let best: Coding | null = null;
  let bestQ = 0;
  for (const coding of offered) {
    const q = weights.get(coding) ?? weights.get("*") ?? 0;
    if (q > bestQ) {
      best = coding;
      bestQ = q;
    }
  }
  return best;
}

/**
 * Whether a media type compresses well: text, JSON, JavaScript, XML, SVG,
 * WebAssembly and uncompressed fonts. Images, video, audio and archives are
 * compressed already.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isCompressible } from "./compression.ts";
 * assert.deepEqual([isCompressible("text/html; charset=utf-8"), isCompressible("image/png")], [true, false]);
 * ```
 */
export function isCompressible(contentType: string): boolean {
  const type = contentType.split(";")[0];
  return type.startsWith("text/") || type.endsWith("+json") || type.endsWith("+xml") ||
    COMPRESSIBLE.has(type);
}

const COMPRESSIBLE = new Set([
  "application/json",
  "application/javascript",
  "application/xml",
  "application/wasm",
  "application/x-ndjson",
  "image/svg+xml",
  "image/x-icon",
  "image/bmp",
  "font/ttf",
  "font/otf",
]);

/**
 * Compresses `bytes` in one go. Levels are chosen for serving on the fly:
 * gzip 6 and brotli quality 5 give most of the size for a fraction of the
 * time of their maximums.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compress } from "./compression.ts";
 * const packed = compress(new TextEncoder().encode("a".repeat(10000)), "gzip");
 * assert.equal(packed.length < 100, true);
 * ```
 */
export function compress(bytes: Uint8Array, coding: Coding): Uint8Array {
  switch (coding) {
    case "br":
      return brotliCompressSync(bytes, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: 5,
          [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
        },
      });
    case "gzip":
      return gzipSync(bytes, { level: 6 });
    case "deflate":
      return deflateSync(bytes, { level: 6 });
  }
}
