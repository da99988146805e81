/**
 * Buffers that travel both ways (flow rule 8, `flow.ts`). A large payload
 * leaves a worker in a buffer of its own; once the main thread has written
 * it, the buffer goes back to that worker as an empty batch, and the
 * worker's next large payload is packed into it instead of a new one: no
 * allocation, no zeroing, and none of the garbage collections that
 * megabytes of fresh buffers bring on. The pool is small and bounded; a
 * buffer that fits nothing waiting is dropped.
 *
 * @module
 */

/** How many returned buffers a worker keeps. */
export const MAX_SPARES = 8;

/**
 * Returned buffers, kept for reuse.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spares } from "./spares.ts";
 * const spares = new Spares();
 * spares.give(new ArrayBuffer(1024 * 1024));
 * assert.equal(spares.take(100 * 1024), null, "a buffer ten times too big pins too much");
 * assert.equal(spares.take(600 * 1024)?.byteLength, 1024 * 1024);
 * assert.equal(spares.take(600 * 1024), null);
 * ```
 */
export class Spares {
  #buffers: ArrayBuffer[] = [];

  /** Keeps `buffer` for a later payload, if there is room. */
  give(buffer: ArrayBuffer): void {
    if (this.#buffers.length === MAX_SPARES) this.#buffers.shift();
    this.#buffers.push(buffer);
  }

  /** A kept buffer of at least `size` bytes and at most twice that, or `null`. Its bytes are not zeroed. */
  take(size: number): ArrayBuffer | null {
    const at = this.#buffers.findIndex((b) => b.byteLength >= size && b.byteLength <= 2 * size);
    return at === -1 ? null : this.#buffers.splice(at, 1)[0];
  }
}
