/**
 * A WebSocket echo load generator on raw TCP, light enough not to be what is
 * measured: each connection keeps `--inflight` masked text messages of
 * `--size` bytes in flight, and an echo server's answers are counted by
 * length (each comes back as one frame of known size), with no parsing.
 * Prints one JSON line: echoes per second, p50/p99 round trip, errors.
 *
 *   deno run --allow-net bench/ws_load.ts --port 7931 --connections 64 --inflight 1 --seconds 5
 *
 * Only 127.0.0.1 is targeted; it stops by itself after the warm-up and `--seconds`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { encodeFrame, Opcode } from "../lib/websocket/frame.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    port: { type: "string" },
    connections: { type: "string", default: "64" },
    inflight: { type: "string", default: "1" },
    seconds: { type: "string", default: "5" },
    size: { type: "string", default: "32" },
    warmup: { type: "string", default: "1" },
  },
});
if (values.port === undefined) throw new Error("--port is needed");
const port = Number(values.port);
const inflight = Number(values.inflight);
const size = Number(values.size);

const payload = new TextEncoder().encode("x".repeat(size));
const clientFrame = encodeFrame(Opcode.Text, payload, { mask: new Uint8Array([1, 2, 3, 4]) });
/** Enough frames for a whole window, to send any number of them with one write. */
const window = new Uint8Array(clientFrame.length * inflight);
for (let i = 0; i < inflight; i++) window.set(clientFrame, i * clientFrame.length);
/** What the server's echo of one message takes on the wire: an unmasked header and the payload. */
const echoLength = (size < 126 ? 2 : size < 65536 ? 4 : 10) + size;
const handshake = new TextEncoder().encode(
  `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
);

const start = performance.now();
const measureFrom = start + Number(values.warmup) * 1000;
const measureTo = measureFrom + Number(values.seconds) * 1000;

/** One connection's echoes within the window, and their round trips (ms). */
async function drive(): Promise<number[]> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const roundTrips: number[] = [];
  try {
    await conn.write(handshake);
    const buffer = new Uint8Array(65536);
    let unread = await readHead(conn, buffer);
    const sentAt: number[] = [];
    const send = async (count: number) => {
      const now = performance.now();
      for (let i = 0; i < count; i++) sentAt.push(now);
      await conn.write(window.subarray(0, count * clientFrame.length));
    };
    await send(inflight);
    while (sentAt.length > 0) {
      const echoed = Math.floor(unread / echoLength);
      unread -= echoed * echoLength;
      const now = performance.now();
      for (let i = 0; i < echoed; i++) {
        const sent = sentAt.shift()!;
        if (now >= measureFrom && now < measureTo) roundTrips.push(now - sent);
      }
      if (echoed > 0 && now < measureTo) await send(echoed);
      if (sentAt.length === 0) break;
      const n = await conn.read(buffer);
      if (n === null) throw new Error("the server closed the connection");
      unread += n;
    }
    await conn.write(encodeFrame(Opcode.Close, new Uint8Array([0x03, 0xe8]), { mask: new Uint8Array(4) }));
  } finally {
    conn.close();
  }
  return roundTrips;
}

/** Reads the 101's head; returns how many bytes after it were read already. */
async function readHead(conn: Deno.Conn, buffer: Uint8Array): Promise<number> {
  let read = 0;
  for (;;) {
    const n = await conn.read(buffer.subarray(read));
    if (n === null) throw new Error("closed during the handshake");
    read += n;
    const text = new TextDecoder("latin1").decode(buffer.subarray(0, read));
    const end = text.indexOf("\r\n\r\n");
    if (end === -1) continue;
    if (!text.startsWith("HTTP/1.1 101")) throw new Error(`not upgraded: ${text.slice(0, end)}`);
    return read - end - 4;
  }
}

const results = await Promise.allSettled(Array.from({ length: Number(values.connections) }, drive));
const roundTrips = results.flatMap((r) => r.status === "fulfilled" ? r.value : []).sort((a, b) => a - b);
const at = (q: number) => roundTrips[Math.min(roundTrips.length - 1, Math.floor(q * roundTrips.length))] ?? 0;
console.log(JSON.stringify({
  echoes_per_s: Math.round(roundTrips.length / Number(values.seconds)),
  p50_ms: Number(at(0.5).toFixed(3)),
  p99_ms: Number(at(0.99).toFixed(3)),
  errors: results.filter((r) => r.status === "rejected").length,
}));
