import assert from "node:assert/strict";
import { WebSocketError } from "./close.ts";
import { WebSocketConnection } from "./connection.ts";
import { encodeFrame, Opcode } from "./frame.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const MASK = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
const frame = (opcode: number, payload: Uint8Array | string, fin = true) =>
  encodeFrame(opcode, typeof payload === "string" ? enc(payload) : payload, { fin, mask: MASK });
const join = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
};

/** Feeds `input` in pieces of `step` bytes (then EOF) and lists what happened, an error's code last. */
function transcript(input: Uint8Array, step = input.length, maxMessageSize = 1 << 20): string[] {
  const ws = new WebSocketConnection({ maxMessageSize });
  const seen: string[] = [];
  const pieces = [];
  for (let at = 0; at < input.length; at += step) pieces.push(input.slice(at, at + step));
  for (const piece of [...pieces, null]) {
    if (piece !== null) ws.receive(piece);
    else ws.receiveEof();
    for (;;) {
      let event;
      try {
        event = ws.nextEvent();
      } catch (e) {
        assert.ok(e instanceof WebSocketError);
        return [...seen, `fail ${e.code}`];
      }
      if (event.type === "need-data") break;
      if (event.type === "closed") return [...seen, "closed"];
      if (event.type === "message") {
        seen.push(typeof event.data === "string" ? `text ${event.data}` : `binary ${event.data.length}`);
      } else if (event.type === "close") {
        seen.push(`close ${event.code} ${event.reason}`);
      } else seen.push(`${event.type} ${new TextDecoder().decode(event.data)}`);
    }
  }
  return seen;
}

/** The transcript must be the same at every split of the input: "partial" is never an error. */
function atEverySplit(input: Uint8Array, expected: string[], maxMessageSize?: number): void {
  for (const step of [1, 2, 3, 5, 7, 64, input.length]) {
    assert.deepEqual(transcript(input, Math.max(1, step), maxMessageSize), expected, `in pieces of ${step}`);
  }
}

Deno.test("messages, fragments with a ping between them, and a close, at every split", () => {
  const input = join(
    frame(Opcode.Text, "héllo"),
    frame(Opcode.Binary, new Uint8Array(300)),
    frame(Opcode.Text, "frag", false),
    frame(Opcode.Ping, "p"),
    frame(Opcode.Continuation, "men", false),
    frame(Opcode.Continuation, "ted"),
    frame(Opcode.Binary, new Uint8Array(70_000)),
    frame(Opcode.Pong, ""),
    frame(Opcode.Close, join(new Uint8Array([0x03, 0xe8]), enc("bye"))),
    frame(Opcode.Text, "ignored after close"),
  );
  atEverySplit(input, [
    "text héllo",
    "binary 300",
    "ping p",
    "text fragmented",
    "binary 70000",
    "pong ",
    "close 1000 bye",
    "closed",
  ]);
});

Deno.test("UTF-8 split inside a character across fragments is one character; a bad byte fails with 1007 at once", () => {
  const party = enc("🎉");
  atEverySplit(
    join(frame(Opcode.Text, party.subarray(0, 2), false), frame(Opcode.Continuation, party.subarray(2))),
    ["text 🎉", "closed"],
  );
  // The bad byte is in the first fragment: the failure does not wait for the message's end.
  atEverySplit(join(frame(Opcode.Text, new Uint8Array([0x61, 0xff]), false)), ["fail 1007"]);
  atEverySplit(frame(Opcode.Text, party.subarray(0, 3)), ["fail 1007"]);
  // A byte-order mark is content, not stripped.
  assert.deepEqual(transcript(frame(Opcode.Text, "\uFEFFa")), ["text \uFEFFa", "closed"]);
});

Deno.test("protocol errors close with 1002: unmasked, reserved bits or opcodes, bad control frames, bad order", () => {
  const unmasked = encodeFrame(Opcode.Text, enc("hi"));
  const rsv = frame(Opcode.Text, "hi");
  rsv[0] |= 0x40;
  const reserved = frame(Opcode.Text, "hi");
  reserved[0] = 0x83;
  const longPing = frame(Opcode.Ping, new Uint8Array(126));
  const fragmentedPing = frame(Opcode.Ping, "x", false);
  const hugeLength = new Uint8Array([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
  for (
    const [input, why] of [
      [unmasked, "unmasked"],
      [rsv, "reserved bit"],
      [reserved, "reserved opcode"],
      [longPing, "ping over 125"],
      [fragmentedPing, "fragmented ping"],
      [hugeLength, "64-bit length with the top bit"],
      [frame(Opcode.Continuation, "x"), "continuation first"],
      [join(frame(Opcode.Text, "a", false), frame(Opcode.Text, "b")), "new message inside one"],
      [frame(Opcode.Close, new Uint8Array([0x03])), "one-byte close"],
      [frame(Opcode.Close, new Uint8Array([0x03, 0xed])), "close code 1005"],
    ] as const
  ) assert.deepEqual(transcript(input).at(-1), "fail 1002", why);
  assert.deepEqual(transcript(frame(Opcode.Close, new Uint8Array([0x03, 0xe8, 0xff]))).at(-1), "fail 1007");
});

Deno.test("a message over the limit fails with 1009, whether one frame or fragments, before it is buffered", () => {
  assert.deepEqual(transcript(frame(Opcode.Binary, new Uint8Array(101)), 1000, 100), ["fail 1009"]);
  // Only the header has arrived: the announced length alone is enough.
  assert.deepEqual(transcript(frame(Opcode.Binary, new Uint8Array(5000)).subarray(0, 8), 8, 100), [
    "fail 1009",
  ]);
  const fragments = join(
    frame(Opcode.Binary, new Uint8Array(60), false),
    frame(Opcode.Continuation, new Uint8Array(60)),
  );
  atEverySplit(fragments, ["fail 1009"], 100);
  atEverySplit(fragments, ["binary 120", "closed"], 120);
});

Deno.test("a connection that ends without a close is reported closed; frames out are unmasked and sized", () => {
  assert.deepEqual(transcript(frame(Opcode.Text, "half").subarray(0, 5)), ["closed"]);
  const ws = new WebSocketConnection({ maxMessageSize: 100 });
  assert.deepEqual([...ws.message(new Uint8Array(200))[0]], [0x82, 126, 0, 200]);
  assert.deepEqual([...ws.ping()[0]], [0x89, 0]);
  const [header, payload] = ws.close(1001, "bye");
  assert.deepEqual([...header, ...payload], [0x88, 5, 0x03, 0xe9, 0x62, 0x79, 0x65]);
  assert.equal(ws.closeSent, true);
  assert.throws(() => ws.message("late"), /nothing may follow/);
});

/** Milliseconds to read `input` in 64 KiB reads, and the messages it held; the median of 3 rounds. */
function timeReading(input: Uint8Array): [number, number] {
  const times = [];
  let messages = 0;
  for (let round = 0; round < 3; round++) {
    const ws = new WebSocketConnection({ maxMessageSize: 1 << 24 });
    const started = performance.now();
    messages = 0;
    for (let at = 0; at < input.length; at += 65536) {
      ws.receive(input.subarray(at, at + 65536));
      for (let event = ws.nextEvent(); event.type !== "need-data"; event = ws.nextEvent()) messages++;
    }
    times.push(performance.now() - started);
  }
  return [times.sort((a, b) => a - b)[1], messages];
}

Deno.test("a message in many tiny fragments costs what the same frames cost as whole messages (RFC 6455 §5.4)", () => {
  // Joining must be linear: copying the message again for each fragment made 32,768 one-byte
  // continuations of a 256 KiB fragment take 30 to 100 times as long as the same frames unjoined.
  const pieces = 32768;
  for (const opcode of [Opcode.Binary, Opcode.Text]) {
    const opening = new Uint8Array(256 * 1024).fill(0x61);
    const fragmented = join(
      frame(opcode, opening, false),
      ...Array.from({ length: pieces }, (_, i) => frame(Opcode.Continuation, "a", i === pieces - 1)),
    );
    const whole = join(frame(opcode, opening), ...Array.from({ length: pieces }, () => frame(opcode, "a")));
    assert.equal(fragmented.length, whole.length);
    timeReading(whole); // the compiler warms up first
    const [joined, one] = timeReading(fragmented);
    const [separate, many] = timeReading(whole);
    assert.deepEqual([one, many], [1, pieces + 1]);
    assert.ok(
      joined < 4 * Math.max(separate, 2),
      `opcode ${opcode}: joined ${joined.toFixed(1)} ms, as whole messages ${separate.toFixed(1)} ms`,
    );
  }
});
