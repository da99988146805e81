/**
 * A client's half of HTTP/2 for the core's tests: it writes frames as a
 * client would (its own HPACK encoder, so blocks follow each other) and reads
 * the server's output back into frames and fields.
 *
 * @module
 */

import { concatBytes } from "../http/bytes.ts";
import { CLIENT_PREFACE, encodeFrame, Flag, FRAME_HEADER, FrameType } from "./frame.ts";
import { HpackDecoder, HpackEncoder } from "./hpack.ts";
import { encodeSettings } from "./settings.ts";

/** A frame the server sent; `fields` for a whole field block. */
export interface ServerFrame {
  type: number;
  flags: number;
  stream: number;
  payload: Uint8Array;
  fields?: [string, string][];
}

/** A test client's encoder and decoder. */
export class TestClient {
  readonly #encoder = new HpackEncoder(4096);
  readonly #decoder = new HpackDecoder(4096);
  #pending: Uint8Array = new Uint8Array(0);
  #block: Uint8Array[] = [];

  /** The connection preface and a SETTINGS frame. */
  preface(settings: [number, number][] = []): Uint8Array {
    return concatBytes([CLIENT_PREFACE, encodeFrame(FrameType.SETTINGS, 0, 0, encodeSettings(settings))]);
  }

  /** A HEADERS frame with `fields`; by default it ends the headers and the stream. */
  headers(
    stream: number,
    fields: [string, string][],
    flags: number = Flag.END_HEADERS | Flag.END_STREAM,
  ): Uint8Array {
    return encodeFrame(FrameType.HEADERS, flags, stream, this.#encoder.encode(fields));
  }

  /** An encoded field block, to split by hand (a copy: the encoder writes its next block over its own). */
  block(fields: [string, string][]): Uint8Array {
    return this.#encoder.encode(fields).slice();
  }

  /** Reads what the server wrote so far into frames (a frame split across calls waits). */
  read(bytes: Uint8Array | readonly Uint8Array[] | null): ServerFrame[] {
    const pieces = bytes === null ? [] : bytes instanceof Uint8Array ? [bytes] : bytes;
    this.#pending = concatBytes([this.#pending, ...pieces]);
    const frames: ServerFrame[] = [];
    let at = 0;
    while (this.#pending.length - at >= FRAME_HEADER) {
      const p = this.#pending;
      const length = (p[at] << 16) | (p[at + 1] << 8) | p[at + 2];
      if (p.length - at < FRAME_HEADER + length) break;
      const stream = new DataView(p.buffer, p.byteOffset + at + 5).getUint32(0) & 0x7fffffff;
      const frame: ServerFrame = {
        type: p[at + 3],
        flags: p[at + 4],
        stream,
        payload: p.slice(at + 9, at + 9 + length),
      };
      if (frame.type === FrameType.HEADERS || frame.type === FrameType.CONTINUATION) {
        this.#block.push(frame.payload);
        if (frame.flags & Flag.END_HEADERS) {
          frame.fields = this.#decoder.decode(concatBytes(this.#block.splice(0)), 1 << 20).fields;
        }
      }
      frames.push(frame);
      at += FRAME_HEADER + length;
    }
    this.#pending = this.#pending.slice(at);
    return frames;
  }
}

/** The preface, SETTINGS and one request of `fields` on stream 1, with no body. */
export function clientBytes(fields: [string, string][]): Uint8Array {
  const client = new TestClient();
  return concatBytes([client.preface(), client.headers(1, fields)]);
}

/** The arrays one after the other. */
export const join = (...parts: Uint8Array[]): Uint8Array => concatBytes(parts);

/** A request's fields, in cleartext to authority `a`: `:method`, `:scheme`, `:path`, `:authority`. */
export function requestFields(path: string, method = "GET"): [string, string][] {
  return [[":method", method], [":scheme", "http"], [":path", path], [":authority", "a"]];
}
