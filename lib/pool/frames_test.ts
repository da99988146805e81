import assert from "node:assert/strict";
import { decodeCount, decodeRemoteAddr, encodeCount, encodeRemoteAddr } from "./frame_payloads.ts";
import { FrameWriter, readFrames } from "./frames.ts";
import { ToSocket, ToWorker } from "./frame_types.ts";

function frames(buffer: ArrayBuffer) {
  const out: [number, number, number[]][] = [];
  readFrames(buffer, (type, id, payload) => out.push([type, id, [...payload]]));
  return out;
}

Deno.test("frames round trip in order, payloads copied in", () => {
  const w = new FrameWriter();
  const reused = new Uint8Array([1, 2, 3]);
  w.push(ToWorker.Open, 1);
  w.push(ToWorker.Data, 1, reused);
  reused.fill(9);
  w.push(ToWorker.Data, 4_000_000_000, new Uint8Array(0));
  w.push(ToSocket.Close, 2);
  assert.deepEqual(frames(w.take()!), [
    [ToWorker.Open, 1, []],
    [ToWorker.Data, 1, [1, 2, 3]],
    [ToWorker.Data, 4_000_000_000, []],
    [ToSocket.Close, 2, []],
  ]);
});

Deno.test("take empties the writer; an empty writer gives null", () => {
  const w = new FrameWriter();
  assert.equal(w.take(), null);
  w.push(ToWorker.Eof, 3);
  assert.equal(w.isEmpty, false);
  assert.ok(w.take());
  assert.equal(w.isEmpty, true);
  assert.equal(w.take(), null);
});

Deno.test("grows past its first capacity without losing frames", () => {
  const w = new FrameWriter();
  const big = new Uint8Array(100_000).map((_, i) => i % 251);
  for (let i = 0; i < 5; i++) w.push(ToSocket.Write, i, big);
  const got = frames(w.take()!);
  assert.equal(got.length, 5);
  for (const [, , payload] of got) assert.deepEqual(payload, [...big]);
});

Deno.test("peer addresses survive the Open frame: IPv4, IPv6 and unix", () => {
  const addresses: (Deno.NetAddr | Deno.UnixAddr)[] = [
    { transport: "tcp", hostname: "127.0.0.1", port: 41000 },
    { transport: "tcp", hostname: "::1", port: 5000 },
    { transport: "unix", path: "/run/weft.sock" },
  ];
  for (const addr of addresses) assert.deepEqual(decodeRemoteAddr(encodeRemoteAddr(addr)), addr);
});

Deno.test("counts survive the whole u32 range; past it they wrap, as the End offset is compared modulo 2^32", () => {
  for (const n of [0, 1, 255, 65_536, 2 ** 31, 2 ** 32 - 1]) assert.equal(decodeCount(encodeCount(n)), n);
  assert.equal(decodeCount(encodeCount(2 ** 32 + 5)), 5);
});

Deno.test("extendLast joins bytes to the last frame of the same type and connection, under the limit only", () => {
  const w = new FrameWriter();
  w.push(ToSocket.Write, 1, new Uint8Array([1]));
  assert.equal(w.extendLast(ToSocket.Write, 1, new Uint8Array([2, 3]), 100), true);
  assert.equal(w.extendLast(ToSocket.Write, 2, new Uint8Array([4]), 100), false);
  assert.equal(w.extendLast(ToSocket.WriteAck, 1, new Uint8Array([4]), 100), false);
  assert.equal(w.extendLast(ToSocket.Write, 1, new Uint8Array(100), 100), false);
  w.push(ToSocket.End, 1);
  assert.equal(w.extendLast(ToSocket.Write, 1, new Uint8Array([5]), 100), false);
  assert.deepEqual(frames(w.take()!), [[ToSocket.Write, 1, [1, 2, 3]], [ToSocket.End, 1, []]]);
  assert.equal(new FrameWriter().extendLast(ToSocket.Write, 1, new Uint8Array(1), 100), false);
});
