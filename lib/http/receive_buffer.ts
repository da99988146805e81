/**
 * The bytes received and not yet parsed, as h11's receive buffer keeps them:
 * parsers read `bytes[start, end)` in place and say how much they consumed.
 * A read is borrowed while it can be parsed where it lies, and copied only
 * when its rest must wait for more bytes (a request split across reads).
 * Bytes once parsed are never written over (new bytes go after them, or into
 * a new array), so a view of them, such as a piece of a request body handed
 * to an app, stays valid without a copy.
 *
 * @module
 */

const EMPTY = new Uint8Array(0);

/**
 * Unparsed input of one connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ReceiveBuffer } from "./receive_buffer.ts";
 * const input = new ReceiveBuffer();
 * input.append(new TextEncoder().encode("GET"));
 * input.append(new TextEncoder().encode(" /"));
 * assert.equal(new TextDecoder().decode(input.take(3)), "GET");
 * assert.equal(input.length, 2);
 * ```
 */
export class ReceiveBuffer {
  /** The array the unparsed bytes are in, from `start` to `end`. */
  bytes: Uint8Array = EMPTY;
  start = 0;
  end = 0;
  /** `bytes` is a caller's array, not ours to append to. */
  #borrowed = false;
  /** Every byte ever appended. */
  #appended = 0;

  /** How many bytes are unparsed. */
  get length(): number {
    return this.end - this.start;
  }

  /** How many bytes have been parsed since the connection began, modulo 2³² (as a frame carries it). */
  get consumed(): number {
    return (this.#appended - this.length) >>> 0;
  }

  /** Takes bytes read from the peer. The array may be kept until it is parsed. */
  append(data: Uint8Array): void {
    if (data.length === 0) return;
    this.#appended += data.length;
    if (this.start === this.end) {
      this.bytes = data;
      this.start = 0;
      this.end = data.length;
      this.#borrowed = true;
      return;
    }
    if (this.#borrowed || this.bytes.length - this.end < data.length) {
      const held = this.end - this.start;
      const grown = new Uint8Array(Math.max(held + data.length, Math.min(2 * held, held + 65536), 1024));
      grown.set(this.bytes.subarray(this.start, this.end));
      this.bytes = grown;
      this.start = 0;
      this.end = held;
      this.#borrowed = false;
    }
    this.bytes.set(data, this.end);
    this.end += data.length;
  }

  /** The next `n` unparsed bytes, as a view; they count as parsed. */
  take(n: number): Uint8Array {
    const view = this.bytes.subarray(this.start, this.start + n);
    this.start += n;
    return view;
  }

  /**
   * Called when parsing waits for more bytes: hold nothing when all is parsed
   * (idle connections are many), and only our own bytes, not the caller's
   * whole array, when some are left.
   */
  settle(): void {
    if (this.start === this.end) {
      this.bytes = EMPTY;
      this.start = this.end = 0;
      this.#borrowed = false;
    } else if (this.#borrowed) {
      this.bytes = this.bytes.slice(this.start, this.end);
      this.end -= this.start;
      this.start = 0;
      this.#borrowed = false;
    }
  }
}
