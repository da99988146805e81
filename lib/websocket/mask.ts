/**
 * Masking (RFC 6455 §5.3): each payload byte XORed with the key's byte at
 * its position mod 4. Done four bytes at a time where the array is aligned,
 * since every byte a client sends passes through here.
 *
 * @module
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * XORs `bytes` in place with the four-byte `mask`, the first byte being at
 * `offset` in the payload. Returns the OR of the bytes it wrote, so a caller
 * can tell ASCII (below 0x80) without another pass.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { applyMask } from "./mask.ts";
 * const bytes = new TextEncoder().encode("hello");
 * const mask = new Uint8Array([0x80, 2, 3, 4]);
 * assert.equal(applyMask(bytes, mask, 0) & 0x80, 0x80);
 * assert.deepEqual([...bytes.subarray(0, 2)], [0x68 ^ 0x80, 0x65 ^ 2]);
 * // Masking twice gives the bytes back; all are ASCII.
 * assert.equal(applyMask(bytes, mask, 0) & 0x80, 0);
 * assert.equal(new TextDecoder().decode(bytes), "hello");
 * ```
 */
export function applyMask(bytes: Uint8Array, mask: Uint8Array, offset: number): number {
  let seen = 0;
  let i = 0;
  const head = Math.min(bytes.length, (4 - (bytes.byteOffset & 3)) & 3);
  for (; i < head; i++) seen |= bytes[i] ^= mask[(offset + i) & 3];
  const words = (bytes.length - i) >>> 2;
  if (words > 0) {
    // The key as it lines up with the first aligned byte, as a word in the platform's byte order.
    const m = (k: number) => mask[(offset + i + k) & 3];
    const keyWord = LITTLE_ENDIAN
      ? (m(0) | m(1) << 8 | m(2) << 16 | m(3) << 24) >>> 0
      : (m(0) << 24 | m(1) << 16 | m(2) << 8 | m(3)) >>> 0;
    const view = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
    let seenWords = 0;
    for (let w = 0; w < words; w++) seenWords |= view[w] ^= keyWord;
    seen |= seenWords | seenWords >>> 8 | seenWords >>> 16 | seenWords >>> 24;
    i += words * 4;
  }
  for (; i < bytes.length; i++) seen |= bytes[i] ^= mask[(offset + i) & 3];
  return seen & 0xff;
}
