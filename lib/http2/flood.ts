/**
 * Rule: what a client may make the server do for nothing, counted for the
 * connection's life: streams it opens and resets at once (rapid reset,
 * CVE-2023-44487) are allowed up to {@linkcode FREE_RESETS}, then up to half
 * of the streams it opened; DATA frames that carry nothing and end nothing
 * (CVE-2019-9518) up to {@linkcode MOST_EMPTY_FRAMES}. Past either, the
 * connection ends with GOAWAY ENHANCE_YOUR_CALM. Floods of frames that ask
 * for an answer (PING, SETTINGS) need no count: their answers count as the
 * connection's unwritten bytes, and past a megabyte the main thread stops
 * reading it (`lib/pool/flow.ts`, rule 2).
 *
 * @module
 */

import { ErrorCode, Http2Error } from "./frame.ts";

/** Client resets allowed whatever the ratio: a browser leaving a page resets what it no longer wants. */
export const FREE_RESETS = 100;
/** Empty DATA frames without END_STREAM allowed on one connection. */
export const MOST_EMPTY_FRAMES = 100;

/**
 * The counts of one connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FloodGuard } from "./flood.ts";
 * const guard = new FloodGuard();
 * for (let i = 0; i < 100; i++) (guard.opened(), guard.resetByClient());
 * guard.opened();
 * assert.throws(() => guard.resetByClient(), /rapid reset/);
 * ```
 */
export class FloodGuard {
  #opened = 0;
  #resets = 0;
  #empty = 0;

  /** The client opened a stream. */
  opened(): void {
    this.#opened++;
  }

  /** The client reset a stream it had opened. */
  resetByClient(): void {
    this.#resets++;
    if (this.#resets > FREE_RESETS && this.#resets > this.#opened / 2) {
      throw new Http2Error(
        ErrorCode.ENHANCE_YOUR_CALM,
        0,
        `rapid reset (CVE-2023-44487): ${this.#resets} of ${this.#opened} streams reset by the client`,
      );
    }
  }

  /** A DATA frame with no data and no END_STREAM. */
  emptyData(): void {
    if (++this.#empty > MOST_EMPTY_FRAMES) {
      throw new Http2Error(
        ErrorCode.ENHANCE_YOUR_CALM,
        0,
        `over ${MOST_EMPTY_FRAMES} empty DATA frames (CVE-2019-9518)`,
      );
    }
  }
}
