/**
 * A seeded fuzzer for the WebSocket core: client frames mutated at random,
 * and random bytes, fed to a WebSocketConnection whole and in random pieces.
 * Every input must give events or a WebSocketError with a close code, and the
 * same ones at any split.
 *
 * @module
 */

import { WebSocketError } from "../lib/websocket/close.ts";
import { WebSocketConnection } from "../lib/websocket/connection.ts";
import { encodeFrame, Opcode } from "../lib/websocket/frame.ts";
import { mutated, pieces, splitInvariant } from "./_fuzz.ts";

const enc = new TextEncoder();
const MASK = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
const frame = (opcode: number, payload: string | number[], fin = true) =>
  encodeFrame(opcode, typeof payload === "string" ? enc.encode(payload) : Uint8Array.from(payload), {
    fin,
    mask: MASK,
  });
const joined = (...frames: Uint8Array[]) => Uint8Array.from(frames.flatMap((f) => [...f]));

/** Client traffic to mutate: each a valid stream of masked frames. */
export const WEBSOCKET_SEEDS: Uint8Array[] = [
  frame(Opcode.Text, "Hello"),
  frame(Opcode.Binary, Array.from({ length: 200 }, (_, i) => i)),
  joined(frame(Opcode.Text, "frag", false), frame(Opcode.Ping, "p"), frame(Opcode.Continuation, "mented")),
  // "é" split between fragments.
  joined(frame(Opcode.Text, [0x63, 0x61, 0x66, 0xc3], false), frame(Opcode.Continuation, [0xa9])),
  joined(frame(Opcode.Pong, ""), frame(Opcode.Close, [0x03, 0xe8, 0x6f, 0x6b])),
  joined(frame(Opcode.Binary, [1, 2, 3], false), frame(Opcode.Continuation, [], false), frame(0, [4], true)),
  joined(frame(Opcode.Text, "a"), frame(Opcode.Text, "b"), frame(Opcode.Close, [])),
];

/** Bytes that sit on the edges of the frame format: flags, opcodes, length markers. */
const SPECIAL = [
  0x80,
  0x81,
  0x82,
  0x88,
  0x89,
  0x8a,
  0x00,
  0x01,
  0x7e,
  0x7f,
  0xfe,
  0xff,
  0xc3,
  0xed,
  0x03,
  0xe8,
];

/**
 * Feeds `bytes` to a new connection in the given pieces, then ends the
 * input. Returns a transcript of events and how it ended; any exception that
 * is not a WebSocketError escapes.
 */
export function websocketTranscript(bytes: Uint8Array, cuts: number[], maxMessageSize = 256): string[] {
  const ws = new WebSocketConnection({ maxMessageSize });
  const log: string[] = [];
  for (const piece of [...pieces(bytes, cuts), null]) {
    if (piece === null) ws.receiveEof();
    else ws.receive(piece);
    for (;;) {
      let event;
      try {
        event = ws.nextEvent();
      } catch (e) {
        if (!(e instanceof WebSocketError)) throw e;
        log.push(`error ${e.code}`);
        return log;
      }
      if (event.type === "need-data") break;
      if (event.type === "closed") return [...log, "closed"];
      if (event.type === "close") return [...log, `close ${event.code} ${event.reason}`];
      const data = event.data;
      log.push(`${event.type} ${typeof data === "string" ? JSON.stringify(data) : data.join(",")}`);
    }
  }
  return log;
}

/**
 * Runs `count` inputs from `seed`: each gives events or a close code, the
 * same whole, in random pieces, and (when short) byte by byte.
 */
export function websocketFuzz(seed: number, count: number): { inputs: number; errors: number } {
  return splitInvariant(
    seed,
    count,
    (random) => mutated(random, WEBSOCKET_SEEDS, SPECIAL),
    (bytes, cuts) => websocketTranscript(bytes, cuts),
  );
}
