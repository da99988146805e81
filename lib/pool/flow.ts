/**
 * Flow control between a client socket, the main thread and a worker: how
 * much of a connection may be on its way in either direction. Every limit
 * lives here; the rules are:
 *
 * Towards the worker (requests):
 * 1. The main thread reads a socket into a buffer of {@linkcode READ_SIZE_FIRST}
 *    bytes that doubles, up to {@linkcode READ_SIZE_MAX}, while reads fill it.
 * 2. It stops reading a connection while any of these hold
 *    ({@linkcode readAllowed}): its worker sent `Pause` (more than
 *    {@linkcode PAUSE_ABOVE} unparsed bytes, e.g. a pipelining client that does
 *    not read); more than {@linkcode MAX_QUEUED} of its response bytes are
 *    unwritten; {@linkcode MAX_UNTAKEN} large reads (from {@linkcode TAKEN_FROM}
 *    bytes) have not yet been answered by `Taken`, so at most 1 MiB of a fast
 *    upload is in the worker's message queue. Small reads (nearly every
 *    request) cost no `Taken`.
 *
 * Towards the client (responses):
 * 3. Bytes a response owns (a head, an app's fixed body) go as `Write`, at
 *    once: their memory is spent already.
 * 4. Bytes shared with a cache, or produced while sending (files, streams),
 *    go as `WriteAck`, inside the connection's {@linkcode SendWindow}; the
 *    main thread answers each write that included them with `Written`.
 *    A window starts at {@linkcode INITIAL_WINDOW} and grows by what was
 *    written, to {@linkcode BASE_WINDOW} always and to {@linkcode FAST_WINDOW}
 *    while the worker's connections together have less than
 *    {@linkcode STREAM_BUDGET} unwritten: a slow reader pins little, a fast
 *    one moves a megabyte per round trip.
 * 5. A worker counts every byte it hands over, `Write` or `WriteAck`, as
 *    unwritten until `Written` says otherwise, and starts no next response on
 *    a connection with {@linkcode MAX_QUEUED} or more unwritten: a pipelining
 *    client that never reads costs a megabyte, not a response per request it
 *    sent. `Written` carries a byte count, never a count of frames. The main
 *    thread also sends it after a write of plain `Write` bytes once the worker
 *    counts {@linkcode REPORT_FROM} or more unwritten, so a worker held at the
 *    cap always hears; below that (nearly always) it costs no frame.
 * 6. Queued writes are merged up to {@linkcode MERGE_LIMIT} into one `write`.
 *
 * Both ways:
 * 7. A payload from {@linkcode SOLO_PAYLOAD} bytes travels in a buffer of its
 *    own, so one waiting for a slow client keeps no other frame alive.
 * 8. Such a buffer from a worker, once written, goes back to that worker for
 *    its next large payload (`spares.ts`).
 * 9. A large body from a worker's file cache crosses once: the main thread
 *    keeps it under a key (`Keep`), responses name the key (`WriteKept`) and
 *    are written from the main thread's copy, without a window (the body is
 *    held anyway, so a slow reader pins nothing more) but counted as
 *    unwritten (rule 5). Once the worker's cache has let go of a body and it
 *    is collected, `Drop` frees the copy (`workers/kept_bodies.ts`).
 * 10. A region of a file on disk (a large file, a range) is named by the
 *    worker (`WriteFile`) and read and written by the main thread itself,
 *    through one buffer: no hop and no window per chunk. The buffer starts at
 *    {@linkcode REGION_CHUNK_FIRST} and doubles, to {@linkcode REGION_CHUNK_MOST},
 *    while the socket takes each chunk in one write and all sockets' region
 *    buffers stay under {@linkcode REGION_BUFFERS_MOST}: few reads for a
 *    fast reader, and a thousand slow ones pin little. Its bytes are
 *    never the worker's unwritten; the worker goes on with the response once
 *    `FileWritten` says the region is out ({@linkcode SendWindow.regionWritten}).
 *
 * @module
 */

/** A connection's first read buffer: most requests are a few hundred bytes, and idle connections are many. */
export const READ_SIZE_FIRST = 1024;
/** The largest read buffer. */
export const READ_SIZE_MAX = 64 * 1024;
/** Unwritten response bytes per connection above which it is not read, nor a next response started. */
export const MAX_QUEUED = 1024 * 1024;
/** Bytes a worker may count as unwritten on a connection before every write is reported to it (rule 5). */
export const REPORT_FROM = 256 * 1024;
/** `Data` frames from this size on are answered with `Taken`. */
export const TAKEN_FROM = 16 * 1024;
/** Large reads not yet taken in by the worker, at which a connection is not read: at most 1 MiB on its way. */
export const MAX_UNTAKEN = (1024 * 1024) / READ_SIZE_MAX;
/** Unparsed bytes per connection above which a worker pauses it. */
export const PAUSE_ABOVE = 64 * 1024;
/** Queued writes are merged up to this size into one `write`. */
export const MERGE_LIMIT = 64 * 1024;
/** Payloads from this size on leave in a message of their own. */
export const SOLO_PAYLOAD = 32 * 1024;
/** The first chunk of a file region the main thread reads and writes (rule 10). */
export const REGION_CHUNK_FIRST = 64 * 1024;
/** The largest chunk of a file region (rule 10): a read of a megabyte costs little more than one of 64 KiB. */
export const REGION_CHUNK_MOST = 1024 * 1024;
/** Region buffers of all sockets together past which none grows beyond the first chunk (rule 10). */
export const REGION_BUFFERS_MOST = 32 * 1024 * 1024;
/** A connection's first send window. */
export const INITIAL_WINDOW = 64 * 1024;
/** How far any connection's window grows. */
export const BASE_WINDOW = 256 * 1024;
/** How far a window grows while the budget lasts. */
export const FAST_WINDOW = 1024 * 1024;
/** Unwritten `WriteAck` bytes of one worker's connections together, past which windows shrink to the base. */
export const STREAM_BUDGET = 16 * 1024 * 1024;

/** What decides whether the main thread reads a connection now (rule 2). */
export interface ReadState {
  /** The worker sent `Pause` and no `Resume` since. */
  pausedByWorker: boolean;
  /** Response bytes queued and not yet written. */
  queuedBytes: number;
  /** Large reads not yet answered by `Taken`. */
  untaken: number;
}

/**
 * Whether the main thread may read the connection now (rule 2).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MAX_QUEUED, readAllowed } from "./flow.ts";
 * assert.equal(readAllowed({ pausedByWorker: false, queuedBytes: 0, untaken: 0 }), true);
 * assert.equal(readAllowed({ pausedByWorker: false, queuedBytes: MAX_QUEUED + 1, untaken: 0 }), false);
 * ```
 */
export function readAllowed(state: ReadState): boolean {
  return !state.pausedByWorker && state.queuedBytes <= MAX_QUEUED && state.untaken < MAX_UNTAKEN;
}

/**
 * The unwritten bytes of all of one worker's connections (rule 4): while they
 * stay under {@linkcode STREAM_BUDGET}, windows may grow past the base.
 */
export class StreamBudget {
  /** Bytes handed over and not yet `Written`, over every connection. */
  unwritten = 0;

  /** Whether windows may be larger than {@linkcode BASE_WINDOW} now. */
  get lasts(): boolean {
    return this.unwritten < STREAM_BUDGET;
  }
}

/**
 * One connection's unwritten bytes and its window (rules 4 and 5): bytes go
 * out with {@linkcode SendWindow.sent}, come back with
 * {@linkcode SendWindow.written}, and a sender waits in
 * {@linkcode SendWindow.room} while the window (or another limit) is full.
 * Counts are bytes, never frames, so a frame with nothing in it cannot put
 * the two sides out of step.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { INITIAL_WINDOW, SendWindow, StreamBudget } from "./flow.ts";
 * const window = new SendWindow(new StreamBudget());
 * window.sent(INITIAL_WINDOW);
 * let roomy = false;
 * const waiting = window.room().then(() => (roomy = true));
 * assert.equal(roomy, false);
 * window.written(INITIAL_WINDOW);
 * await waiting;
 * assert.equal(window.limit, 2 * INITIAL_WINDOW);
 * ```
 */
export class SendWindow {
  readonly #budget: StreamBudget;
  #size = INITIAL_WINDOW;
  #unwritten = 0;
  #closed = false;
  #wake: (() => void) | null = null;
  #regionOut: (() => void) | null = null;

  /** A window that shares `budget` with the worker's other connections. */
  constructor(budget: StreamBudget) {
    this.#budget = budget;
  }

  /** How many bytes may be unwritten now; also the largest piece worth sending at once. */
  get limit(): number {
    return this.#budget.lasts ? this.#size : Math.min(this.#size, BASE_WINDOW);
  }

  /** Bytes handed over and not yet written. */
  get unwritten(): number {
    return this.#unwritten;
  }

  /** `n` bytes went out, as `Write` or `WriteAck`. */
  sent(n: number): void {
    this.#unwritten += n;
    this.#budget.unwritten += n;
  }

  /** `Written` came back: `n` bytes reached the socket; the window grows by as much. */
  written(n: number): void {
    const settled = Math.min(n, this.#unwritten);
    this.#unwritten -= settled;
    this.#budget.unwritten -= settled;
    this.#size = Math.min(FAST_WINDOW, this.#size + settled);
    this.#wake?.();
  }

  /** Resolves once fewer than `limit` bytes (the window by default) are unwritten, or the window is closed. */
  async room(limit?: number): Promise<void> {
    while (this.#unwritten >= (limit ?? this.limit) && !this.#closed) {
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = null;
    }
  }

  /** Resolves once the file region handed over last is written (`FileWritten`, rule 10), or the window is closed. */
  regionWritten(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => (this.#regionOut = resolve));
  }

  /** `FileWritten` came, or the connection is gone: the sender of a file region goes on. */
  fileWritten(): void {
    const resolve = this.#regionOut;
    this.#regionOut = null;
    resolve?.();
  }

  /** The connection is gone: what it had unwritten leaves the budget, and a waiting sender goes on. */
  close(): void {
    this.#closed = true;
    this.#budget.unwritten -= this.#unwritten;
    this.#unwritten = 0;
    this.#wake?.();
    this.fileWritten();
  }
}

/**
 * What a socket tells its worker of the worker's bytes it wrote (rules 4, 5):
 * at once after `WriteAck` bytes, which the worker waits on; otherwise once
 * {@linkcode REPORT_FROM} bytes it sent are unreported, so a stream of small
 * writes costs few messages.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { REPORT_FROM, WrittenReport } from "./flow.ts";
 * const report = new WrittenReport();
 * report.received(100);
 * assert.equal(report.written(100, false), 0);
 * assert.equal(report.written(0, true), 100);
 * report.received(REPORT_FROM);
 * assert.equal(report.written(REPORT_FROM, false), REPORT_FROM);
 * ```
 */
export class WrittenReport {
  /** Worker bytes received and not yet reported written: what the worker counts as unwritten. */
  #unreported = 0;
  /** Worker bytes written and not yet reported. */
  #writtenUnreported = 0;

  /** The worker sent `bytes` more to write. */
  received(bytes: number): void {
    this.#unreported += bytes;
  }

  /** `bytes` of them were written (`acked`: some were `WriteAck`'s): the count to report now, or 0. */
  written(bytes: number, acked: boolean): number {
    this.#writtenUnreported += bytes;
    if (this.#writtenUnreported === 0 || !acked && this.#unreported < REPORT_FROM) return 0;
    const count = this.#writtenUnreported;
    this.#unreported -= count;
    this.#writtenUnreported = 0;
    return count;
  }
}
