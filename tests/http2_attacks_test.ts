// The known HTTP/2 attacks, each over TCP from a raw client: the attacking connection gets the answer the limit
// gives (GOAWAY ENHANCE_YOUR_CALM, 431, RST_STREAM), and the server goes on answering another client.
import assert from "node:assert/strict";
import { encodeFrame, ErrorCode, Flag, FrameType, Setting, words } from "../lib/http2/frame.ts";
import { join, requestFields, type ServerFrame, TestClient } from "../lib/http2/_test_utils.ts";
import {
  continuationFlood,
  emptyData,
  pingFlood,
  rapidReset,
  settingsFlood,
  shutWindow,
} from "./_http2_attacks.ts";
import { http2Frames, serverTest, type TestServer } from "./_helpers.ts";

const FILES = { "index.html": "<h1>home</h1>", "big.bin": new Uint8Array(2_000_000) };

/** Sends `bytes` as a client, then reads frames until `done` says so (or the server closes); 10 s at most. */
async function attack(
  t: TestServer,
  client: TestClient,
  bytes: Uint8Array,
  done: (frames: ServerFrame[]) => boolean,
): Promise<ServerFrame[]> {
  await t.server.ready;
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: t.port });
  let frames: ServerFrame[];
  try {
    ({ frames } = await http2Frames(conn, client, bytes, done, 10_000));
  } finally {
    conn.close();
  }
  // The server still answers someone else.
  const res = await fetch(t.url("/"));
  assert.equal(await res.text(), "<h1>home</h1>");
  return frames;
}

function goawayOf(frames: ServerFrame[]): { code: number; reason: string } | undefined {
  const frame = frames.find((f) => f.type === FrameType.GOAWAY);
  if (frame === undefined) return undefined;
  const view = new DataView(frame.payload.buffer);
  return { code: view.getUint32(4), reason: new TextDecoder().decode(frame.payload.subarray(8)) };
}

serverTest(
  "HTTP/2 rapid reset (CVE-2023-44487): streams opened and reset at once end in GOAWAY",
  async (t) => {
    const client = new TestClient();
    const frames = await attack(t, client, rapidReset(client, 300), (f) => goawayOf(f) !== undefined);
    assert.equal(goawayOf(frames)?.code, ErrorCode.ENHANCE_YOUR_CALM);
    assert.match(goawayOf(frames)!.reason, /rapid reset \(CVE-2023-44487\)/);
  },
  { files: FILES },
);

serverTest(
  "HTTP/2 CONTINUATION flood (CVE-2024-27316): a block that never ends costs a bounded amount",
  async (t) => {
    const client = new TestClient();
    const frames = await attack(t, client, continuationFlood(client, 200), (f) => goawayOf(f) !== undefined);
    assert.deepEqual(goawayOf(frames), {
      code: ErrorCode.ENHANCE_YOUR_CALM,
      reason: "a field block in over 64 frames",
    });
  },
  { files: FILES },
);

serverTest("HTTP/2 empty frames (CVE-2019-9518): DATA that carries nothing ends in GOAWAY", async (t) => {
  const client = new TestClient();
  const frames = await attack(t, client, emptyData(client, 150), (f) => goawayOf(f) !== undefined);
  assert.equal(goawayOf(frames)?.code, ErrorCode.ENHANCE_YOUR_CALM);
  assert.match(goawayOf(frames)!.reason, /CVE-2019-9518/);
}, { files: FILES });

/** HPACK by hand (RFC 7541 §5.1, §6): an integer after a prefix, and a raw string. */
function hpackInteger(pattern: number, prefixBits: number, value: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [pattern | value];
  const bytes = [pattern | max];
  for (value -= max; value >= 128; value = Math.floor(value / 128)) bytes.push((value % 128) | 0x80);
  return [...bytes, value];
}
const hpackString = (text: string) => [...hpackInteger(0, 7, text.length), ...new TextEncoder().encode(text)];

serverTest(
  "HTTP/2 HPACK bomb: one table entry named 100 times is a 431, and the connection goes on",
  async (t) => {
    const client = new TestClient();
    // :method GET, :scheme http, :path / from the static table; :authority a, not indexed.
    const request = [0x82, 0x86, 0x84, 0x01, ...hpackString("a")];
    // The first block puts a 4 KB field in the table (index 62); the second names it 100 times: 400 KB decoded.
    const first = [...request, 0x40, ...hpackString("x-bomb"), ...hpackString("b".repeat(4000))];
    const bomb = [...request, ...Array(100).fill(0xbe)];
    const block = (stream: number, bytes: number[]) =>
      encodeFrame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, stream, Uint8Array.from(bytes));
    const bytes = join(client.preface(), block(1, first), block(3, bomb), block(5, request));
    const frames = await attack(
      t,
      client,
      bytes,
      (f) => f.some((x) => x.stream === 5 && x.flags & Flag.END_STREAM),
    );
    const status = (stream: number) => frames.find((f) => f.stream === stream && f.fields)?.fields?.[0][1];
    assert.deepEqual([status(1), status(3), status(5)], ["200", "431", "200"]);
    assert.ok(bomb.length < 120, "a bomb: a hundred bytes sent, 400 KB named");
  },
  { files: FILES },
);

serverTest(
  "HTTP/2 zero window (CVE-2019-9517): a stream whose client takes no data is reset after the body timeout",
  async (t) => {
    const client = new TestClient();
    const started = Date.now();
    const frames = await attack(
      t,
      client,
      shutWindow(client, 1, "/big.bin"),
      (f) => f.some((x) => x.type === FrameType.RST_STREAM),
    );
    const reset = frames.find((f) => f.type === FrameType.RST_STREAM);
    assert.equal(reset?.stream, 1);
    assert.equal(new DataView(reset!.payload.buffer).getUint32(0), ErrorCode.CANCEL);
    assert.ok(Date.now() - started >= 1000, "reset before the body timeout");
    assert.equal(frames.filter((f) => f.type === FrameType.DATA).length, 0);
  },
  { files: FILES, options: { bodyTimeout: 1000 } },
);

serverTest(
  "HTTP/2 zero window (CVE-2019-9517): a stream reset for its shut window lets its exchange end; the idle connection closes",
  async (t) => {
    const client = new TestClient();
    const frames = await attack(
      t,
      client,
      shutWindow(client, 1, "/big.bin"),
      (f) => f.some((x) => x.type === FrameType.GOAWAY),
    );
    assert.equal(frames.find((f) => f.type === FrameType.RST_STREAM)?.stream, 1);
    assert.deepEqual(goawayOf(frames), { code: ErrorCode.NO_ERROR, reason: "idle" });
  },
  { files: FILES, options: { bodyTimeout: 300, idleTimeout: 300 } },
);

serverTest(
  "HTTP/2 zero window (CVE-2019-9517) on many streams: those waiting give their in-flight places back",
  async (t) => {
    await t.server.ready;
    const client = new TestClient();
    // Four streams of a 2 MB file on a worker with two places (two run, two wait for them), whose windows the
    // client never opens: the waiting two start once the first two park.
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: t.port });
    try {
      const { frames } = await http2Frames(
        conn,
        client,
        shutWindow(client, 4, "/big.bin"),
        (f) => f.filter((x) => x.type === FrameType.HEADERS).length === 4,
      );
      assert.deepEqual(frames.filter((f) => f.fields).map((f) => f.fields![0][1]), Array(4).fill("200"));
      // Another client is answered, not told the worker is at capacity.
      const res = await fetch(t.url("/"));
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(await res.text(), "<h1>home</h1>");
    } finally {
      conn.close();
    }
  },
  { files: FILES, options: { workers: 1, maxInFlight: 2 } },
);

serverTest(
  "HTTP/2 zero window (CVE-2019-9517): a stream waiting on a shut window holds no file open",
  async (t) => {
    await t.server.ready;
    const client = new TestClient();
    const big = requestFields("/big.bin");
    const ids = Array.from({ length: 20 }, (_, i) => 2 * i + 1);
    // Counted through ls: reading /proc here needs --allow-all.
    const openFiles = async () => {
      const out = await new Deno.Command("sh", { args: ["-c", `ls /proc/${Deno.pid}/fd | wc -l`] }).output();
      return Number(new TextDecoder().decode(out.stdout).trim());
    };
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: t.port });
    try {
      await http2Frames(
        conn,
        client,
        client.preface([[Setting.INITIAL_WINDOW_SIZE, 0]]),
        (f) => f.length > 0,
      );
      const before = await openFiles();
      const heads = await http2Frames(
        conn,
        client,
        join(...ids.map((stream) => client.headers(stream, big))),
        (f) => f.filter((x) => x.type === FrameType.HEADERS).length === ids.length,
      );
      assert.equal(heads.frames.filter((f) => f.type === FrameType.HEADERS).length, ids.length);
      // Two PINGs answered: the worker has gone through its turns since the heads, files included.
      for (const round of [1, 2]) {
        const ping = encodeFrame(FrameType.PING, 0, 0, words([round, 0]));
        await http2Frames(conn, client, ping, (f) => f.some((x) => x.type === FrameType.PING));
      }
      const opened = (await openFiles()) - before;
      assert.ok(
        opened < ids.length / 2,
        `${opened} descriptors opened for ${ids.length} streams on a shut window`,
      );
    } finally {
      conn.close();
    }
  },
  { files: FILES, options: { workers: 1 } },
);

/**
 * Sends `flood` (40 MB of frames, each asking for an answer the client never reads: more than both kernel buffers
 * hold), and asserts that past a megabyte of answers unwritten weft stops reading: the client's writes
 * stall short of the end, and another client is still answered.
 */
async function floodUnread(t: TestServer, flood: Uint8Array): Promise<void> {
  await t.server.ready;
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: t.port });
  try {
    let sent = 0;
    const writing = (async () => {
      while (sent < flood.length) sent += await conn.write(flood.subarray(sent, sent + 65536));
    })().catch(() => {});
    let last = -1;
    let still = 0;
    for (const deadline = Date.now() + 20_000; still < 5 && sent < flood.length && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      still = sent === last ? still + 1 : 0;
      last = sent;
    }
    assert.ok(sent < flood.length, `all ${flood.length} bytes were taken while no answer was read`);
    assert.equal(still, 5, "the client's writes never stalled");
    const res = await fetch(t.url("/"));
    assert.equal(await res.text(), "<h1>home</h1>", "another client is still answered");
    conn.close();
    await writing;
  } finally {
    try {
      conn.close();
    } catch {
      // Closed above.
    }
  }
}

serverTest(
  "HTTP/2 PING flood (CVE-2019-9512): a client that sends and never reads is no longer read",
  (t) => floodUnread(t, pingFlood(40_000_000)),
  { files: FILES },
);

serverTest(
  "HTTP/2 SETTINGS flood (CVE-2019-9515): a client that sends SETTINGS and never reads the ACKs is no longer read",
  (t) => floodUnread(t, settingsFlood(40_000_000)),
  { files: FILES },
);
