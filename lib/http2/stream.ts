/**
 * Rule: one stream's state on the server (RFC 9113 §5.1) and its two flow
 * control windows (§5.2, §6.9): the client's side is open until END_STREAM
 * or a reset, ours until we end it; a stream with both closed is gone. Data
 * we send waits in the stream's queue until both its window and the
 * connection's allow it.
 *
 * @module
 */

/** One request's stream. */
export class Http2Stream {
  readonly id: number;
  /** The client may still send on it (open, or half-closed on our side). */
  remoteOpen = true;
  /** We may still send on it. */
  localOpen = true;
  /** Bytes of DATA we may send now (§6.9.1); negative after the client shrank its initial window. */
  sendWindow: number;
  /** Bytes of DATA the client may send before we credit more. */
  receiveWindow: number;
  /** Bytes the reader has consumed and that no WINDOW_UPDATE has credited yet. */
  uncredited = 0;
  /** Body bytes received, checked against `contentLength` (§8.1.1). */
  received = 0;
  contentLength: number | null = null;
  /** Data waiting for window, in order. */
  readonly queue: Uint8Array[] = [];
  queued = 0;
  /** Once the queue is out: end the stream, with these trailers (none: an empty DATA with END_STREAM). */
  ending: [string, string][] | null = null;
  /** A send had to wait for window: say so when the queue is out. */
  waited = false;

  /** A stream opened by the client's HEADERS, with the windows the settings give. */
  constructor(id: number, sendWindow: number, receiveWindow: number) {
    this.id = id;
    this.sendWindow = sendWindow;
    this.receiveWindow = receiveWindow;
  }

  /** Both sides closed: the stream can be forgotten (§5.1 "closed"). */
  get closed(): boolean {
    return !this.remoteOpen && !this.localOpen;
  }

  /** Takes up to `most` bytes from the front of the queue. */
  dequeue(most: number): Uint8Array {
    const first = this.queue[0];
    if (first.length <= most) {
      this.queue.shift();
      this.queued -= first.length;
      return first;
    }
    this.queue[0] = first.subarray(most);
    this.queued -= most;
    return first.subarray(0, most);
  }
}

/**
 * Streams that ended recently, so a late frame on one is told from a frame on
 * a stream never opened (§5.1): a bounded memory of ids, oldest forgotten first.
 */
export class RecentlyClosed {
  readonly #ids = new Set<number>();
  /** Of those, the ones we reset: late frames on them are ignored (§5.4.2). */
  readonly #resetByUs = new Set<number>();
  readonly #most: number;

  /** Remembers at most `most` ids. */
  constructor(most: number) {
    this.#most = most;
  }

  /** Remembers that `id` ended; `resetByUs` if we sent RST_STREAM. */
  add(id: number, resetByUs: boolean): void {
    this.#ids.add(id);
    if (resetByUs) this.#resetByUs.add(id);
    if (this.#ids.size > this.#most) {
      const oldest = this.#ids.values().next().value!;
      this.#ids.delete(oldest);
      this.#resetByUs.delete(oldest);
    }
  }

  /** `reset` (by us), `closed`, or `unknown` (long gone, or never opened). */
  state(id: number): "reset" | "closed" | "unknown" {
    if (this.#resetByUs.has(id)) return "reset";
    return this.#ids.has(id) ? "closed" : "unknown";
  }
}
