/**
 * A seeded fuzzer for the HTTP/2 core: client sessions mutated at random, and
 * random bytes, fed to an Http2Connection whole and in random pieces, each
 * request answered. Every input must give events, or GOAWAY with an error
 * code, and the same events and output at any split.
 *
 * @module
 */

import { Http2Connection } from "../lib/http2/connection.ts";
import { encodeFrame, Flag, FrameType, words } from "../lib/http2/frame.ts";
import { join, requestFields, TestClient } from "../lib/http2/_test_utils.ts";
import { payloadLength } from "../lib/pool/frames.ts";
import { mutated, pieces, splitInvariant } from "./_fuzz.ts";

const enc = new TextEncoder();
const GET: [string, string][] = [[":method", "GET"], [":scheme", "https"], [":path", "/"], [
  ":authority",
  "a",
]];

function seeds(): Uint8Array[] {
  const make = (build: (c: TestClient) => Uint8Array[]) => {
    const client = new TestClient();
    return join(client.preface([[0x4, 70000]]), ...build(client));
  };
  const post = requestFields("/p", "POST");
  return [
    make((c) => [c.headers(1, GET)]),
    make((c) => [c.headers(1, [...GET, ["cookie", "a=1"], ["cookie", "b=2"]]), c.headers(3, GET)]),
    make((c) => [
      c.headers(1, [...post, ["content-length", "5"]], Flag.END_HEADERS),
      encodeFrame(FrameType.DATA, Flag.END_STREAM, 1, enc.encode("hello")),
    ]),
    make((c) => {
      const block = c.block([...GET, ["x-long", "y".repeat(40)]]);
      return [
        encodeFrame(FrameType.HEADERS, 0, 1, block.subarray(0, 10)),
        encodeFrame(FrameType.CONTINUATION, Flag.END_HEADERS | Flag.END_STREAM, 1, block.subarray(10)),
      ];
    }),
    make((c) => [
      encodeFrame(FrameType.PING, 0, 0, enc.encode("pingping")),
      encodeFrame(FrameType.WINDOW_UPDATE, 0, 0, words([1000])),
      c.headers(1, post, Flag.END_HEADERS),
      encodeFrame(FrameType.DATA, Flag.PADDED, 1, Uint8Array.of(2, 65, 66, 0, 0)),
      encodeFrame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, c.block([["x-trailer", "1"]])),
      encodeFrame(FrameType.RST_STREAM, 0, 1, words([8])),
      encodeFrame(FrameType.PRIORITY, 0, 3, Uint8Array.of(0, 0, 0, 1, 9)),
      encodeFrame(FrameType.GOAWAY, 0, 0, words([0, 0])),
    ]),
  ];
}

const SEEDS = seeds();
/** Bytes that sit on the edges of the frame format: types, flags, lengths, HPACK prefixes. */
const SPECIAL = [0x00, 0x01, 0x04, 0x05, 0x08, 0x09, 0x20, 0x3f, 0x40, 0x7f, 0x80, 0x82, 0xbe, 0xff];

/**
 * Feeds `bytes` to a new connection in the given pieces, answering each request whole, then ends the input.
 * Returns a transcript of events and of the output's length; any exception that is not the core's escapes.
 */
export function http2Transcript(bytes: Uint8Array, cuts: number[]): string[] {
  const conn = new Http2Connection({ maxHeaderListSize: 400 });
  const log: string[] = [];
  let written = 0;
  for (const piece of [...pieces(bytes, cuts), null]) {
    if (piece === null) conn.receiveEof();
    else conn.receive(piece);
    for (let event = conn.nextEvent(); event.type !== "need-data"; event = conn.nextEvent()) {
      if (event.type === "closed") {
        return [...log, "closed", `wrote ${written + payloadLength(conn.takeOutput() ?? [])}`];
      }
      if (event.type === "error") return [...log, `error ${event.error.code}`];
      log.push(JSON.stringify(event, (_, v) => v instanceof Uint8Array ? [...v].join(",") : v));
      if (event.type === "end") {
        conn.respond(event.stream, 200, [["content-type", "text/plain"]]);
        conn.send(event.stream, enc.encode("ok"));
        conn.end(event.stream);
      }
    }
    written += payloadLength(conn.takeOutput() ?? []);
  }
  return [...log, `wrote ${written}`];
}

/** Runs `count` inputs from `seed`: each the same whole, in random pieces and (when short) byte by byte. */
export function http2Fuzz(seed: number, count: number): { inputs: number; errors: number } {
  return splitInvariant(seed, count, (random) => mutated(random, SEEDS, SPECIAL), http2Transcript);
}
