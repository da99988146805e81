/**
 * Rule: HPACK field blocks (RFC 7541) both ways. The decoder reads the
 * representations of §6 into fields, keeping its dynamic table in step with
 * the peer's encoder even for a block too large to keep (the table must
 * follow every block, §2.2); any fault is a COMPRESSION_ERROR for the whole
 * connection (RFC 9113 §4.3). The encoder indexes what repeats and never
 * indexes what should not sit in a table (RFC 7541 §7.1.3).
 *
 * @module
 */

import { latin1, writeLatin1 } from "../http/bytes.ts";
import { ErrorCode, Http2Error } from "./frame.ts";
import { entrySize, HpackTable } from "./hpack_table.ts";
import { huffmanDecode, huffmanEncode, HuffmanError, huffmanLength } from "./huffman.ts";

/** Integers above this are refused: no length, index or table size here needs more (RFC 7541 §5.1 allows a limit). */
const LARGEST_INTEGER = 2 ** 32 - 1;

function compressionError(reason: string): Http2Error {
  return new Http2Error(ErrorCode.COMPRESSION_ERROR, 0, `RFC 7541: ${reason}`);
}

/** Reads bytes of one block; every read past its end is a COMPRESSION_ERROR. */
class BlockReader {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.at >= this.bytes.length;
  }

  /** An integer with an N-bit prefix (RFC 7541 §5.1), the prefix in the current byte. */
  integer(prefixBits: number): number {
    const max = (1 << prefixBits) - 1;
    let value = this.byte() & max;
    if (value < max) return value;
    for (let shift = 0;; shift += 7) {
      const byte = this.byte();
      value += (byte & 0x7f) * 2 ** shift;
      if (value > LARGEST_INTEGER) throw compressionError("an integer larger than 2^32 - 1");
      if ((byte & 0x80) === 0) return value;
    }
  }

  /** A string literal (RFC 7541 §5.2), raw or Huffman-coded, as one code unit per byte. */
  string(): string {
    const huffman = (this.bytes[this.at] & 0x80) !== 0;
    const length = this.integer(7);
    if (this.at + length > this.bytes.length) throw compressionError("a string longer than the block");
    const raw = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    if (!huffman) return latin1(raw, 0, raw.length);
    try {
      const decoded = huffmanDecode(raw);
      return latin1(decoded, 0, decoded.length);
    } catch (e) {
      if (e instanceof HuffmanError) throw compressionError(e.message);
      throw e;
    }
  }

  byte(): number {
    if (this.at >= this.bytes.length) throw compressionError("a block that ends inside a representation");
    return this.bytes[this.at++];
  }
}

/** A decoded block: its fields, unless they came to more than the list limit. */
export interface DecodedBlock {
  fields: [string, string][];
  /** The fields' size (RFC 9113 §6.5.2: name + value + 32 each) went over the limit; `fields` is then empty. */
  tooLarge: boolean;
}

/**
 * The decoding side of one connection.
 *
 * @example RFC 7541 C.3.1: a request without Huffman coding
 * ```ts
 * import assert from "node:assert/strict";
 * import { HpackDecoder } from "./hpack.ts";
 * const hex = "828684410f7777772e6578616d706c652e636f6d";
 * const block = Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16));
 * const decoder = new HpackDecoder(4096);
 * assert.deepEqual(decoder.decode(block, 16384).fields, [
 *   [":method", "GET"], [":scheme", "http"], [":path", "/"], [":authority", "www.example.com"],
 * ]);
 * assert.equal(decoder.tableSize, 57);
 * ```
 */
export class HpackDecoder {
  readonly #table: HpackTable;
  /** The largest table the peer may ask for: our SETTINGS_HEADER_TABLE_SIZE. */
  readonly #limit: number;

  /** A decoder whose table may grow to `limit` bytes (the SETTINGS_HEADER_TABLE_SIZE we sent). */
  constructor(limit: number) {
    this.#table = new HpackTable(limit);
    this.#limit = limit;
  }

  /** The dynamic table's size now. */
  get tableSize(): number {
    return this.#table.size;
  }

  /** Decodes one whole block (HEADERS plus CONTINUATIONs); fields over `maxListSize` bytes are dropped. */
  decode(block: Uint8Array, maxListSize: number): DecodedBlock {
    const reader = new BlockReader(block);
    const fields: [string, string][] = [];
    let listSize = 0;
    let fieldSeen = false;
    while (!reader.done) {
      const first = block[reader.at];
      if ((first & 0xe0) === 0x20) {
        // §6.3: a table size update, only at the start of a block (§4.2), within our limit.
        if (fieldSeen) throw compressionError("a table size update after a field (§4.2)");
        const size = reader.integer(5);
        if (size > this.#limit) {
          throw compressionError(`a table size of ${size}, above the ${this.#limit} allowed`);
        }
        this.#table.resize(size);
        continue;
      }
      fieldSeen = true;
      const [name, value] = this.#field(reader, first);
      listSize += entrySize(name, value);
      if (listSize <= maxListSize) fields.push([name, value]);
    }
    return listSize > maxListSize ? { fields: [], tooLarge: true } : { fields, tooLarge: false };
  }

  /** One field representation (§6.1, §6.2). */
  #field(reader: BlockReader, first: number): [string, string] {
    if (first & 0x80) return [...this.#indexed(reader.integer(7))]; // §6.1
    const indexing = (first & 0x40) !== 0; // §6.2.1; else §6.2.2 (0000) or §6.2.3 (0001): not added
    const nameIndex = reader.integer(indexing ? 6 : 4);
    const name = nameIndex === 0 ? reader.string() : this.#indexed(nameIndex)[0];
    const value = reader.string();
    if (indexing) this.#table.add(name, value);
    return [name, value];
  }

  #indexed(index: number): readonly [string, string] {
    const entry = index === 0 ? undefined : this.#table.get(index);
    if (entry === undefined) throw compressionError(`index ${index} is in neither table (§2.3.3)`);
    return entry;
  }
}

/** Fields never put in a table, so their values cannot be probed through compression (RFC 7541 §7.1.3). */
const NEVER_INDEXED = new Set(["authorization", "proxy-authorization", "set-cookie", "cookie"]);
/** Fields whose values rarely repeat: sent literally, so they do not push useful entries out. */
const NOT_INDEXED = new Set(["content-length", "date", "etag", "last-modified", "content-range", ":path"]);
/** Values longer than this are not indexed: one would crowd a 4 KiB table. */
const LONGEST_INDEXED = 512;

/**
 * The encoding side of one connection.
 *
 * @example A field block, and the same fields again: the second time each is one byte
 * ```ts
 * import assert from "node:assert/strict";
 * import { HpackDecoder, HpackEncoder } from "./hpack.ts";
 * const encoder = new HpackEncoder(4096);
 * const decoder = new HpackDecoder(4096);
 * const fields: [string, string][] = [[":status", "200"], ["content-type", "text/html"], ["server", "weft"]];
 * const first = encoder.encode(fields);
 * assert.deepEqual(decoder.decode(first, 16384).fields, fields);
 * const again = encoder.encode(fields);
 * assert.equal(again.length, 3);
 * assert.deepEqual(decoder.decode(again, 16384).fields, fields);
 * ```
 */
export class HpackEncoder {
  readonly #table: HpackTable;
  /** A size the peer's SETTINGS asked for, to announce at the start of the next block (§4.2). */
  #pendingResize: number | null = null;
  #out = new Uint8Array(256);

  /** An encoder whose table holds at most `max` bytes (the peer's SETTINGS_HEADER_TABLE_SIZE). */
  constructor(max: number) {
    this.#table = new HpackTable(max);
  }

  /** The peer changed SETTINGS_HEADER_TABLE_SIZE: the table follows, and the next block says so. */
  resize(max: number): void {
    this.#table.resize(max);
    this.#pendingResize = max;
  }

  /**
   * Encodes `fields` (lower-case names, latin1 values) as one block: a view of the encoder's own buffer, which
   * the next block writes over (a typed array costs far more to make than to fill).
   */
  encode(fields: readonly (readonly [string, string])[]): Uint8Array {
    let out = this.#out;
    let at = 0;
    const room = (more: number) => {
      if (at + more <= out.length) return;
      const bigger = new Uint8Array(Math.max(out.length * 2, at + more));
      bigger.set(out.subarray(0, at));
      out = this.#out = bigger;
    };
    if (this.#pendingResize !== null) {
      room(6);
      at = writeInteger(out, at, 0x20, 5, this.#pendingResize);
      this.#pendingResize = null;
    }
    for (const [name, value] of fields) {
      room(12 + 2 * (name.length + value.length));
      at = this.#field(out, at, name, value);
    }
    return out.subarray(0, at);
  }

  #field(out: Uint8Array, at: number, name: string, value: string): number {
    const found = this.#table.find(name, value);
    if (found.both !== 0) return writeInteger(out, at, 0x80, 7, found.both); // §6.1
    const never = NEVER_INDEXED.has(name);
    const index = !never && !NOT_INDEXED.has(name) && value.length <= LONGEST_INDEXED;
    // §6.2.1 with indexing (01), §6.2.3 never indexed (0001), else §6.2.2 without (0000).
    const [pattern, prefix] = index ? [0x40, 6] : never ? [0x10, 4] : [0x00, 4];
    at = writeInteger(out, at, pattern, prefix, found.name);
    if (found.name === 0) at = writeString(out, at, name);
    at = writeString(out, at, value);
    if (index) this.#table.add(name, value);
    return at;
  }
}

/** Writes an integer with an N-bit prefix after the `pattern` bits (RFC 7541 §5.1). */
function writeInteger(
  out: Uint8Array,
  at: number,
  pattern: number,
  prefixBits: number,
  value: number,
): number {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out[at++] = pattern | value;
    return at;
  }
  out[at++] = pattern | max;
  for (value -= max; value >= 0x80; value = Math.floor(value / 128)) out[at++] = (value % 128) | 0x80;
  out[at++] = value;
  return at;
}

/** The bytes of the string being written, before Huffman coding (kept: a typed array is dear to make). */
let stringBytes = new Uint8Array(256);

/** Writes a string literal, Huffman-coded where that is shorter (RFC 7541 §5.2). */
function writeString(out: Uint8Array, at: number, text: string): number {
  if (text.length > stringBytes.length) stringBytes = new Uint8Array(text.length * 2);
  const raw = stringBytes.subarray(0, text.length);
  writeLatin1(raw, 0, text);
  const coded = huffmanLength(raw);
  if (coded < raw.length) {
    at = writeInteger(out, at, 0x80, 7, coded);
    return huffmanEncode(raw, out, at);
  }
  at = writeInteger(out, at, 0x00, 7, raw.length);
  out.set(raw, at);
  return at + raw.length;
}
