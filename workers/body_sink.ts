/**
 * A request body as an app reads it: a stream with no buffer of its own
 * (high-water mark 0), so each chunk is handed over when the app asks for
 * it, and the client is read no faster than the app reads.
 *
 * @module
 */

/**
 * The stream an app's `request.body` is, fed by the worker's connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BodySink } from "./body_sink.ts";
 * const sink = new BodySink(() => {});
 * const reading = new Response(sink.stream).text();
 * sink.push(new TextEncoder().encode("hi"));
 * sink.end();
 * assert.equal(await reading, "hi");
 * ```
 */
export class BodySink {
  /** The body as the app reads it. */
  readonly stream: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #closed = false;

  /** `onPull` runs when the app reads (or cancels): time to feed it more. */
  constructor(onPull: () => void) {
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => void (this.#controller = controller),
      pull: onPull,
      cancel: () => {
        this.#closed = true;
        onPull();
      },
    }, { highWaterMark: 0 });
  }

  /** Nothing more goes into the stream (ended, failed, cancelled, or the exchange is over). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Queues `data` (received bytes are never written over, so no copy); false when the app has not asked for more. */
  push(data: Uint8Array): boolean {
    if (this.#closed) return true;
    this.#controller.enqueue(data);
    return (this.#controller.desiredSize ?? 0) > 0;
  }

  /** The body is complete. */
  end(): void {
    if (!this.#closed) this.#controller.close();
    this.#closed = true;
  }

  /** The body will not complete: the app's next read rejects with `reason`. */
  fail(reason: unknown): void {
    if (!this.#closed) this.#controller.error(reason);
    this.#closed = true;
  }

  /** The exchange is over: what still arrives of the body is read and dropped. */
  detach(): void {
    this.#closed = true;
  }
}
