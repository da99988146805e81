/**
 * Rule: a stream whose exchange has ended may still have its answer queued
 * behind the client's windows; it is let go once the answer is out, and reset
 * if the client takes none of it for the body timeout (CVE-2019-9517: a
 * window kept shut must not hold an answer for ever). A stream that moves,
 * however slowly, keeps going.
 *
 * @module
 */

import type { StreamSending } from "../../lib/http2/streams_out.ts";

/**
 * The streams of one connection whose answers are draining.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DrainingStreams } from "./draining.ts";
 * const draining = new DrainingStreams();
 * draining.add(1, 500, 0);
 * draining.add(3, 500, 0);
 * const sending = (stream: number) => ({ open: true, ended: true, window: 0, queued: stream === 1 ? 500 : 200 });
 * assert.deepEqual(draining.stalled(1000, 100, sending), [1]); // stream 3 moved
 * assert.equal(draining.size, 1);
 * ```
 */
export class DrainingStreams {
  readonly #streams = new Map<number, { since: number; queued: number }>();

  get size(): number {
    return this.#streams.size;
  }

  /** `stream`'s answer has `queued` bytes waiting at `now`. */
  add(stream: number, queued: number, now: number): void {
    this.#streams.set(stream, { since: now, queued });
  }

  /**
   * Those whose queue has not shrunk for more than `most` ms, taken out to be reset; those done are
   * forgotten, those that moved start their time again.
   */
  stalled(now: number, most: number, sending: (stream: number) => StreamSending | null): number[] {
    const stalled: number[] = [];
    for (const [stream, drain] of this.#streams) {
      const state = sending(stream);
      if (state === null || !state.open) this.#streams.delete(stream);
      else if (state.queued < drain.queued) Object.assign(drain, { since: now, queued: state.queued });
      else if (now - drain.since > most) {
        this.#streams.delete(stream);
        stalled.push(stream);
      }
    }
    return stalled;
  }
}
