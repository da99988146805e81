/**
 * The one way frames leave a thread, on either side: a frame pushed is a
 * frame sent, in order, and everything pushed in one turn of the event loop
 * leaves in one `postMessage` (flushed from a microtask), because a message
 * per frame costs more than the work most frames carry. A large payload
 * travels alone (flow rule 7, `flow.ts`).
 *
 * @module
 */

import { SOLO_PAYLOAD } from "./flow.ts";
import { emptied, FrameWriter, type Payload, payloadLength } from "./frames.ts";
import { type FrameType, ToSocket } from "./frame_types.ts";
import { Spares } from "./spares.ts";

/**
 * Batches frames for one destination; `Sends` are the types this side sends (`frame_types.ts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readFrames } from "./frames.ts";
 * import { ToSocket } from "./frame_types.ts";
 * import { Outbox } from "./outbox.ts";
 * const posted: ArrayBuffer[] = [];
 * const outbox = new Outbox((buffer) => posted.push(buffer));
 * outbox.push(ToSocket.Write, 1, new Uint8Array(3));
 * outbox.push(ToSocket.End, 1);
 * await Promise.resolve();
 * assert.equal(posted.length, 1);
 * const types: number[] = [];
 * readFrames(posted[0], (type) => types.push(type));
 * assert.deepEqual(types, [ToSocket.Write, ToSocket.End]);
 * ```
 */
export class Outbox<Sends extends FrameType = FrameType> {
  readonly #post: (buffer: ArrayBuffer) => void;
  /** Buffers the other side gave back, for this side's large frames. */
  readonly #spares = new Spares();
  #frames = new FrameWriter(this.#spares);
  /** The other side's buffers, written and to be given back with the next flush. */
  #givingBack: ArrayBuffer[] = [];
  #flushQueued = false;
  #posted = 0;

  /** Sends with `post`, which must transfer the buffer (`postMessage(buffer, [buffer])`). */
  constructor(post: (buffer: ArrayBuffer) => void) {
    this.#post = post;
  }

  /**
   * Queues a frame; it leaves with this turn's others, or alone if its
   * payload is large. Bytes to write right after others for the same
   * connection join their frame.
   */
  push(type: Sends, id: number, payload?: Payload): void {
    if (
      type === ToSocket.Write && payload !== undefined &&
      this.#frames.extendLast(type, id, payload, SOLO_PAYLOAD)
    ) {
      return;
    }
    if (payloadLength(payload) >= SOLO_PAYLOAD) {
      this.flush();
      this.#frames.push(type, id, payload);
      this.flush();
      return;
    }
    this.#frames.push(type, id, payload);
    this.#flushSoon();
  }

  /** Gives a buffer that came from the other side back to it, with this turn's frames (flow rule 8). */
  giveBack(buffer: ArrayBuffer): void {
    this.#givingBack.push(buffer);
    this.#flushSoon();
  }

  /** Keeps a buffer the other side gave back, for a large frame. */
  reuse(buffer: ArrayBuffer): void {
    this.#spares.give(buffer);
  }

  #flushSoon(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => this.flush());
  }

  /** Sends what is queued now. */
  flush(): void {
    this.#flushQueued = false;
    const buffer = this.#frames.take();
    if (buffer !== null) {
      this.#post(buffer);
      this.#posted++;
    }
    for (const given of this.#givingBack.splice(0)) {
      this.#post(emptied(given));
      this.#posted++;
    }
  }

  /** Messages posted so far: each wakes the other thread, which is what batching saves. */
  get posted(): number {
    return this.#posted;
  }
}
