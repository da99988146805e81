/**
 * Rule: how a worker hands a connection's bytes to the main thread, by the
 * flow rules of `lib/pool/flow.ts`: owned bytes at once (3), shared or
 * produced bytes inside the window (4), a cached body by its key (9), a file
 * region for the main thread to read (10); every byte counts as unwritten
 * until `Written` says otherwise (5).
 *
 * @module
 */

import { SendWindow, type StreamBudget } from "../lib/pool/flow.ts";
import { encodeCount, encodeRegion, type FileRegion } from "../lib/pool/frame_payloads.ts";
import { type Payload, payloadLength } from "../lib/pool/frames.ts";
import { type ToMain, ToSocket } from "../lib/pool/frame_types.ts";
import type { Outbox } from "../lib/pool/outbox.ts";
import type { KeptBodies } from "./kept_bodies.ts";

/** The writing side of one connection. */
export class SocketWrites {
  /** How many acknowledged bytes may be on their way to the client. */
  readonly window: SendWindow;
  readonly #id: number;
  readonly #outbox: Outbox<ToMain>;
  readonly #kept: KeptBodies;

  /** Writes for connection `id` through `outbox`, its window sharing `budget`. */
  constructor(id: number, outbox: Outbox<ToMain>, kept: KeptBodies, budget: StreamBudget) {
    this.#id = id;
    this.#outbox = outbox;
    this.#kept = kept;
    this.window = new SendWindow(budget);
  }

  /** Bytes the response owns (rule 3); they count as unwritten (rule 5). */
  write(bytes: Payload): void {
    const length = payloadLength(bytes);
    if (length === 0) return;
    this.window.sent(length);
    this.#outbox.push(ToSocket.Write, this.#id, bytes);
  }

  /** Bytes to be acknowledged, without waiting: a WebSocket's (its `bufferedAmount`), HTTP/2's. */
  counted(bytes: Payload): void {
    this.window.sent(payloadLength(bytes));
    this.#outbox.push(ToSocket.WriteAck, this.#id, bytes);
  }

  /** Shared or produced bytes, then a wait while the window is full (rule 4). */
  async acked(bytes: Uint8Array): Promise<void> {
    if (bytes.length === 0) return;
    this.counted(bytes);
    await this.window.room();
  }

  /** The main thread's copy of a cached body (rule 9), or the bytes of one let go of. */
  kept(body: Uint8Array): void {
    const key = this.#kept.keyOf(body);
    if (key === null) return this.write(body);
    this.window.sent(body.length);
    this.#outbox.push(ToSocket.WriteKept, this.#id, encodeCount(key));
  }

  /** A file region the main thread reads and writes (rule 10); resolves once it is out, or gone. */
  file(region: FileRegion): Promise<void> {
    const written = this.window.regionWritten();
    this.#outbox.push(ToSocket.WriteFile, this.#id, encodeRegion(region));
    return written;
  }
}
