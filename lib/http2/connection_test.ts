import assert from "node:assert/strict";
import { Http2Connection } from "./connection.ts";
import type { Http2Event } from "./events.ts";
import { encodeFrame, ErrorCode, Flag, FrameType, Setting, words } from "./frame.ts";
import { join, type ServerFrame, TestClient } from "./_test_utils.ts";

const enc = new TextEncoder();
const GET: [string, string][] = [[":method", "GET"], [":scheme", "https"], [":path", "/a?b=1"], [
  ":authority",
  "x",
]];
const POST = (length: number): [string, string][] => [
  [":method", "POST"],
  [":scheme", "https"],
  [":path", "/up"],
  [":authority", "x"],
  ["content-length", String(length)],
];

/** Everything that happens for `pieces` fed one after another: events (without need-data) and the frames sent. */
function run(pieces: Uint8Array[], conn = new Http2Connection(), client = new TestClient()) {
  const events: Http2Event[] = [];
  for (const piece of pieces) {
    conn.receive(piece);
    for (let e = conn.nextEvent(); e.type !== "need-data" && e.type !== "closed"; e = conn.nextEvent()) {
      events.push(e);
    }
  }
  return { events, frames: client.read(conn.takeOutput()), conn, client };
}

/** The event list without the views' identity: data as text. */
function summary(events: Http2Event[]): unknown[] {
  return events.map((e) => e.type === "data" ? { ...e, data: new TextDecoder().decode(e.data) } : e);
}

function goaway(frames: ServerFrame[]): { code: number; reason: string } | undefined {
  const frame = frames.find((f) => f.type === FrameType.GOAWAY);
  if (frame === undefined) return undefined;
  const code = new DataView(frame.payload.buffer).getUint32(4);
  return { code, reason: new TextDecoder().decode(frame.payload.subarray(8)) };
}

function resets(frames: ServerFrame[]): [number, number][] {
  return frames.filter((f) => f.type === FrameType.RST_STREAM)
    .map((f) => [f.stream, new DataView(f.payload.buffer).getUint32(0)]);
}

/** A connection with GET requests open on streams 1 and 3, and the server's SETTINGS already read. */
function twoRequests(): { conn: Http2Connection; client: TestClient } {
  const client = new TestClient();
  const { conn } = run(
    [join(client.preface(), client.headers(1, GET), client.headers(3, GET))],
    undefined,
    client,
  );
  client.read(conn.takeOutput());
  return { conn, client };
}

/** A request with a body in two DATA frames, a PING and a second request: the client's side of a session. */
function session(): Uint8Array {
  const client = new TestClient();
  return join(
    client.preface([[Setting.INITIAL_WINDOW_SIZE, 100_000]]),
    client.headers(1, POST(11), Flag.END_HEADERS),
    encodeFrame(FrameType.DATA, 0, 1, enc.encode("hello ")),
    encodeFrame(FrameType.PING, 0, 0, enc.encode("12345678")),
    encodeFrame(
      FrameType.DATA,
      Flag.END_STREAM | Flag.PADDED,
      1,
      Uint8Array.of(3, ...enc.encode("world"), 0, 0, 0),
    ),
    client.headers(3, GET),
  );
}

Deno.test("http2: the same events and output at every split of a session, and byte by byte", () => {
  const bytes = session();
  const whole = run([bytes]);
  assert.deepEqual(summary(whole.events).map((e) => (e as { type: string }).type), [
    "request",
    "data",
    "data",
    "end",
    "request",
    "end",
  ]);
  const first = whole.events[0];
  assert.ok(
    first.type === "request" && first.request.method === "POST" && first.request.contentLength === 11,
  );
  assert.deepEqual(whole.frames.map((f) => [f.type, f.flags]), [
    [FrameType.SETTINGS, 0],
    [FrameType.WINDOW_UPDATE, 0],
    [FrameType.SETTINGS, Flag.ACK],
    [FrameType.PING, Flag.ACK],
  ]);
  for (let cut = 1; cut < bytes.length; cut++) {
    const split = run([bytes.subarray(0, cut), bytes.subarray(cut)]);
    assert.deepEqual(
      summary(split.events).filter((e) => (e as { type: string }).type !== "data"),
      summary(whole.events).filter((e) => (e as { type: string }).type !== "data"),
      `cut at ${cut}`,
    );
    assert.equal(
      split.events.filter((e) => e.type === "data").map((e) =>
        e.type === "data" && new TextDecoder().decode(e.data)
      )
        .join(""),
      "hello world",
    );
    assert.deepEqual(split.frames.map((f) => f.type), whole.frames.map((f) => f.type), `cut at ${cut}`);
  }
  const byteByByte = run([...bytes].map((b) => Uint8Array.of(b)));
  assert.equal(byteByByte.events.filter((e) => e.type === "request").length, 2);
});

Deno.test("http2: a response is HEADERS, DATA within the windows and the end on the last; trailers end it too", () => {
  const { conn, client } = twoRequests();
  conn.respond(1, 200, [["Content-Type", "text/plain"], ["Connection", "close"]]);
  conn.send(1, enc.encode("hi"));
  conn.end(1);
  conn.respond(3, 204, [], true);
  const frames = client.read(conn.takeOutput());
  assert.deepEqual(frames.map((f) => [f.type, f.stream, f.flags]), [
    [FrameType.HEADERS, 1, Flag.END_HEADERS],
    // The end rides on the last DATA frame when nothing came after it.
    [FrameType.DATA, 1, Flag.END_STREAM],
    [FrameType.HEADERS, 3, Flag.END_HEADERS | Flag.END_STREAM],
  ]);
  assert.deepEqual(
    frames[0].fields,
    [[":status", "200"], ["content-type", "text/plain"]],
    "Connection dropped",
  );
  assert.equal(conn.openStreams, 0);
  const again = run([client.headers(5, GET)], conn, client);
  conn.respond(5, 200, []);
  conn.end(5, [["x-checksum", "abc"]]);
  const trailers = client.read(conn.takeOutput()).at(-1)!;
  assert.deepEqual([trailers.type, trailers.flags, trailers.fields], [
    FrameType.HEADERS,
    Flag.END_HEADERS | Flag.END_STREAM,
    [["x-checksum", "abc"]],
  ]);
  assert.equal(again.events[0].type, "request");
});

Deno.test("http2: a turn's small frames past the first buffer's size all come out whole and in order", () => {
  const client = new TestClient();
  const pings = Array.from(
    { length: 2000 },
    (_, i) => encodeFrame(FrameType.PING, 0, 0, words([i, ~i >>> 0])),
  );
  const { frames } = run([join(client.preface(), ...pings)], undefined, client);
  const acks = frames.filter((f) => f.type === FrameType.PING);
  assert.equal(acks.length, 2000);
  acks.forEach((f, i) => assert.deepEqual(f.payload, words([i, ~i >>> 0]), `PING ${i}`));
});

Deno.test("http2: large field blocks of two responses in one turn both arrive whole", () => {
  const { conn, client } = twoRequests();
  // Set-Cookie is never indexed: each block carries its value, over the size a frame's payload is copied below.
  conn.respond(1, 200, [["set-cookie", "a".repeat(3000)]], true);
  conn.respond(3, 200, [["set-cookie", "b".repeat(3000)]], true);
  const blocks = client.read(conn.takeOutput()).filter((f) => f.fields !== undefined);
  assert.deepEqual(blocks.map((f) => [f.stream, f.fields]), [
    [1, [[":status", "200"], ["set-cookie", "a".repeat(3000)]]],
    [3, [[":status", "200"], ["set-cookie", "b".repeat(3000)]]],
  ]);
});

Deno.test("http2: the end goes on its own frame when another frame came after the stream's last DATA", () => {
  const { conn, client } = twoRequests();
  conn.respond(1, 200, []);
  conn.send(1, enc.encode("one"));
  conn.respond(3, 200, []);
  conn.end(1);
  conn.send(3, enc.encode("three"));
  const taken = client.read(conn.takeOutput());
  // Once taken, the last DATA is written: the end cannot join it.
  conn.end(3);
  const frames = [...taken, ...client.read(conn.takeOutput())];
  assert.deepEqual(frames.map((f) => [f.type, f.stream, f.flags, f.payload.length]), [
    [FrameType.HEADERS, 1, Flag.END_HEADERS, 1],
    [FrameType.DATA, 1, 0, 3],
    [FrameType.HEADERS, 3, Flag.END_HEADERS, 1],
    [FrameType.DATA, 1, Flag.END_STREAM, 0],
    [FrameType.DATA, 3, 0, 5],
    [FrameType.DATA, 3, Flag.END_STREAM, 0],
  ]);
});

Deno.test("http2: a 100 Continue is a field block of its own before the response, and never ends the stream", () => {
  const client = new TestClient();
  const { conn } = run(
    [join(client.preface(), client.headers(1, POST(2), Flag.END_HEADERS))],
    undefined,
    client,
  );
  client.read(conn.takeOutput());
  conn.respond(1, 100, [], true);
  assert.equal(conn.openStreams, 1);
  const body = run([encodeFrame(FrameType.DATA, Flag.END_STREAM, 1, enc.encode("hi"))], conn, client);
  assert.deepEqual(body.events.map((e) => e.type), ["data", "end"]);
  conn.respond(1, 204, [], true);
  const frames = [...body.frames, ...client.read(conn.takeOutput())].filter((f) =>
    f.type === FrameType.HEADERS
  );
  assert.deepEqual(frames.map((f) => [f.fields?.[0][1], f.flags]), [
    ["100", Flag.END_HEADERS],
    ["204", Flag.END_HEADERS | Flag.END_STREAM],
  ]);
  assert.equal(conn.openStreams, 0);
});

Deno.test("http2: flow control holds data to the windows, WINDOW_UPDATE lets it go, drained says so", () => {
  const client = new TestClient();
  const { conn } = run(
    [join(client.preface([[Setting.INITIAL_WINDOW_SIZE, 1000]]), client.headers(1, GET))],
    undefined,
    client,
  );
  client.read(conn.takeOutput());
  conn.respond(1, 200, []);
  conn.send(1, new Uint8Array(2500));
  conn.end(1);
  const sent = () => client.read(conn.takeOutput()).filter((f) => f.type === FrameType.DATA);
  assert.deepEqual(sent().map((f) => f.payload.length), [1000]);
  assert.equal(conn.sending(1)?.queued, 1500);
  const more = run([encodeFrame(FrameType.WINDOW_UPDATE, 0, 1, words([1000]))], conn, client);
  assert.deepEqual(more.frames.filter((f) => f.type === FrameType.DATA).map((f) => f.payload.length), [1000]);
  // §6.9.2: raising the initial window moves the open stream's window too.
  const raised = run(
    [encodeFrame(FrameType.SETTINGS, 0, 0, Uint8Array.of(0, 4, 0, 0, 0x27, 0x10))],
    conn,
    client,
  );
  const last = raised.frames.filter((f) => f.type === FrameType.DATA);
  assert.deepEqual(last.map((f) => [f.payload.length, f.flags]), [[500, Flag.END_STREAM]]);
  assert.deepEqual(raised.events, [{ type: "drained", stream: 1 }]);
  assert.equal(conn.openStreams, 0);
});

Deno.test("http2: a producer waiting on a shut window with nothing queued is told once the window opens", () => {
  const client = new TestClient();
  const { conn } = run(
    [join(client.preface([[Setting.INITIAL_WINDOW_SIZE, 0]]), client.headers(1, GET))],
    undefined,
    client,
  );
  conn.respond(1, 200, []);
  assert.deepEqual(conn.sending(1), { open: true, queued: 0, window: 0, ended: false });
  conn.awaitRoom(1);
  // A WINDOW_UPDATE for the connection alone leaves the stream's window shut: no word yet.
  const connectionOnly = run([encodeFrame(FrameType.WINDOW_UPDATE, 0, 0, words([1000]))], conn, client);
  assert.deepEqual(connectionOnly.events, []);
  const opened = run([encodeFrame(FrameType.WINDOW_UPDATE, 0, 1, words([500]))], conn, client);
  assert.deepEqual(opened.events, [{ type: "drained", stream: 1 }]);
  assert.equal(conn.sending(1)?.window, 500);
  // Told once: a later opening with no new wait says nothing.
  const again = run([encodeFrame(FrameType.WINDOW_UPDATE, 0, 1, words([500]))], conn, client);
  assert.deepEqual(again.events, []);
});

Deno.test("http2: the reader's consumption is credited with WINDOW_UPDATE once half a window gathered", () => {
  const client = new TestClient();
  const { conn } = run(
    [join(client.preface(), client.headers(1, POST(40000), Flag.END_HEADERS))],
    undefined,
    client,
  );
  client.read(conn.takeOutput());
  run([
    encodeFrame(FrameType.DATA, 0, 1, new Uint8Array(16384)),
    encodeFrame(FrameType.DATA, 0, 1, new Uint8Array(16384)),
  ], conn);
  conn.consumed(1, 16384);
  assert.deepEqual(client.read(conn.takeOutput()), []);
  conn.consumed(1, 16384);
  const update = client.read(conn.takeOutput());
  assert.deepEqual(update.map((f) => [f.type, f.stream, [...f.payload]]), [[FrameType.WINDOW_UPDATE, 1, [
    0,
    0,
    0x80,
    0,
  ]]]);
});

const refusals: [string, (c: TestClient) => Uint8Array[], number, "goaway" | "rst"][] = [
  [
    "a preface that is not HTTP/2's",
    () => [enc.encode("GET / HTTP/1.1\r\n\r\n")],
    ErrorCode.PROTOCOL_ERROR,
    "goaway",
  ],
  [
    "a first frame that is not SETTINGS",
    (c) => [c.preface().subarray(0, 24), encodeFrame(FrameType.PING, 0, 0, new Uint8Array(8))],
    ErrorCode.PROTOCOL_ERROR,
    "goaway",
  ],
  ["an even stream id", (c) => [c.preface(), c.headers(2, GET)], ErrorCode.PROTOCOL_ERROR, "goaway"],
  [
    "a stream id below the last",
    (c) => [c.preface(), c.headers(5, GET), c.headers(3, GET)],
    ErrorCode.PROTOCOL_ERROR,
    "goaway",
  ],
  [
    "HEADERS on a closed stream",
    (
      c,
    ) => [
      c.preface(),
      c.headers(1, GET),
      encodeFrame(FrameType.RST_STREAM, 0, 1, words([8])),
      c.headers(1, GET),
    ],
    ErrorCode.STREAM_CLOSED,
    "goaway",
  ],
  [
    "DATA on an idle stream",
    (c) => [c.preface(), encodeFrame(FrameType.DATA, 0, 1, new Uint8Array(1))],
    ErrorCode.PROTOCOL_ERROR,
    "goaway",
  ],
  [
    "DATA beyond the stream's window",
    (c) => [
      c.preface(),
      c.headers(1, POST(70000), Flag.END_HEADERS),
      ...[0, 1, 2, 3, 4].map(() => encodeFrame(FrameType.DATA, 0, 1, new Uint8Array(16000))),
    ],
    ErrorCode.FLOW_CONTROL_ERROR,
    "rst",
  ],
  [
    "a frame above the maximum size",
    (c) => [c.preface(), encodeFrame(FrameType.DATA, 0, 1, new Uint8Array(16385))],
    ErrorCode.FRAME_SIZE_ERROR,
    "goaway",
  ],
  [
    "a frame between HEADERS and CONTINUATION",
    (
      c,
    ) => [
      c.preface(),
      encodeFrame(FrameType.HEADERS, 0, 1, c.block(GET)),
      encodeFrame(FrameType.PING, 0, 0, new Uint8Array(8)),
    ],
    ErrorCode.PROTOCOL_ERROR,
    "goaway",
  ],
  [
    "CONTINUATION with no HEADERS",
    (c) => [c.preface(), encodeFrame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, c.block(GET))],
    ErrorCode.PROTOCOL_ERROR,
    "goaway",
  ],
  [
    "PUSH_PROMISE from a client",
    (c) => [c.preface(), encodeFrame(FrameType.PUSH_PROMISE, 0, 1, new Uint8Array(4))],
    ErrorCode.PROTOCOL_ERROR,
    "goaway",
  ],
  [
    "a PING not 8 bytes long",
    (c) => [c.preface(), encodeFrame(FrameType.PING, 0, 0, new Uint8Array(7))],
    ErrorCode.FRAME_SIZE_ERROR,
    "goaway",
  ],
  [
    "a WINDOW_UPDATE of 0 on the connection",
    (c) => [c.preface(), encodeFrame(FrameType.WINDOW_UPDATE, 0, 0, words([0]))],
    ErrorCode.PROTOCOL_ERROR,
    "goaway",
  ],
  [
    "a WINDOW_UPDATE of 0 on a stream",
    (c) => [c.preface(), c.headers(1, GET), encodeFrame(FrameType.WINDOW_UPDATE, 0, 1, words([0]))],
    ErrorCode.PROTOCOL_ERROR,
    "rst",
  ],
  [
    "a connection window past 2^31-1",
    (c) => [c.preface(), encodeFrame(FrameType.WINDOW_UPDATE, 0, 0, words([2 ** 31 - 1]))],
    ErrorCode.FLOW_CONTROL_ERROR,
    "goaway",
  ],
  [
    "a field block HPACK cannot read",
    (c) => [c.preface(), encodeFrame(FrameType.HEADERS, Flag.END_HEADERS, 1, Uint8Array.of(0xff, 0xff))],
    ErrorCode.COMPRESSION_ERROR,
    "goaway",
  ],
  [
    "a SETTINGS of odd length",
    (c) => [c.preface(), encodeFrame(FrameType.SETTINGS, 0, 0, new Uint8Array(5))],
    ErrorCode.FRAME_SIZE_ERROR,
    "goaway",
  ],
  [
    "an upper-case field name",
    (c) => [c.preface(), c.headers(1, [...GET, ["X-Up", "1"]])],
    ErrorCode.PROTOCOL_ERROR,
    "rst",
  ],
  [
    "a connection-specific field",
    (c) => [c.preface(), c.headers(1, [...GET, ["connection", "keep-alive"]])],
    ErrorCode.PROTOCOL_ERROR,
    "rst",
  ],
  [
    "TE other than trailers",
    (c) => [c.preface(), c.headers(1, [...GET, ["te", "gzip"]])],
    ErrorCode.PROTOCOL_ERROR,
    "rst",
  ],
  [
    "no :path",
    (c) => [c.preface(), c.headers(1, GET.filter(([n]) => n !== ":path"))],
    ErrorCode.PROTOCOL_ERROR,
    "rst",
  ],
  [
    "a pseudo-field after a field",
    (c) => [c.preface(), c.headers(1, [["accept", "*/*"], ...GET])],
    ErrorCode.PROTOCOL_ERROR,
    "rst",
  ],
  [
    "less DATA than Content-Length",
    (
      c,
    ) => [
      c.preface(),
      c.headers(1, POST(5), Flag.END_HEADERS),
      encodeFrame(FrameType.DATA, Flag.END_STREAM, 1, new Uint8Array(4)),
    ],
    ErrorCode.PROTOCOL_ERROR,
    "rst",
  ],
  [
    "a stream that depends on itself",
    (c) => [c.preface(), encodeFrame(FrameType.PRIORITY, 0, 1, Uint8Array.of(0, 0, 0, 1, 16))],
    ErrorCode.PROTOCOL_ERROR,
    "rst",
  ],
];

for (const [what, bytes, code, how] of refusals) {
  Deno.test(`http2: ${what} gets ${how === "goaway" ? "GOAWAY" : "RST_STREAM"} with code ${code}`, () => {
    const client = new TestClient();
    const { frames, events } = run(bytes(client), undefined, client);
    if (how === "goaway") {
      assert.equal(goaway(frames)?.code, code, JSON.stringify(goaway(frames)));
      assert.match(goaway(frames)!.reason, /RFC|field block/);
      assert.equal(events.at(-1)?.type, "error");
    } else {
      assert.equal(goaway(frames), undefined, JSON.stringify(goaway(frames)));
      assert.equal(resets(frames).at(-1)?.[1], code);
    }
  });
}

Deno.test("http2: streams above the limit are refused; a field section above it gets 431", () => {
  const client = new TestClient();
  const { frames, events } = run(
    [client.preface(), client.headers(1, GET, Flag.END_HEADERS), client.headers(3, GET, Flag.END_HEADERS)],
    new Http2Connection({ maxConcurrentStreams: 1 }),
    client,
  );
  assert.deepEqual(resets(frames), [[3, ErrorCode.REFUSED_STREAM]]);
  assert.deepEqual(events.map((e) => e.type), ["request"]);
  const other = new TestClient();
  const large = run(
    [other.preface(), other.headers(1, [...GET, ["x-big", "a".repeat(300)]]), other.headers(3, GET)],
    new Http2Connection({ maxHeaderListSize: 300 }),
    other,
  );
  const big = large.frames.find((f) => f.stream === 1)!;
  assert.deepEqual([big.fields, big.flags & Flag.END_STREAM], [[[":status", "431"]], Flag.END_STREAM]);
  assert.deepEqual(
    large.events.map((e) => e.type === "request" && e.stream),
    [3, false],
    "HPACK stayed in step",
  );
});

Deno.test("http2: a client's RST_STREAM is a reset event; after our GOAWAY, new streams are refused", () => {
  const client = new TestClient();
  const { events, conn } = run(
    [client.preface(), client.headers(1, GET, Flag.END_HEADERS), client.headers(3, GET)],
    undefined,
    client,
  );
  client.read(conn.takeOutput());
  const reset = run([encodeFrame(FrameType.RST_STREAM, 0, 1, words([ErrorCode.CANCEL]))], conn, client);
  assert.deepEqual(reset.events.map((e) => e.type), ["reset"]);
  conn.goAway();
  const after = run([client.headers(5, GET)], conn, client);
  assert.equal(goaway(after.frames)?.code, ErrorCode.NO_ERROR);
  assert.deepEqual(resets(after.frames), [[5, ErrorCode.REFUSED_STREAM]]);
  assert.equal(conn.done, false, "stream 3 is still open");
  conn.respond(3, 200, [], true);
  assert.equal(conn.done, true);
  assert.equal(events.length, 3);
});
