/**
 * Incremental decoder for the chunked transfer coding (RFC 9112 §7.1).
 *
 * Chunk data is handed out as views of the caller's buffer, never copied.
 * Chunk extensions are checked against their grammar and then ignored, as
 * §7.1.1 asks for unknown ones; trailer fields are parsed and kept.
 *
 * @module
 */

import { CR, HEX_VALUE, HTAB, LF, SP, TOKEN } from "./bytes.ts";
import { HttpParseError } from "./errors.ts";
import type { ParserLimits } from "./limits.ts";
import { parseFieldLine } from "./request_head.ts";

/** One step of decoding. */
export type ChunkedStep =
  | { kind: "data"; data: Uint8Array; consumed: number }
  | { kind: "end"; trailers: [string, string][]; consumed: number }
  | { kind: "partial"; consumed: number };

/** Decoder states: where the next byte belongs. */
const State = { Size: 0, Data: 1, DataEnd: 2, Trailers: 3, Done: 4 } as const;
type State = typeof State[keyof typeof State];

/**
 * Decodes a chunked body one step at a time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ChunkedDecoder } from "./chunked.ts";
 * import { DEFAULT_LIMITS } from "./limits.ts";
 * const bytes = new TextEncoder().encode("3\r\nabc\r\n0\r\n\r\n");
 * const decoder = new ChunkedDecoder(DEFAULT_LIMITS);
 * let body = "";
 * for (let at = 0;;) {
 *   const step = decoder.next(bytes, at, bytes.length);
 *   at += step.consumed;
 *   if (step.kind !== "data") break;
 *   body += new TextDecoder().decode(step.data);
 * }
 * assert.equal(body, "abc");
 * ```
 */
export class ChunkedDecoder {
  readonly #limits: ParserLimits;
  #state: State = State.Size;
  #remaining = 0;
  #total = 0;
  #trailers: [string, string][] = [];
  #trailerBytes = 0;

  /** Creates a decoder that enforces `limits`. */
  constructor(limits: ParserLimits) {
    this.#limits = limits;
  }

  /**
   * Decodes from `buf[start, end)`. `consumed` says how many bytes the step
   * used; the caller drops them and calls again until `partial` or `end`.
   */
  next(buf: Uint8Array, start: number, end: number): ChunkedStep {
    let pos = start;
    for (;;) {
      switch (this.#state) {
        case State.Data: {
          if (pos === end) return { kind: "partial", consumed: pos - start };
          const n = Math.min(this.#remaining, end - pos);
          this.#remaining -= n;
          if (this.#remaining === 0) this.#state = State.DataEnd;
          return { kind: "data", data: buf.subarray(pos, pos + n), consumed: pos + n - start };
        }
        case State.Done:
          return { kind: "end", trailers: this.#trailers, consumed: pos - start };
      }
      const lf = findLineEnd(buf, pos, end);
      // The same limits hold for a line seen whole and one still arriving, so every split of an input
      // gets the same answer.
      this.#checkLine((lf === -1 ? end : lf + 1) - pos);
      if (lf === -1) return { kind: "partial", consumed: pos - start };
      const lineEnd = lf - 1;
      if (this.#state === State.Size) {
        this.#chunkSize(buf, pos, lineEnd);
      } else if (this.#state === State.DataEnd) {
        // RFC 9112 §7.1: chunk-data is followed by CRLF; anything else means the size lied.
        if (lineEnd !== pos) throw new HttpParseError("BAD_CHUNK", 400, "Chunk data longer than its size");
        this.#state = State.Size;
      } else if (lineEnd === pos) {
        this.#state = State.Done;
      } else {
        this.#trailerBytes += lf + 1 - pos;
        // RFC 9112 §7.1.2 and RFC 6585 §5: trailers count like header fields, 431 past the limits.
        if (this.#trailers.length === this.#limits.maxHeaderCount) {
          throw new HttpParseError("HEAD_TOO_LARGE", 431, "Trailer section is too large");
        }
        this.#trailers.push(parseFieldLine(buf, pos, lineEnd));
      }
      pos = lf + 1;
    }
  }

  /** Refuses a line (whole, or the part of it seen so far) longer than the limit of where it stands. */
  #checkLine(length: number): void {
    if (this.#state === State.Trailers) {
      // RFC 9112 §7.1.2 and RFC 6585 §5: trailers count like header fields, 431 past the limits.
      if (this.#trailerBytes + length > this.#limits.maxHeaderSize) {
        throw new HttpParseError("HEAD_TOO_LARGE", 431, "Trailer section is too large");
      }
    } else if (length > this.#limits.maxChunkLine) {
      // RFC 9112 §7.1.1: extensions are unbounded by the grammar; a server limits them (400 past it).
      throw new HttpParseError("BAD_CHUNK", 400, "Chunk line is too long");
    }
  }

  #chunkSize(buf: Uint8Array, start: number, end: number): void {
    let i = start;
    let size = 0;
    // RFC 9112 §7.1: recipients MUST guard against overflowing a large hex chunk-size.
    while (i < end && HEX_VALUE[buf[i]] !== 255) {
      if (i - start === 12) throw new HttpParseError("BAD_CHUNK", 400, "Chunk size is too large");
      size = size * 16 + HEX_VALUE[buf[i++]];
    }
    if (i === start) throw new HttpParseError("BAD_CHUNK", 400, "Invalid chunk size");
    checkExtensions(buf, i, end);
    // RFC 9110 §15.5.14: 413 once the chunks add up past the body limit.
    this.#total += size;
    if (this.#total > this.#limits.maxBodySize) {
      throw new HttpParseError("BODY_TOO_LARGE", 413, "Request body is too large");
    }
    this.#remaining = size;
    this.#state = size === 0 ? State.Trailers : State.Data;
  }
}

/** Returns the index of the LF ending the line at `pos`, -1 if not there yet. */
function findLineEnd(buf: Uint8Array, pos: number, end: number): number {
  const lf = buf.indexOf(LF, pos);
  if (lf === -1 || lf >= end) return -1;
  // RFC 9112 §2.2: a bare LF could be read two ways: refused.
  if (lf === pos || buf[lf - 1] !== CR) {
    throw new HttpParseError("BAD_LINE_ENDING", 400, "Line ends in a bare LF");
  }
  return lf;
}

/** RFC 9112 §7.1.1: `*( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )`; anything else is 400. */
function checkExtensions(buf: Uint8Array, start: number, end: number): void {
  const bad = () => new HttpParseError("BAD_CHUNK", 400, "Invalid chunk extension");
  const skipBws = (i: number) => {
    while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
    return i;
  };
  const token = (i: number) => {
    const from = i;
    while (i < end && TOKEN[buf[i]]) i++;
    if (i === from) throw bad();
    return i;
  };
  let i = start;
  while (i < end) {
    i = skipBws(i);
    if (buf[i] !== 0x3b) throw bad();
    i = token(skipBws(i + 1));
    const eq = skipBws(i);
    if (eq === end || buf[eq] !== 0x3d) {
      i = eq;
      continue;
    }
    i = skipBws(eq + 1);
    if (buf[i] !== 0x22) {
      i = token(i);
      continue;
    }
    for (i++;; i++) {
      if (i >= end) throw bad();
      const b = buf[i];
      if (b === 0x22) break;
      if (b === 0x5c) i++;
      else if (b < 0x20 && b !== HTAB || b === 0x7f) throw bad();
    }
    i++;
  }
}

/** The last chunk and an empty trailer section: the end of a chunked body (RFC 9112 §7.1). */
export const LAST_CHUNK: Uint8Array = new TextEncoder().encode("0\r\n\r\n");

/**
 * One chunk of a chunked body (RFC 9112 §7.1): the size in hex, CRLF, the
 * data, CRLF. Empty data makes no chunk, as an empty one would end the body.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeChunk } from "./chunked.ts";
 * assert.equal(new TextDecoder().decode(encodeChunk(new Uint8Array(26))), "1a\r\n" + "\0".repeat(26) + "\r\n");
 * assert.equal(encodeChunk(new Uint8Array(0)).length, 0);
 * ```
 */
export function encodeChunk(data: Uint8Array): Uint8Array {
  if (data.length === 0) return data;
  const size = data.length.toString(16);
  const out = new Uint8Array(size.length + data.length + 4);
  for (let i = 0; i < size.length; i++) out[i] = size.charCodeAt(i);
  out[size.length] = 0x0d;
  out[size.length + 1] = 0x0a;
  out.set(data, size.length + 2);
  out[out.length - 2] = 0x0d;
  out[out.length - 1] = 0x0a;
  return out;
}
