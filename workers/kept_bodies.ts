/**
 * Large bodies from the worker's file cache, kept on the main thread (flow
 * rule 9, `lib/pool/flow.ts`): the first time a cached body is sent, it
 * crosses once in a `Keep` frame; every response after that names it by its
 * key in a 4-byte `WriteKept`, and the main thread writes its own copy. The
 * worker still decides every byte of every response; what it no longer does
 * is copy a megabyte into a message per response.
 *
 * A key lives as long as the worker's file cache holds the body: when the
 * cache lets go of it (a newer version, or room for others), `Drop` tells
 * the main thread to forget its copy at once, so the main thread never keeps
 * more than the caches do (32 MiB a worker). Frames reach the main thread in
 * order, so a response that named the body before has its bytes already.
 * A body let go of is never kept again: a response still holding it sends
 * its bytes.
 *
 * @module
 */

import type { Payload } from "../lib/pool/frames.ts";
import { ToPool } from "../lib/pool/frame_types.ts";

/** Where kept bodies' frames go. */
export interface KeptBodiesOutbox {
  push(type: ToPool, id: number, payload?: Payload): void;
}

/**
 * The keys of the bodies this worker has had kept.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ToPool } from "../lib/pool/frame_types.ts";
 * import { KeptBodies } from "./kept_bodies.ts";
 * const frames: number[] = [];
 * const kept = new KeptBodies({ push: (type) => frames.push(type) });
 * const body = new Uint8Array(100_000);
 * const key = kept.keyOf(body);
 * assert.equal(kept.keyOf(body), key, "the same body, the same key");
 * assert.notEqual(kept.keyOf(new Uint8Array(100_000)), key);
 * kept.release(body);
 * assert.equal(kept.keyOf(body), null, "let go of: sent as bytes");
 * assert.deepEqual(frames, [ToPool.Keep, ToPool.Keep, ToPool.Drop]);
 * ```
 */
export class KeptBodies {
  readonly #outbox: KeptBodiesOutbox;
  readonly #keys = new Map<Uint8Array, number>();
  /** Bodies the cache has let go of. */
  readonly #released = new WeakSet<Uint8Array>();
  #next = 1;
  /** Bytes sent in `Keep` frames and not yet dropped. */
  bytes = 0;

  /** Sends `Keep` and `Drop` through `outbox`. */
  constructor(outbox: KeptBodiesOutbox) {
    this.#outbox = outbox;
  }

  /**
   * The key under which the main thread keeps `body`, sending it now if it
   * has not been kept yet; null for a body the cache has let go of. `body`
   * must not change afterwards: it is a cache's.
   */
  keyOf(body: Uint8Array): number | null {
    let key = this.#keys.get(body);
    if (key !== undefined) return key;
    if (this.#released.has(body)) return null;
    key = this.#next++;
    this.#keys.set(body, key);
    this.bytes += body.length;
    this.#outbox.push(ToPool.Keep, key, body);
    return key;
  }

  /** The cache has let go of `body`: the main thread forgets its copy, if it has one. */
  release(body: Uint8Array): void {
    this.#released.add(body);
    const key = this.#keys.get(body);
    if (key === undefined) return;
    this.#keys.delete(body);
    this.bytes -= body.length;
    this.#outbox.push(ToPool.Drop, key);
  }
}
