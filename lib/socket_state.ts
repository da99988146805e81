/**
 * Rule: what a client's socket is doing, as the main thread sees it without
 * parsing HTTP, and what its worker's load (`pool/balance.ts`) counts of it:
 * a request waiting for its answer, and whether it is slow (enough of its
 * last answers were), with how long its last slow handler held the thread.
 * Each count is taken back from the load it was put on, whichever worker
 * holds the connection by then.
 *
 * ```text
 * idle ── bytes read ──▶ waiting ── the worker's first bytes ──▶ answering ── End ──▶ idle
 *                           ▲                                                  │
 *                           └───────────── End, and more was read ─────────────┘
 * Upgraded ──▶ pinned: no longer HTTP, it never moves
 * ```
 *
 * @module
 */

import { RECENT_ANSWERS, SLOW_ANSWERS, type WorkerLoad } from "./pool/balance.ts";

/** What a socket's requests are doing. */
export type RequestPhase = "idle" | "waiting" | "answering" | "pinned";

/**
 * One socket's phase, counted on its worker's load.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WorkerLoad } from "./pool/balance.ts";
 * import { SocketState } from "./socket_state.ts";
 * const load = new WorkerLoad();
 * const state = new SocketState(7, () => load);
 * state.read();
 * assert.deepEqual([state.phase, load.waiting], ["waiting", 1]);
 * state.answering();
 * state.slow(30);
 * state.ended(false);
 * assert.deepEqual([state.phase, load.waiting, load.burden(0)], ["idle", 0, 0]); // once is not enough
 * state.slow(25);
 * state.ended(false);
 * assert.equal(load.burden(0), 25); // two of the last four: slow, as long as its last
 * state.ended(false);
 * state.ended(false);
 * assert.equal(load.burden(0), 25);
 * state.ended(false); // the slow ones are five and four answers back now
 * assert.equal(load.burden(0), 0);
 * state.slow(12);
 * state.ended(false);
 * state.slow(12);
 * state.ended(false);
 * state.left();
 * assert.equal(load.burden(0), 0);
 * ```
 */
export class SocketState {
  #phase: RequestPhase = "idle";
  readonly #id: number;
  readonly #loadNow: () => WorkerLoad | undefined;
  /** The load its waiting request is counted on, if one is. */
  #waitingOn: WorkerLoad | undefined;
  /** The load it is counted slow on, if it is. */
  #slowOn: WorkerLoad | undefined;
  /** How long (ms) the handler of the answer under way held the thread, if the worker said so (`Slow`). */
  #slowAnswer = 0;
  /** How long (ms) its last slow handler held the thread. */
  #heldMs = 0;
  /** Which of its last answers were slow, one bit each, the latest lowest. */
  #recent = 0;

  /** The state of connection `id`; `loadNow` gives its worker's load (none once it has no worker). */
  constructor(id: number, loadNow: () => WorkerLoad | undefined) {
    this.#id = id;
    this.#loadNow = loadNow;
  }

  /** Where its requests are. */
  get phase(): RequestPhase {
    return this.#phase;
  }

  /** Bytes were read: a request begins, unless one is under way. */
  read(): void {
    if (this.#phase === "idle") this.#become("waiting");
  }

  /** The worker sent bytes of an answer. */
  answering(): void {
    if (this.#phase !== "pinned") this.#become("answering");
  }

  /** The worker says the answer under way came from a handler that held its thread `ms` (`pool/balance.ts`). */
  slow(ms: number): void {
    this.#slowAnswer = ms;
  }

  /** The worker ended an answer; `moreRead`: bytes past it were read, so a pipelined request waits. */
  ended(moreRead: boolean): void {
    this.#become(moreRead ? "waiting" : "idle");
    this.#recent = (this.#recent << 1 | (this.#slowAnswer > 0 ? 1 : 0)) & (2 ** RECENT_ANSWERS - 1);
    if (this.#slowAnswer > 0) this.#heldMs = this.#slowAnswer;
    this.#slowAnswer = 0;
    this.#slowOn?.forget(this.#id);
    // Counted where it is now: a connection that moved while slow is slow on its new worker.
    this.#slowOn = slowAnswers(this.#recent) >= SLOW_ANSWERS ? this.#loadNow() : undefined;
    this.#slowOn?.slow(this.#id, this.#heldMs);
  }

  /** The connection is no longer HTTP (a WebSocket). */
  pin(): void {
    this.#become("pinned");
  }

  /** It leaves its worker (moved between requests, or closed): it burdens that worker no more. */
  left(): void {
    if (this.#phase === "waiting") this.#become("idle");
    this.#slowOn?.forget(this.#id);
    this.#slowOn = undefined;
  }

  #become(next: RequestPhase): void {
    if (this.#phase === "waiting" && next !== "waiting" && this.#waitingOn !== undefined) {
      this.#waitingOn.waiting--;
      this.#waitingOn = undefined;
    } else if (this.#phase !== "waiting" && next === "waiting") {
      this.#waitingOn = this.#loadNow();
      if (this.#waitingOn !== undefined) this.#waitingOn.waiting++;
    }
    this.#phase = next;
  }
}

/** How many answers `recent` marks slow. */
function slowAnswers(recent: number): number {
  let count = 0;
  for (let bits = recent; bits !== 0; bits &= bits - 1) count++;
  return count;
}
