/**
 * Rule: HPACK's Huffman code (RFC 7541 §5.2, Appendix B), both ways. The code
 * is canonical: a symbol's code follows from the code lengths alone (codes
 * given in order of length, then symbol), so only the 257 lengths are
 * written here and the codes are built from them. A string that ends in a
 * partial code longer than 7 bits, pads with anything but 1 bits, or holds
 * the EOS symbol is an error (§5.2): {@linkcode HuffmanError}.
 *
 * @module
 */

/** Code lengths in bits for the symbols 0–255 and EOS (256), from RFC 7541 Appendix B. */
// deno-fmt-ignore: 32 symbols a row
const LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
];
const EOS = 256;
const LONGEST = 30;

/** A Huffman-coded string that RFC 7541 §5.2 says to treat as a decoding error. */
export class HuffmanError extends Error {
  /** Creates the error with its reason. */
  constructor(message: string) {
    super(message);
    this.name = "HuffmanError";
  }
}

/** Symbols in code order; for each length, its first code and where its symbols start in that order. */
const ORDER = [...LENGTHS.keys()].sort((a, b) => LENGTHS[a] - LENGTHS[b] || a - b);
const FIRST_CODE = new Array<number>(LONGEST + 2).fill(0);
const FIRST_INDEX = new Array<number>(LONGEST + 2).fill(0);
const COUNT = new Array<number>(LONGEST + 2).fill(0);
/** Each symbol's code (at most 30 bits, so a number holds it). */
const CODES = new Array<number>(LENGTHS.length);

{
  for (const length of LENGTHS) COUNT[length]++;
  let code = 0;
  let index = 0;
  for (let length = 1; length <= LONGEST; length++) {
    FIRST_CODE[length] = code;
    FIRST_INDEX[length] = index;
    for (let i = 0; i < COUNT[length]; i++) CODES[ORDER[index + i]] = code + i;
    code = (code + COUNT[length]) * 2;
    index += COUNT[length];
  }
}

/**
 * How many bytes `bytes` takes Huffman-coded.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { huffmanLength } from "./huffman.ts";
 * assert.equal(huffmanLength(new TextEncoder().encode("www.example.com")), 12); // RFC 7541 C.4.1
 * ```
 */
export function huffmanLength(bytes: Uint8Array): number {
  let bits = 0;
  for (const byte of bytes) bits += LENGTHS[byte];
  return Math.ceil(bits / 8);
}

/**
 * Huffman-codes `bytes` into `out` at `at` (room for {@linkcode huffmanLength} bytes); returns the end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { huffmanEncode } from "./huffman.ts";
 * const out = new Uint8Array(12);
 * huffmanEncode(new TextEncoder().encode("www.example.com"), out, 0);
 * assert.equal(Array.from(out, (b) => b.toString(16).padStart(2, "0")).join(""), "f1e3c2e5f23a6ba0ab90f4ff");
 * ```
 */
export function huffmanEncode(bytes: Uint8Array, out: Uint8Array, at: number): number {
  let pending = 0; // bits not yet written, in the low `count` bits
  let count = 0;
  for (const byte of bytes) {
    const length = LENGTHS[byte];
    // At most 7 bits wait, and a code has at most 30: split so the sum stays in 32-bit-safe arithmetic.
    const code = CODES[byte];
    for (let left = length; left > 0;) {
      const take = Math.min(left, 8);
      left -= take;
      pending = (pending << take) | ((code >>> left) & ((1 << take) - 1));
      count += take;
      while (count >= 8) {
        count -= 8;
        out[at++] = (pending >>> count) & 0xff;
      }
      pending &= (1 << count) - 1;
    }
  }
  // The last byte is padded with the high bits of EOS: all ones.
  if (count > 0) out[at++] = ((pending << (8 - count)) | ((1 << (8 - count)) - 1)) & 0xff;
  return at;
}

/**
 * Decodes a Huffman-coded string; throws {@linkcode HuffmanError} where RFC 7541 §5.2 says it is invalid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { huffmanDecode } from "./huffman.ts";
 * const coded = Uint8Array.from([0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4, 0xff]);
 * assert.equal(new TextDecoder().decode(huffmanDecode(coded)), "www.example.com");
 * assert.throws(() => huffmanDecode(Uint8Array.from([0xff, 0xff, 0xff, 0xff])), /EOS/);
 * ```
 */
export function huffmanDecode(coded: Uint8Array): Uint8Array {
  // Every code is at least 5 bits: the output is at most 8/5 of the input.
  const out = new Uint8Array(Math.ceil(coded.length * 8 / 5));
  let written = 0;
  let code = 0;
  let length = 0;
  let allOnes = true;
  for (const byte of coded) {
    for (let bit = 7; bit >= 0; bit--) {
      const one = (byte >> bit) & 1;
      code = code * 2 + one;
      length++;
      allOnes &&= one === 1;
      const offset = code - FIRST_CODE[length];
      if (offset < 0 || offset >= COUNT[length]) {
        if (length === LONGEST) throw new HuffmanError("a code longer than any in the table");
        continue;
      }
      const symbol = ORDER[FIRST_INDEX[length] + offset];
      if (symbol === EOS) throw new HuffmanError("the EOS symbol inside a string");
      out[written++] = symbol;
      code = 0;
      length = 0;
      allOnes = true;
    }
  }
  if (length > 7) throw new HuffmanError("padding longer than 7 bits");
  if (!allOnes) throw new HuffmanError("padding that is not the high bits of EOS");
  return out.subarray(0, written);
}
