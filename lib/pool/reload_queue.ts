/**
 * Rule: reloads run one at a time, and one asked for while another runs is
 * never merged into it. The reload under way may have loaded the app before
 * the edit that asked for the next one, so that edit gets a reload of its
 * own, started once the one under way has ended (however it ended). Asks
 * that come while one waits join the waiting one: it has not loaded anything
 * yet, so it will load what they asked for.
 *
 * @module
 */

/**
 * Runs reloads in order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ReloadQueue } from "./reload_queue.ts";
 * const queue = new ReloadQueue();
 * const ran: number[] = [];
 * let n = 0;
 * const reload = () => queue.ask(async () => void ran.push(++n));
 * const first = reload();
 * const second = reload();
 * assert.equal(reload(), second); // joins the one waiting
 * await Promise.all([first, second]);
 * assert.deepEqual(ran, [1, 2]);
 * ```
 */
export class ReloadQueue {
  /** The last reload started or queued; settles when it ends. */
  #last: Promise<void> | null = null;
  /** A reload queued behind the one under way, not begun. */
  #waiting: Promise<void> | null = null;

  /** Runs `reload` once the reload under way (if any) has ended; a reload already waiting is joined. */
  ask(reload: () => Promise<void>): Promise<void> {
    if (this.#waiting !== null) return this.#waiting;
    const before = this.#last;
    const self = { run: null as Promise<void> | null };
    const run = self.run = (async () => {
      await before?.catch(() => {});
      if (this.#waiting === self.run) this.#waiting = null;
      await reload();
    })();
    if (before !== null) this.#waiting = run;
    const last = run.catch(() => {}).finally(() => {
      if (this.#last === last) this.#last = null;
    });
    this.#last = last;
    return run;
  }
}
