/**
 * The frame format between the main thread and the workers, and the whole
 * vocabulary they speak. Many frames travel packed in one transferable
 * `ArrayBuffer`: the first 4 bytes hold the used length, the next 8 when it
 * was sent ({@linkcode batchSentAt}), then frames of
 * `[type u8][connection id u32][payload length u32][payload]`, little-endian.
 *
 * This module imports nothing of weft's: both sides depend on it, it on
 * neither. When frames are sent is the outbox's rule (`outbox.ts`), how many
 * bytes may be on their way is the flow rules' (`flow.ts`).
 *
 * @module
 */

/** Frame types. Main → worker first, then worker → main. */
export const FrameType = {
  /** A connection was accepted; payload: the client's address (`encodeRemoteAddr` in `frame_payloads.ts`). */
  Open: 1,
  /** Bytes read from the connection. */
  Data: 2,
  /** The peer half-closed: no more bytes will come. */
  Eof: 3,
  /** The connection is gone (reset, or closed by the server): forget it. */
  Gone: 4,
  /** `WriteAck` bytes have reached the socket; payload: how many (`encodeCount` in `frame_payloads.ts`). */
  Written: 5,
  /** Graceful shutdown: finish what is in flight, close idle connections. */
  Shutdown: 6,
  /** Are you alive? (connection id 0) */
  Ping: 7,
  /** The metrics page a worker asked for; payload: Prometheus text. */
  MetricsPage: 8,
  /** `--dev`: files changed (connection id 0); payload: JSON `{ cssOnly }` for the live-reload streams. */
  Changed: 9,
  /** A reload replaces this worker (connection id 0): end what holds a connection open that can end. */
  Leaving: 10,
  /** The file region the connection's `WriteFile` named has been written in full. */
  FileWritten: 11,
  /** Bytes to write. */
  Write: 16,
  /** Bytes to write, answered by `Written` once they are written. */
  WriteAck: 17,
  /** Close the connection after the bytes queued before this frame. */
  Close: 18,
  /** Stop reading this connection until `Resume`. */
  Pause: 19,
  /** Read this connection again. */
  Resume: 20,
  /** A response has been handed over in full (what was read before it is answered). */
  End: 22,
  /** The answer to `Ping` (connection id 0); payload: the worker's counters as JSON (`worker_report.ts`). */
  Pong: 23,
  /** An access log line, newline included (connection id 0). */
  Log: 24,
  /** This connection asks for the metrics page: answer with `MetricsPage`. */
  Metrics: 25,
  /** A large `Data` frame has reached its connection (one per such frame; see `flow.ts`). */
  Taken: 26,
  /**
   * The connection speaks another protocol from here on (a WebSocket): what it
   * reads is never a request to answer with 503, and it never moves to another worker.
   */
  Upgraded: 27,
  /** Keep this large body from the worker's file cache under the key in the id field, until `Drop` (rule 9). */
  Keep: 28,
  /** Write a kept body whole, answered by `Written` like `WriteAck`; payload: its key (`encodeCount`). */
  WriteKept: 29,
  /** The worker no longer holds the body kept under the key in the id field: forget it. */
  Drop: 30,
  /** Read a file region and write it (flow rule 10), then answer `FileWritten`; payload: `encodeRegion`. */
  WriteFile: 31,
  /** Before `End`: the answer's handler held the thread `SLOW_HANDLER` ms or more; payload: ms (`balance.ts`). */
  Slow: 32,
} as const;

/** One of {@linkcode FrameType}'s values. */
export type FrameType = typeof FrameType[keyof typeof FrameType];

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
 * import { FrameType, FrameWriter, isOnlyFrame, readFrames } from "./frames.ts";
 * const writer = new FrameWriter();
 * writer.push(FrameType.Write, 1, new Uint8Array(40_000));
 * readFrames(writer.take()!, (_type, _id, payload) => assert.equal(isOnlyFrame(payload), true));
 * writer.push(FrameType.Write, 1, new Uint8Array(10));
 * writer.push(FrameType.End, 1);
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
 * import { FrameType, FrameWriter, readFrames } from "./frames.ts";
 * const writer = new FrameWriter();
 * writer.push(FrameType.Data, 7, new TextEncoder().encode("GET"));
 * const seen: number[][] = [];
 * readFrames(writer.take()!, (type, id, payload) => seen.push([type, id, payload.length]));
 * assert.deepEqual(seen, [[FrameType.Data, 7, 3]]);
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
 * import { batchSentAt, FrameType, FrameWriter } from "./frames.ts";
 * const writer = new FrameWriter();
 * writer.push(FrameType.Eof, 1);
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
 * import { FrameType, FrameWriter, readFrames } from "./frames.ts";
 * const writer = new FrameWriter();
 * writer.push(FrameType.Close, 3);
 * readFrames(writer.take()!, (type, id) => assert.deepEqual([type, id], [FrameType.Close, 3]));
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
