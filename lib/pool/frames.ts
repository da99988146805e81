/**
 * Rule: the frame format between the main thread and the workers. Many frames travel packed in one transferable
 * `ArrayBuffer`: the first 4 bytes hold the used length, the next 8 when it
 * was sent ({@linkcode batchSentAt}), then frames of
 * `[type u8][connection id u32][payload length u32][payload]`, little-endian.
 *
 * The frame types are `frame_types.ts`'s, one table per direction. This
 * module imports nothing of weft's but their type: both sides depend on it,
 * it on neither. When frames are sent is the outbox's rule (`outbox.ts`), how many
 * bytes may be on their way is the flow rules' (`flow.ts`).
 *
 * @module
 */

import type { FrameType } from "./frame_types.ts";

/** A frame's payload: bytes, or parts of it to be joined (a response's head and body). */
export type Payload = Uint8Array | readonly Uint8Array[];

/**
 * How many bytes a payload has.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { payloadLength } from "./frames.ts";
 * assert.equal(payloadLength([new Uint8Array(2), new Uint8Array(3)]), 5);
 * ```
 */
export function payloadLength(payload: Payload | undefined): number {
  if (payload === undefined || payload instanceof Uint8Array) return payload?.length ?? 0;
  let length = 0;
  for (const part of payload) length += part.length;
  return length;
}

/** What receives frames: their type, connection id (0 for the worker itself) and payload. */
export type FrameHandler = (type: FrameType, id: number, payload: Uint8Array) => void;

const HEADER = 9;
/** The batch's head: its used length (u32), then when it was sent (f64). */
const EMPTY_SIZE = 12;
const MIN_CAPACITY = 16 * 1024;
/** A writer's buffer before its first frame: never written to, as any push reserves room first. */
const EMPTY = new Uint8Array(EMPTY_SIZE);

/**
 * Whether `payload`, as {@linkcode readFrames} gave it, is the only frame in
 * its buffer: once it is written, the whole buffer is free (flow rule 8).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FrameWriter, isOnlyFrame, readFrames } from "./frames.ts";
 * import { ToSocket } from "./frame_types.ts";
 * const writer = new FrameWriter();
 * writer.push(ToSocket.Write, 1, new Uint8Array(40_000));
 * readFrames(writer.take()!, (_type, _id, payload) => assert.equal(isOnlyFrame(payload), true));
 * writer.push(ToSocket.Write, 1, new Uint8Array(10));
 * writer.push(ToSocket.End, 1);
 * readFrames(writer.take()!, (_type, _id, payload) => assert.equal(isOnlyFrame(payload), false));
 * ```
 */
export function isOnlyFrame(payload: Uint8Array): boolean {
  return payload.byteOffset === EMPTY_SIZE + HEADER &&
    new DataView(payload.buffer).getUint32(0, true) === payload.byteOffset + payload.length;
}

/**
 * Marks `buffer` as an empty batch: sent back to the thread it came from, it
 * carries no frame and is kept for reuse there.
 */
export function emptied(buffer: ArrayBuffer): ArrayBuffer {
  new DataView(buffer).setUint32(0, 0, true);
  return buffer;
}

/** Whether a received batch is a buffer given back (see {@linkcode emptied}). */
export function isGivenBack(buffer: ArrayBuffer): boolean {
  return new DataView(buffer).getUint32(0, true) === 0;
}

/**
 * Packs frames into one buffer until `take` hands it over. Payloads are
 * copied in, so the caller may reuse its arrays at once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FrameWriter, readFrames } from "./frames.ts";
 * import { ToWorker } from "./frame_types.ts";
 * const writer = new FrameWriter();
 * writer.push(ToWorker.Data, 7, new TextEncoder().encode("GET"));
 * const seen: number[][] = [];
 * readFrames(writer.take()!, (type, id, payload) => seen.push([type, id, payload.length]));
 * assert.deepEqual(seen, [[ToWorker.Data, 7, 3]]);
 * ```
 */
export class FrameWriter {
  readonly #spares: { take(size: number): ArrayBuffer | null } | undefined;
  #bytes = EMPTY;
  #view = new DataView(EMPTY.buffer);
  #used = EMPTY_SIZE;
  /** Where the last frame starts (its header), or -1. */
  #last = -1;

  /** A writer that packs a large frame into one of `spares` (flow rule 8) when one fits. */
  constructor(spares?: { take(size: number): ArrayBuffer | null }) {
    this.#spares = spares;
  }

  /** Whether no frame is waiting. */
  get isEmpty(): boolean {
    return this.#used === EMPTY_SIZE;
  }

  /** Bytes packed so far. */
  get size(): number {
    return this.#used;
  }

  /** Appends a frame; a payload given in parts is joined into one. */
  push(type: FrameType, id: number, payload?: Payload): void {
    const length = payloadLength(payload);
    this.#reserve(HEADER + length);
    const at = this.#used;
    this.#view.setUint8(at, type);
    this.#view.setUint32(at + 1, id, true);
    this.#view.setUint32(at + 5, length, true);
    this.#copy(payload, at + HEADER);
    this.#used = at + HEADER + length;
    this.#last = at;
  }

  /**
   * Adds `payload` to the end of the last frame if that frame has this type
   * and connection id and stays under `limit` bytes; false (and nothing done)
   * otherwise. A response's head and body then travel, and are written, as
   * one piece.
   */
  extendLast(type: FrameType, id: number, payload: Payload, limit: number): boolean {
    const at = this.#last;
    if (at === -1 || this.#view.getUint8(at) !== type || this.#view.getUint32(at + 1, true) !== id) {
      return false;
    }
    const added = payloadLength(payload);
    const length = this.#view.getUint32(at + 5, true) + added;
    if (length >= limit) return false;
    this.#reserve(added);
    this.#copy(payload, this.#used);
    this.#view.setUint32(at + 5, length, true);
    this.#used += added;
    return true;
  }

  #copy(payload: Payload | undefined, at: number): void {
    if (payload instanceof Uint8Array) return this.#bytes.set(payload, at);
    for (const part of payload ?? []) {
      this.#bytes.set(part, at);
      at += part.length;
    }
  }

  /** Hands over the frames as one transferable buffer, or `null` when there are none. */
  take(): ArrayBuffer | null {
    if (this.isEmpty) return null;
    this.#view.setUint32(0, this.#used, true);
    this.#view.setFloat64(4, epochNow(), true);
    const buffer = this.#bytes.buffer;
    // The next buffer is made by the next push, at the size it needs: a large payload that travels
    // alone then costs one allocation, not a small one thrown away.
    this.#bytes = EMPTY;
    this.#view = new DataView(EMPTY.buffer);
    this.#used = EMPTY_SIZE;
    this.#last = -1;
    return buffer;
  }

  #reserve(n: number): void {
    if (this.#used + n <= this.#bytes.length) return;
    // Double for small frames; fit a large one exactly, as a big buffer
    // lives as long as the slowest payload in it.
    const doubled = Math.max(this.#bytes.length * 2, MIN_CAPACITY);
    const size = Math.max(doubled >= this.#used + n ? doubled : 0, this.#used + n);
    const spare = size > MIN_CAPACITY ? this.#spares?.take(size) ?? null : null;
    const grown = spare === null ? new Uint8Array(size) : new Uint8Array(spare);
    grown.set(this.#bytes.subarray(0, this.#used));
    this.#bytes = grown;
    this.#view = new DataView(grown.buffer);
  }
}

/**
 * When a batch was handed over, in ms since the epoch with sub-millisecond
 * precision: comparable between threads, for the time a request waited
 * between them (`--server-timing`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { batchSentAt, FrameWriter } from "./frames.ts";
 * import { ToWorker } from "./frame_types.ts";
 * const writer = new FrameWriter();
 * writer.push(ToWorker.Eof, 1);
 * const sentAt = batchSentAt(writer.take()!);
 * assert.ok(Math.abs(sentAt - Date.now()) < 1000);
 * ```
 */
export function batchSentAt(buffer: ArrayBuffer): number {
  return new DataView(buffer).getFloat64(4, true);
}

/** Now, as {@linkcode batchSentAt} counts time: ms since the epoch, sub-millisecond, the same on every thread. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Calls `onFrame` for each frame in a buffer made by {@linkcode FrameWriter}.
 * Payloads are views of the buffer, which the receiver now owns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FrameWriter, readFrames } from "./frames.ts";
 * import { ToSocket } from "./frame_types.ts";
 * const writer = new FrameWriter();
 * writer.push(ToSocket.Close, 3);
 * readFrames(writer.take()!, (type, id) => assert.deepEqual([type, id], [ToSocket.Close, 3]));
 * ```
 */
export function readFrames(buffer: ArrayBuffer, onFrame: FrameHandler): void {
  const view = new DataView(buffer);
  const used = view.getUint32(0, true);
  for (let at = EMPTY_SIZE; at < used;) {
    const type = view.getUint8(at) as FrameType;
    const id = view.getUint32(at + 1, true);
    const length = view.getUint32(at + 5, true);
    onFrame(type, id, new Uint8Array(buffer, at + HEADER, length));
    at += HEADER + length;
  }
}
