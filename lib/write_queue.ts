/**
 * A socket's unwritten response bytes, on the main thread: written in order,
 * one `write` at a time, queued pieces merged up to 64 KiB per write (flow
 * rule 6). A write counts as progress once it has moved 16 KiB (or finished),
 * so a client that reads a trickle (slow read) still meets the send timeout:
 * the floor is 16 KiB per send timeout, about 550 B/s at the default.
 *
 * @module
 */

import { MERGE_LIMIT } from "./pool/flow.ts";
import { isOnlyFrame } from "./pool/frames.ts";

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
}

const PROGRESS_BYTES = 16 * 1024;

/**
 * The write side of one socket.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WriteQueue } from "./write_queue.ts";
 * const written: number[] = [];
 * const socket = { write: (p: Uint8Array) => Promise.resolve(written.push(p.length) && p.length) };
 * const queue = new WriteQueue(socket);
 * queue.push(new Uint8Array(3), "write");
 * queue.push(new Uint8Array(4), "ack");
 * const done = await queue.writeNext();
 * assert.deepEqual([written, done], [[7], { fromWorker: 7, acked: true, freed: [] }]);
 * ```
 */
export class WriteQueue {
  readonly #socket: { write(p: Uint8Array): Promise<number> };
  #items: { bytes: Uint8Array; from: Origin }[] = [];
  /** Bytes queued and not yet written. */
  bytes = 0;
  /** When the write under way last made progress, and the bytes it moved since. */
  #lastProgress = 0;
  #movedSinceProgress = 0;

  /** Writes to `socket`. */
  constructor(socket: { write(p: Uint8Array): Promise<number> }) {
    this.#socket = socket;
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

  /** Counts what is queued as the main thread's own: its worker has been replaced, and never counted it. */
  disown(): void {
    for (const item of this.#items) item.from = "own";
  }

  /** Drops everything queued (the socket is closing). */
  clear(): void {
    this.#items.length = 0;
  }

  /** Writes the next pieces, merged, in full; throws if the socket fails. */
  async writeNext(): Promise<WriteDone> {
    let taken = 1;
    let size = this.#items[0].bytes.length;
    while (taken < this.#items.length && size + this.#items[taken].bytes.length <= MERGE_LIMIT) {
      size += this.#items[taken++].bytes.length;
    }
    const items = this.#items.splice(0, taken);
    const done: WriteDone = { fromWorker: 0, acked: false, freed: [] };
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

  async #writeAll(bytes: Uint8Array): Promise<void> {
    if (this.#movedSinceProgress === 0) this.#lastProgress = Date.now();
    for (let at = 0; at < bytes.length;) {
      const n = await this.#socket.write(bytes.subarray(at));
      at += n;
      this.#movedSinceProgress += n;
      if (this.#movedSinceProgress >= PROGRESS_BYTES || at === bytes.length) {
        this.#lastProgress = Date.now();
        this.#movedSinceProgress = 0;
      }
    }
  }
}
