/**
 * Files kept in a worker's memory: those up to 1 MiB, and compressed copies
 * of compressible ones up to 1 MiB, within 32 MiB in all (oldest out first).
 * An entry belongs to one version of a file (its size and mtime): a changed
 * file gets a new entry on its next request.
 *
 * @module
 */

import { type Coding, compress } from "./compression.ts";

/** Files up to this size are read in one go and cached; larger ones stream from disk. */
export const SMALL_FILE = 1024 * 1024;
/** Compressible files up to this size are compressed once and the result cached. */
export const COMPRESS_CACHE_LIMIT = 1024 * 1024;
/** Bytes kept in memory per worker, originals and compressed copies together. */
const CACHE_BYTES = 32 * 1024 * 1024;

interface CacheEntry {
  mtime: number;
  size: number;
  bytes: Uint8Array | null;
  encoded: Map<Coding, Uint8Array>;
  cost: number;
}

/**
 * A worker's file cache.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FileCache } from "./file_cache.ts";
 * const path = Deno.makeTempFileSync();
 * Deno.writeTextFileSync(path, "hello");
 * const cache = new FileCache(Deno.readFileSync);
 * assert.equal(new TextDecoder().decode(cache.bytes(path, Deno.statSync(path))), "hello");
 * ```
 */
export class FileCache {
  readonly #entries = new Map<string, CacheEntry>();
  readonly #read: (path: string) => Uint8Array;
  readonly #dropped: (body: Uint8Array) => void;
  #size = 0;

  /**
   * Reads files with `read` (the file server's checks where a file lies, `FileLookup.read`); `dropped` is
   * told of every body it lets go of, stale or evicted, once it no longer hands it out.
   */
  constructor(read: (path: string) => Uint8Array, dropped: (body: Uint8Array) => void = () => {}) {
    this.#read = read;
    this.#dropped = dropped;
  }

  /** A small file's bytes. */
  bytes(path: string, info: Deno.FileInfo): Uint8Array {
    return this.#entry(path, info).bytes ??= this.#read(path);
  }

  /** A file's body compressed with `coding`, from the cache or made now. */
  encoded(path: string, info: Deno.FileInfo, coding: Coding): Uint8Array {
    const entry = this.#entry(path, info);
    let bytes = entry.encoded.get(coding);
    if (bytes === undefined) {
      bytes = compress(entry.bytes ?? this.#read(path), coding);
      entry.encoded.set(coding, bytes);
      this.#charge(entry, bytes.length);
    }
    return bytes;
  }

  /** The entry for a file's current version, replacing a stale one. */
  #entry(path: string, info: Deno.FileInfo): CacheEntry {
    const mtime = info.mtime?.getTime() ?? 0;
    let entry = this.#entries.get(path);
    if (entry !== undefined && entry.mtime === mtime && entry.size === info.size) return entry;
    if (entry !== undefined) this.#drop(path, entry);
    entry = { mtime, size: info.size, bytes: null, encoded: new Map(), cost: 0 };
    this.#entries.set(path, entry);
    if (info.size <= SMALL_FILE) {
      entry.bytes = this.#read(path);
      this.#charge(entry, entry.bytes.length);
    }
    return entry;
  }

  /** Counts `bytes` against `entry`, and drops the oldest entries past the budget. */
  #charge(entry: CacheEntry, bytes: number): void {
    entry.cost += bytes;
    this.#size += bytes;
    for (const [path, oldest] of this.#entries) {
      if (this.#size <= CACHE_BYTES || oldest === entry) break;
      this.#drop(path, oldest);
    }
  }

  #drop(path: string, entry: CacheEntry): void {
    this.#entries.delete(path);
    this.#size -= entry.cost;
    if (entry.bytes !== null) this.#dropped(entry.bytes);
    for (const bytes of entry.encoded.values()) this.#dropped(bytes);
  }
}
