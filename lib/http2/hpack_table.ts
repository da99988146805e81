/**
 * Rule: HPACK's index space (RFC 7541 §2.3): the static table (Appendix A)
 * at 1–61, then the dynamic table, newest first, whose size is the sum of
 * its entries' name and value lengths plus 32 each (§4.1) and never exceeds
 * its maximum: adding evicts the oldest entries (§4.4), and an entry larger
 * than the maximum empties the table.
 *
 * @module
 */

/** The static table (RFC 7541 Appendix A); index 1 is the first entry. */
export const STATIC_TABLE: readonly (readonly [string, string])[] = [
  [":authority", ""],
  [":method", "GET"],
  [":method", "POST"],
  [":path", "/"],
  [":path", "/index.html"],
  [":scheme", "http"],
  [":scheme", "https"],
  [":status", "200"],
  [":status", "204"],
  [":status", "206"],
  [":status", "304"],
  [":status", "400"],
  [":status", "404"],
  [":status", "500"],
  ...[
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "accept-ranges",
    "accept",
    "access-control-allow-origin",
    "age",
    "allow",
    "authorization",
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-language",
    "content-length",
    "content-location",
    "content-range",
    "content-type",
    "cookie",
    "date",
    "etag",
    "expect",
    "expires",
    "from",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "last-modified",
    "link",
    "location",
    "max-forwards",
    "proxy-authenticate",
    "proxy-authorization",
    "range",
    "referer",
    "refresh",
    "retry-after",
    "server",
    "set-cookie",
    "strict-transport-security",
    "transfer-encoding",
    "user-agent",
    "vary",
    "via",
    "www-authenticate",
  ].map((name): [string, string] => [name, name === "accept-encoding" ? "gzip, deflate" : ""]),
];

/** Each static name's first index, and the index of each of its values. */
const STATIC_INDEX = new Map<string, { first: number; values: Map<string, number> }>();
STATIC_TABLE.forEach(([name, value], i) => {
  const known = STATIC_INDEX.get(name);
  if (known === undefined) STATIC_INDEX.set(name, { first: i + 1, values: new Map([[value, i + 1]]) });
  else if (!known.values.has(value)) known.values.set(value, i + 1);
});

/** The per-entry overhead of RFC 7541 §4.1. */
const ENTRY_OVERHEAD = 32;

/** A field's size in a dynamic table (RFC 7541 §4.1; names and values are one byte per code unit here). */
export function entrySize(name: string, value: string): number {
  return name.length + value.length + ENTRY_OVERHEAD;
}

/**
 * One direction's dynamic table, with the static table before it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HpackTable } from "./hpack_table.ts";
 * const table = new HpackTable(4096);
 * table.add("custom-key", "custom-header"); // RFC 7541 C.2.1: 55 bytes
 * assert.deepEqual([table.get(62), table.size], [["custom-key", "custom-header"], 55]);
 * assert.deepEqual(table.get(2), [":method", "GET"]);
 * table.resize(0);
 * assert.equal(table.get(62), undefined);
 * ```
 */
export class HpackTable {
  /** Oldest first, so adding is a push; index 62 is the last. */
  readonly #entries: [string, string][] = [];
  /** Entries evicted so far: the entry at position `i` was the `#dropped + i`th added (its sequence number). */
  #dropped = 0;
  /** For the encoder's lookups: each name's newest entry, and each name and value's. */
  readonly #byName = new Map<string, number>();
  readonly #byField = new Map<string, Map<string, number>>();
  #size = 0;
  #max: number;

  /** A table that holds at most `max` bytes (RFC 7541 §4.2). */
  constructor(max: number) {
    this.#max = max;
  }

  /** The table's size now (RFC 7541 §4.1). */
  get size(): number {
    return this.#size;
  }

  /** Its maximum size. */
  get max(): number {
    return this.#max;
  }

  /** The entry at `index` in the whole index space (static, then dynamic), or undefined. */
  get(index: number): readonly [string, string] | undefined {
    if (index >= 1 && index <= STATIC_TABLE.length) return STATIC_TABLE[index - 1];
    return this.#entries[this.#entries.length - 1 - (index - STATIC_TABLE.length - 1)];
  }

  /** The index of an entry with this name and value (0: none), and of one with this name (0: none). */
  find(name: string, value: string): { both: number; name: number } {
    const known = STATIC_INDEX.get(name);
    const exact = known?.values.get(value);
    if (exact !== undefined) return { both: exact, name: exact };
    const seq = this.#byField.get(name)?.get(value);
    const named = this.#byName.get(name);
    return {
      both: seq === undefined ? 0 : this.#indexOf(seq),
      name: known?.first ?? (named === undefined ? 0 : this.#indexOf(named)),
    };
  }

  /** The index of the entry added as the `seq`th: the newest is 62. */
  #indexOf(seq: number): number {
    return STATIC_TABLE.length + this.#dropped + this.#entries.length - seq;
  }

  /** Adds an entry, evicting the oldest to make room (RFC 7541 §4.4). */
  add(name: string, value: string): void {
    const size = entrySize(name, value);
    this.#evictTo(this.#max - size);
    if (size > this.#max) return; // §4.4: larger than the table: it is left empty
    const seq = this.#dropped + this.#entries.length;
    this.#entries.push([name, value]);
    this.#size += size;
    this.#byName.set(name, seq);
    const values = this.#byField.get(name);
    if (values === undefined) this.#byField.set(name, new Map([[value, seq]]));
    else values.set(value, seq);
  }

  /** Sets a new maximum size, evicting what no longer fits (RFC 7541 §4.3). */
  resize(max: number): void {
    this.#max = max;
    this.#evictTo(max);
  }

  #evictTo(room: number): void {
    let drop = 0;
    while (this.#size > Math.max(room, 0) && drop < this.#entries.length) {
      const [name, value] = this.#entries[drop];
      this.#size -= entrySize(name, value);
      // Oldest first: an entry that is its name's newest is its name's last.
      const seq = this.#dropped + drop;
      if (this.#byName.get(name) === seq) this.#byName.delete(name);
      const values = this.#byField.get(name);
      if (values?.get(value) === seq) values.delete(value);
      if (values?.size === 0) this.#byField.delete(name);
      drop++;
    }
    this.#entries.splice(0, drop);
    this.#dropped += drop;
  }
}
