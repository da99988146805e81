// An HTTP/2 stream that weft answers itself, before or instead of the app: a target that cannot be served (400),
// a worker at its in-flight limit (503 with Retry-After), a handler past its timeout (503). Each is the text HTTP/1
// sends, with the added fields, counted in the metrics; the connection goes on, and a late reply is dropped. Streams
// past the in-flight limit wait their turn first, up to as many again.
import assert from "node:assert/strict";
import { eventually } from "../lib/_test_utils.ts";
import { encodeFrame, Flag, FrameType } from "../lib/http2/frame.ts";
import { join, requestFields, type ServerFrame, TestClient } from "../lib/http2/_test_utils.ts";
import { http2Frames, serverTest } from "./_helpers.ts";

const FAULTY = new URL("./testdata/fault_app.ts", import.meta.url);
const CONTRACT = new URL("./testdata/contract_app.ts", import.meta.url);

/** The status, fields and body text of `stream`'s answer, once it has ended. */
function answer(frames: ServerFrame[], stream: number): { fields: Map<string, string>; body: string } | null {
  const mine = frames.filter((f) =>
    f.stream === stream && (f.type === FrameType.HEADERS || f.type === FrameType.DATA)
  );
  if (!mine.some((f) => f.flags & Flag.END_STREAM)) return null;
  const head = mine.find((f) => f.type === FrameType.HEADERS)!;
  const body = mine.filter((f) => f.type === FrameType.DATA).map((f) => new TextDecoder().decode(f.payload));
  return { fields: new Map(head.fields), body: body.join("") };
}

serverTest(
  "HTTP/2 refusals of weft's own: 400 for a CONNECT without a port, 503 past the wait list and at the handler timeout, as HTTP/1 words them",
  async (t) => {
    await t.server.ready;
    const client = new TestClient();
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: t.port });
    try {
      // Stream 1 holds the worker's only place until the handler timeout; stream 3 waits for it (the wait list
      // holds one), and stream 7, past that, is turned away.
      const { frames } = await http2Frames(
        conn,
        client,
        new Uint8Array([...client.preface(), ...client.headers(1, requestFields("/slow"))]),
        (f) => f.some((x) => x.type === FrameType.SETTINGS),
      );
      const more = await http2Frames(
        conn,
        client,
        new Uint8Array([
          ...client.headers(3, requestFields("/ok")),
          ...client.headers(5, [[":method", "CONNECT"], [":authority", "no-port"]]),
          ...client.headers(7, requestFields("/ok")),
        ]),
        (f) => [1, 3, 5, 7].every((stream) => answer([...frames, ...f], stream) !== null),
      );
      frames.push(...more.frames);
      assert.equal(
        answer(frames, 3)?.body,
        "ok",
        "the stream that waited ran once stream 1 gave up its place",
      );
      const busy = answer(frames, 7)!;
      assert.equal(busy.fields.get(":status"), "503");
      assert.equal(busy.fields.get("retry-after"), "1");
      assert.equal(busy.body, "503 Service Unavailable: The server is at capacity, try again shortly\n");
      assert.equal(busy.fields.get("content-length"), String(busy.body.length));
      assert.equal(busy.fields.get("x-added"), "yes", "the added field is on weft's own answers");
      assert.ok(busy.fields.has("date"));
      const bad = answer(frames, 5)!;
      assert.equal(bad.fields.get(":status"), "400");
      assert.equal(bad.body, "400 Bad Request: CONNECT needs a host:port target\n");
      const slow = answer(frames, 1)!;
      assert.equal(slow.fields.get(":status"), "503");
      assert.equal(slow.body, "503 Service Unavailable: The handler took too long to answer\n");
      // The handler's late "aborted" reply is dropped; the connection still serves.
      const after = await http2Frames(
        conn,
        client,
        client.headers(9, requestFields("/ok")),
        (f) => answer(f, 9) !== null,
      );
      assert.equal(answer(after.frames, 9)?.body, "ok");
      assert.ok(!after.frames.some((f) => f.stream === 1), "nothing more on the stream already answered");
      // A handler that never settles: its stream is answered at the timeout and let go, so the connection, with
      // nothing open, is closed at the idle timeout.
      const never = await http2Frames(
        conn,
        client,
        client.headers(11, requestFields("/never")),
        (f) => f.some((x) => x.type === FrameType.GOAWAY),
        5000,
      );
      assert.equal(answer(never.frames, 11)?.fields.get(":status"), "503");
      const goaway = never.frames.find((f) => f.type === FrameType.GOAWAY);
      assert.equal(new TextDecoder().decode(goaway?.payload.subarray(8)), "idle");
    } finally {
      conn.close();
    }
    await eventually(async () => {
      const metrics = await (await fetch(t.url("/metrics"))).text();
      return metrics.includes('weft_responses_total{code="503"} 3') &&
        metrics.includes('weft_responses_total{code="400"} 1');
    });
  },
  {
    options: {
      app: FAULTY,
      workers: 1,
      maxInFlight: 1,
      handlerTimeout: 300,
      idleTimeout: 1000,
      metrics: "/metrics",
      headers: { "X-Added": "yes" },
    },
  },
);

serverTest(
  "HTTP/2 streams past the in-flight limit wait their turn (a body that comes meanwhile is kept); past as many again, 503",
  async (t) => {
    await t.server.ready;
    const client = new TestClient();
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: t.port });
    const post = requestFields("/echo", "POST");
    try {
      // Two places: streams 1 and 3 run, 5 and 7 wait (the worker's wait list holds two), 9 and 11 get 503.
      const { frames } = await http2Frames(
        conn,
        client,
        join(
          client.preface(),
          client.headers(1, requestFields("/slow-stream")),
          client.headers(3, requestFields("/slow-stream")),
          client.headers(5, post, Flag.END_HEADERS),
          encodeFrame(FrameType.DATA, Flag.END_STREAM, 5, new TextEncoder().encode("kept while waiting")),
          client.headers(7, requestFields("/slow-stream")),
          client.headers(9, requestFields("/slow-stream")),
          client.headers(11, requestFields("/slow-stream")),
        ),
        (f) => [1, 3, 5, 7, 9, 11].every((stream) => answer(f, stream) !== null),
        5000,
      );
      const answers = [1, 3, 5, 7, 9, 11].map((stream) => answer(frames, stream));
      assert.deepEqual(answers.map((a) => a?.fields.get(":status")), [
        "200",
        "200",
        "200",
        "200",
        "503",
        "503",
      ]);
      assert.deepEqual(answers.slice(0, 4).map((a) => a?.body), [
        "first second",
        "first second",
        "kept while waiting",
        "first second",
      ]);
      assert.equal(answers[4]?.fields.get("retry-after"), "1");
    } finally {
      conn.close();
    }
  },
  { options: { app: CONTRACT, workers: 1, maxInFlight: 2 } },
);

serverTest(
  "HTTP/2 streams waiting for a place are dropped with their connection: no handler runs for a client that left",
  async (t) => {
    await t.server.ready;
    const client = new TestClient();
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: t.port });
    // Stream 1 holds the only place until its handler times out; stream 3 waits for it.
    await http2Frames(
      conn,
      client,
      join(
        client.preface(),
        client.headers(1, requestFields("/slow")),
        client.headers(3, requestFields("/ok")),
      ),
      (f) => f.some((x) => x.type === FrameType.SETTINGS),
    );
    conn.close();
    // Stream 1's handler is abandoned (499), its place given back; stream 3 must not take it and run.
    const metrics = () => fetch(t.url("/metrics")).then((res) => res.text());
    await eventually(async () => /weft_responses_total\{code="499"\}/.test(await metrics()));
    // Another request takes the place: a stream that had started on it would be counted by now.
    assert.equal(await (await fetch(t.url("/ok"))).text(), "ok");
    assert.match(await metrics(), /weft_responses_total\{code="499"\} 1\n/, "only stream 1 was abandoned");
  },
  { options: { app: FAULTY, workers: 1, maxInFlight: 1, metrics: "/metrics" } },
);
