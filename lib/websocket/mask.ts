/**
 * Masking (RFC 6455 §5.3): each payload byte XORed with the key's byte at
 * its position mod 4. Done four bytes at a time where the array is aligned,
 * since every byte a client sends passes through here.
 *
 * @module
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * XORs `bytes` in place with the masking key (its four bytes as one
 * big-endian number, see {@linkcode maskKey}), the first byte being at
 * `offset` in the payload. Returns the OR of the bytes it wrote, so a caller
 * can tell ASCII (below 0x80) without another pass.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { applyMask, maskKey } from "./mask.ts";
 * const bytes = new TextEncoder().encode("hello");
 * const mask = maskKey(new Uint8Array([0x80, 2, 3, 4]), 0);
 * assert.equal(applyMask(bytes, mask, 0) & 0x80, 0x80);
 * assert.deepEqual([...bytes.subarray(0, 2)], [0x68 ^ 0x80, 0x65 ^ 2]);
 * // Masking twice gives the bytes back; all are ASCII.
 * assert.equal(applyMask(bytes, mask, 0) & 0x80, 0);
 * assert.equal(new TextDecoder().decode(bytes), "hello");
 * ```
 */
export function applyMask(bytes: Uint8Array, key: number, offset: number): number {
  let seen = 0;
  let i = 0;
  // The key's byte for payload position p (big-endian: position 0 is the top byte).
  const keyByte = (p: number) => (key >>> (24 - ((p & 3) << 3))) & 0xff;
  const head = Math.min(bytes.length, (4 - (bytes.byteOffset & 3)) & 3);
  for (; i < head; i++) seen |= bytes[i] ^= keyByte(offset + i);
  const words = (bytes.length - i) >>> 2;
  if (words > 0) {
    // The key as it lines up with the first aligned byte, as a word in the platform's byte order.
    const m = (k: number) => keyByte(offset + i + k);
    const keyWord = LITTLE_ENDIAN
      ? (m(0) | m(1) << 8 | m(2) << 16 | m(3) << 24) >>> 0
      : (m(0) << 24 | m(1) << 16 | m(2) << 8 | m(3)) >>> 0;
    const view = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
    let seenWords = 0;
    for (let w = 0; w < words; w++) seenWords |= view[w] ^= keyWord;
    seen |= seenWords | seenWords >>> 8 | seenWords >>> 16 | seenWords >>> 24;
    i += words * 4;
  }
  for (; i < bytes.length; i++) seen |= bytes[i] ^= keyByte(offset + i);
  return seen & 0xff;
}

/**
 * The masking key at `bytes[at, at + 4)` as one number, so reading a
 * frame's header allocates no array for it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { maskKey } from "./mask.ts";
 * assert.equal(maskKey(new Uint8Array([9, 1, 2, 3, 4]), 1), 0x01020304);
 * ```
 */
export function maskKey(bytes: Uint8Array, at: number): number {
  return (bytes[at] << 24 | bytes[at + 1] << 16 | bytes[at + 2] << 8 | bytes[at + 3]) >>> 0;
}
