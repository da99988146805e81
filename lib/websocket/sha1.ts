/**
 * SHA-1 (FIPS 180-4 §6.1), here only because the opening handshake's
 * `Sec-WebSocket-Accept` is defined with it (RFC 6455 §4.2.2) and the
 * protocol core computes nothing asynchronously. Not for security: RFC 6455
 * uses it as a checksum that the server understood the handshake.
 *
 * @module
 */

/**
 * The SHA-1 digest of `data`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha1 } from "./sha1.ts";
 * const hex = [...sha1(new TextEncoder().encode("abc"))].map((b) => b.toString(16).padStart(2, "0")).join("");
 * assert.equal(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
 * ```
 */
export function sha1(data: Uint8Array): Uint8Array {
  // Padding (§5.1.1): a 1 bit, zeros, then the length in bits as 64 bits, to a multiple of 64 bytes.
  const padded = new Uint8Array(((data.length + 8) >> 6) + 1 << 6);
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(data.length / 0x20000000), false);
  view.setUint32(padded.length - 4, (data.length << 3) >>> 0, false);

  const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
  const w = new Uint32Array(80);
  for (let block = 0; block < padded.length; block += 64) {
    for (let t = 0; t < 16; t++) w[t] = view.getUint32(block + t * 4, false);
    for (let t = 16; t < 80; t++) w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    let [a, b, c, d, e] = h;
    for (let t = 0; t < 80; t++) {
      const f = t < 20 ? (b & c) | (~b & d) : t < 40 || t >= 60 ? b ^ c ^ d : (b & c) | (b & d) | (c & d);
      const k = t < 20 ? 0x5a827999 : t < 40 ? 0x6ed9eba1 : t < 60 ? 0x8f1bbcdc : 0xca62c1d6;
      const next = (rotl(a, 5) + f + e + k + w[t]) >>> 0;
      e = d;
      d = c;
      c = rotl(b, 30);
      b = a;
      a = next;
    }
    h[0] = (h[0] + a) >>> 0;
    h[1] = (h[1] + b) >>> 0;
    h[2] = (h[2] + c) >>> 0;
    h[3] = (h[3] + d) >>> 0;
    h[4] = (h[4] + e) >>> 0;
  }
  const digest = new Uint8Array(20);
  const out = new DataView(digest.buffer);
  h.forEach((word, i) => out.setUint32(i * 4, word, false));
  return digest;
}

function rotl(x: number, n: number): number {
  return (x << n | x >>> (32 - n)) >>> 0;
}
