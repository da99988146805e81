/**
 * Rule: a stream's producer (a file region, a cached body, an app's stream)
 * goes on only when what it gave is out and the client's window has room; it
 * waits here, giving its in-flight place back meanwhile, until the core says
 * the stream drained, the stream ends or the connection goes. Waits on the
 * socket (the main thread's send window) are shared by all the streams,
 * since the window wakes one waiter at a time.
 *
 * @module
 */

/**
 * The producers waiting on one connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProducerWaits } from "./producer_waits.ts";
 * const waits = new ProducerWaits(() => Promise.resolve());
 * const parked: boolean[] = [];
 * const waiting = waits.forWindow(1, { park: (yes) => parked.push(yes) });
 * assert.deepEqual(parked, [true]);
 * waits.wake(1);
 * await waiting;
 * assert.deepEqual(parked, [true, false]);
 * ```
 */
export class ProducerWaits {
  readonly #socketRoom: () => Promise<void>;
  readonly #waiting = new Map<number, () => void>();
  #sharedRoom: Promise<void> | null = null;

  /** Waits whose socket room comes from `socketRoom` (the connection's send window). */
  constructor(socketRoom: () => Promise<void>) {
    this.#socketRoom = socketRoom;
  }

  /** Resolves once `stream` is woken; its exchange gives its place back meanwhile (CVE-2019-9517). */
  async forWindow(stream: number, exchange: { park(waiting: boolean): void } | undefined): Promise<void> {
    exchange?.park(true);
    await new Promise<void>((wake) => this.#waiting.set(stream, wake));
    exchange?.park(false);
  }

  /** Resolves once the socket has room; the streams share one wait. */
  forSocket(): Promise<void> {
    return this.#sharedRoom ??= this.#socketRoom().finally(() => (this.#sharedRoom = null));
  }

  /** `stream` drained, or ended: its producer goes on. */
  wake(stream: number): void {
    this.#waiting.get(stream)?.();
    this.#waiting.delete(stream);
  }

  /** The connection is gone: every producer goes on (and finds its stream gone). */
  wakeAll(): void {
    for (const stream of [...this.#waiting.keys()]) this.wake(stream);
  }
}
