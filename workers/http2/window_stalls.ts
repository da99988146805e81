/**
 * Rule: a stream whose data waits on the client's window (a producer that
 * waits for it to open, or an answer complete in the worker whose end waits
 * behind its queue) is reset if the client takes none of it for the body
 * timeout (CVE-2019-9517: a window kept shut must not hold a stream for
 * ever). A stream that moves, however slowly, keeps going; one that closes is
 * forgotten.
 *
 * @module
 */

import type { StreamSending } from "../../lib/http2/streams_out.ts";

/**
 * The streams of one connection waiting on the client's windows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WindowStalls } from "./window_stalls.ts";
 * const stalls = new WindowStalls();
 * stalls.watch(1, 500, 0);
 * stalls.watch(3, 500, 0);
 * const sending = (stream: number) => ({ open: true, ended: true, window: 0, queued: stream === 1 ? 500 : 200 });
 * assert.deepEqual(stalls.stalled(1000, 100, sending), [1]); // stream 3 moved
 * assert.equal(stalls.size, 1);
 * ```
 */
export class WindowStalls {
  readonly #streams = new Map<number, { since: number; queued: number }>();

  get size(): number {
    return this.#streams.size;
  }

  /** `stream` waits on the client's window from `now`, with `queued` bytes not yet sent. */
  watch(stream: number, queued: number, now: number): void {
    this.#streams.set(stream, { since: now, queued });
  }

  /** `stream` waits no more (its producer was woken). */
  unwatch(stream: number): void {
    this.#streams.delete(stream);
  }

  /**
   * Those whose queue has not shrunk for more than `most` ms, taken out to be reset; those closed are
   * forgotten, those that moved start their time again.
   */
  stalled(now: number, most: number, sending: (stream: number) => StreamSending | null): number[] {
    const stalled: number[] = [];
    for (const [stream, wait] of this.#streams) {
      const state = sending(stream);
      if (state === null || !state.open) this.#streams.delete(stream);
      else if (state.queued < wait.queued) Object.assign(wait, { since: now, queued: state.queued });
      else if (now - wait.since > most) {
        this.#streams.delete(stream);
        stalled.push(stream);
      }
    }
    return stalled;
  }
}
