/**
 * A socket's unwritten response bytes, on the main thread: written in order,
 * one `write` at a time, queued pieces merged up to 64 KiB per write (flow
 * rule 6), and file regions read and written a chunk at a time (rule 10). A
 * write counts as progress once it has moved 16 KiB (or finished), so a
 * client that reads a trickle (slow read) still meets the send timeout: the
 * floor is 16 KiB per send timeout, about 550 B/s at the default.
 *
 * @module
 */

import { MERGE_LIMIT, REGION_BUFFERS_MOST, REGION_CHUNK_FIRST, REGION_CHUNK_MOST } from "./pool/flow.ts";
import type { FileRegion } from "./pool/frame_payloads.ts";
import { isOnlyFrame } from "./pool/frames.ts";
import type { Opened } from "./open_inside.ts";

/**
 * Who queued bytes: the worker (`write`, or `ack` to hear of it at once, or
 * `kept`, a body kept here for it, also heard of at once), or the main thread itself.
 */
export type Origin = "write" | "ack" | "kept" | "own";

/** What one merged write carried. */
export interface WriteDone {
  /** Bytes that came from the worker. */
  fromWorker: number;
  /** Some of them asked to be reported at once (`WriteAck`). */
  acked: boolean;
  /** The worker's buffers that held only what was written, free now to go back (flow rule 8). */
  freed: ArrayBuffer[];
  /** It was a file region, written in full (flow rule 10): the worker is waiting to hear so. */
  fileWritten: boolean;
}

/** What is queued: bytes, or a file region to read as it is written. */
type Item = { bytes: Uint8Array; from: Origin } | { region: FileRegion };

const PROGRESS_BYTES = 16 * 1024;
/** The region buffers of every socket's queue together, against `REGION_BUFFERS_MOST` (flow rule 10). */
let regionBuffers = 0;

/**
 * The write side of one socket.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WriteQueue } from "./write_queue.ts";
 * const written: number[] = [];
 * const socket = { write: (p: Uint8Array) => Promise.resolve(written.push(p.length) && p.length) };
 * const queue = new WriteQueue(socket, null);
 * queue.push(new Uint8Array(3), "write");
 * queue.push(new Uint8Array(4), "ack");
 * const done = await queue.writeNext();
 * assert.deepEqual([written, done], [[7], { fromWorker: 7, acked: true, freed: [], fileWritten: false }]);
 * ```
 */
export class WriteQueue {
  readonly #socket: { write(p: Uint8Array): Promise<number> };
  readonly #regionsWithin: string | null;
  #items: Item[] = [];
  /** Bytes held in memory, queued and not yet written. */
  bytes = 0;
  /** Bytes of file regions not yet written: on disk, not in memory (a chunk at a time is). */
  fileBytes = 0;
  /** When the write under way last made progress, and the bytes it moved since. */
  #lastProgress = 0;
  #movedSinceProgress = 0;

  /** Writes to `socket`; file regions must lie under `regionsWithin` once opened (null: anywhere). */
  constructor(socket: { write(p: Uint8Array): Promise<number> }, regionsWithin: string | null) {
    this.#socket = socket;
    this.#regionsWithin = regionsWithin;
  }

  /** Whether nothing is queued. */
  get isEmpty(): boolean {
    return this.#items.length === 0;
  }

  /** When the write under way last made progress (ms since the epoch). */
  get lastProgress(): number {
    return this.#lastProgress;
  }

  /** Queues bytes. */
  push(bytes: Uint8Array, from: Origin): void {
    this.#items.push({ bytes, from });
    this.bytes += bytes.length;
  }

  /** Queues a file region, to be read as it is written. */
  pushRegion(region: FileRegion): void {
    this.#items.push({ region });
    this.fileBytes += region.end - region.start;
  }

  /** Counts what is queued as the main thread's own: its worker has been replaced, and never counted it. */
  disown(): void {
    for (const item of this.#items) if ("from" in item) item.from = "own";
  }

  /** Drops everything queued (the socket is closing). */
  clear(): void {
    this.#items.length = 0;
  }

  /** Writes the next pieces, merged, or the next file region, in full; throws if the socket or the file fails. */
  async writeNext(): Promise<WriteDone> {
    const first = this.#items[0];
    if ("region" in first) {
      this.#items.shift();
      await this.#writeRegion(first.region);
      return { fromWorker: 0, acked: false, freed: [], fileWritten: true };
    }
    let taken = 1;
    let size = first.bytes.length;
    for (let next = this.#items[1]; next !== undefined && "bytes" in next; next = this.#items[++taken]) {
      if (size + next.bytes.length > MERGE_LIMIT) break;
      size += next.bytes.length;
    }
    const items = this.#items.splice(0, taken) as { bytes: Uint8Array; from: Origin }[];
    const done: WriteDone = { fromWorker: 0, acked: false, freed: [], fileWritten: false };
    for (const item of items) {
      if (item.from !== "own") done.fromWorker += item.bytes.length;
      if (item.from === "ack" || item.from === "kept") done.acked = true;
    }
    let bytes = items[0].bytes;
    if (taken > 1) {
      bytes = new Uint8Array(size);
      for (let i = 0, at = 0; i < taken; at += items[i++].bytes.length) bytes.set(items[i].bytes, at);
    }
    await this.#writeAll(bytes);
    this.bytes -= bytes.length;
    for (const item of items) {
      if ((item.from === "write" || item.from === "ack") && isOnlyFrame(item.bytes)) {
        done.freed.push(item.bytes.buffer as ArrayBuffer);
      }
    }
    return done;
  }

  /**
   * Reads a file region through one buffer and writes it. The worker's head
   * promised that version's bytes: a file that changed, shrank, or now leads
   * out of the root (`open_inside.ts`) cannot complete the response, and the
   * socket is lost.
   */
  async #writeRegion({ path, start, end, size, mtime }: FileRegion): Promise<void> {
    const file = await openRegionFile(path, this.#regionsWithin);
    let buffer = new Uint8Array(Math.min(REGION_CHUNK_FIRST, end - start));
    regionBuffers += buffer.length;
    try {
      const version = file.version();
      if (version.size !== size || version.mtime !== mtime) throw new Error(`${path} changed`);
      for (let at = start; at < end;) {
        const n = await file.readAt(buffer.subarray(0, Math.min(buffer.length, end - at)), at);
        if (n === 0) throw new Error(`${path} shrank`);
        const writes = await this.#writeAll(buffer.subarray(0, n));
        this.fileBytes -= n;
        at += n;
        // The socket took the chunk in one write: it keeps up, so read more at a time, within the budget.
        const grown = Math.min(buffer.length * 2, REGION_CHUNK_MOST, end - at);
        if (
          writes === 1 && grown > buffer.length &&
          regionBuffers + grown - buffer.length <= REGION_BUFFERS_MOST
        ) {
          regionBuffers += grown - buffer.length;
          buffer = new Uint8Array(grown);
        }
      }
    } finally {
      regionBuffers -= buffer.length;
      file.close();
    }
  }

  /** Writes all of `bytes`, counting progress for the send timeout; returns how many writes it took. */
  async #writeAll(bytes: Uint8Array): Promise<number> {
    if (this.#movedSinceProgress === 0) this.#lastProgress = Date.now();
    let writes = 0;
    for (let at = 0; at < bytes.length; writes++) {
      const n = await this.#socket.write(bytes.subarray(at));
      at += n;
      this.#movedSinceProgress += n;
      if (this.#movedSinceProgress >= PROGRESS_BYTES || at === bytes.length) {
        this.#lastProgress = Date.now();
        this.#movedSinceProgress = 0;
      }
    }
    return writes;
  }
}

/** A region's file, opened and found under `within` as a regular file; its bytes are read from it. */
async function openRegionFile(path: string, within: string | null): Promise<Opened> {
  // Loaded at the first region (with node:fs), so a server that sends no files never loads it.
  const { openInside, regularFile } = await import("./open_inside.ts");
  const opened = openInside(path, within);
  if (opened === null || opened === "outside") throw new Error(`${path} is gone or leads outside the root`);
  try {
    return regularFile(opened);
  } catch (e) {
    opened.close();
    throw e;
  }
}
