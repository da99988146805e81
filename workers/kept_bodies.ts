/**
 * Large bodies from the worker's file cache, kept on the main thread (flow
 * rule 9, `lib/pool/flow.ts`): the first time a cached body is sent, it
 * crosses once in a `Keep` frame; every response after that names it by its
 * key in a 4-byte `WriteKept`, and the main thread writes its own copy. The
 * worker still decides every byte of every response; what it no longer does
 * is copy a megabyte into a message per response.
 *
 * A key lives as long as the worker holds the body: once the cache lets go of
 * it and the garbage collector takes it, `Drop` tells the main thread to
 * forget its copy, so the main thread keeps no more than the caches do.
 *
 * @module
 */

import { FrameType, type Payload } from "../lib/pool/frames.ts";

/** Where kept bodies' frames go. */
export interface KeptBodiesOutbox {
  push(type: FrameType, id: number, payload?: Payload): void;
}

/**
 * The keys of the bodies this worker has had kept.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FrameType } from "../lib/pool/frames.ts";
 * import { KeptBodies } from "./kept_bodies.ts";
 * const frames: number[] = [];
 * const kept = new KeptBodies({ push: (type) => frames.push(type) });
 * const body = new Uint8Array(100_000);
 * const key = kept.keyOf(body);
 * assert.equal(kept.keyOf(body), key, "the same body, the same key");
 * assert.notEqual(kept.keyOf(new Uint8Array(100_000)), key);
 * assert.deepEqual(frames, [FrameType.Keep, FrameType.Keep], "each body crosses once");
 * ```
 */
export class KeptBodies {
  readonly #outbox: KeptBodiesOutbox;
  readonly #keys = new WeakMap<Uint8Array, number>();
  readonly #collected: FinalizationRegistry<{ key: number; size: number }>;
  #next = 1;
  /** Bytes sent in `Keep` frames and not yet dropped. */
  bytes = 0;

  /** Sends `Keep` and `Drop` through `outbox`. */
  constructor(outbox: KeptBodiesOutbox) {
    this.#outbox = outbox;
    this.#collected = new FinalizationRegistry((held: { key: number; size: number }) => {
      this.bytes -= held.size;
      outbox.push(FrameType.Drop, held.key);
    });
  }

  /**
   * The key under which the main thread keeps `body`, sending it now if it
   * has not been kept yet. `body` must not change afterwards: it is a cache's.
   */
  keyOf(body: Uint8Array): number {
    let key = this.#keys.get(body);
    if (key !== undefined) return key;
    key = this.#next++;
    this.#keys.set(body, key);
    this.#collected.register(body, { key, size: body.length });
    this.bytes += body.length;
    this.#outbox.push(FrameType.Keep, key, body);
    return key;
  }
}
