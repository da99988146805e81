// The worker side, message in and message out: frames from a stand-in main thread go to a Dispatcher, what it
// posts back is read as frames, and its deadlines run on the time the test passes to tick().
import assert from "node:assert/strict";
import { eventually } from "../lib/_test_utils.ts";
import { resolveConfig } from "../lib/config/resolve.ts";
import { createHandler } from "../lib/handler.ts";
import { decodeCount, encodeRemoteAddr } from "../lib/pool/frame_payloads.ts";
import { FrameWriter, readFrames } from "../lib/pool/frames.ts";
import { ToMain, ToSocket, ToWorker } from "../lib/pool/frame_types.ts";
import { Outbox } from "../lib/pool/outbox.ts";
import { Dispatcher } from "./dispatcher.ts";
import { KeptBodies } from "./kept_bodies.ts";

const NAMES = Object.fromEntries(Object.entries(ToMain).map(([name, type]) => [type, name]));
const ADDRESS = encodeRemoteAddr({ transport: "tcp", hostname: "127.0.0.1", port: 40000 });
const enc = new TextEncoder();
const dec = new TextDecoder();

/** A frame the worker posted: its name, connection id, payload as text, and payload. */
type Posted = [name: string, id: number, text: string, payload: Uint8Array];

/** A dispatcher serving a folder with one page, and what it has posted so far. */
async function worker(): Promise<
  { dispatcher: Dispatcher; posted: Posted[]; send: typeof send; done: () => void }
> {
  const root = await Deno.makeTempDir();
  await Deno.writeTextFile(`${root}/index.html`, "<h1>hi</h1>");
  const init = { ...resolveConfig({ root }).worker, secure: false };
  const posted: Posted[] = [];
  const outbox = new Outbox<ToMain>((buffer) =>
    readFrames(
      buffer,
      (type, id, payload) => posted.push([NAMES[type], id, dec.decode(payload), payload.slice()]),
    )
  );
  const kept = new KeptBodies(outbox);
  const dispatcher = new Dispatcher(init, createHandler({ ...init, app: null }), outbox, kept);
  const writer = new FrameWriter();
  function send(frames: [ToWorker, number, Uint8Array?][]): void {
    for (const [type, id, payload] of frames) writer.push(type, id, payload);
    dispatcher.receive(writer.take()!);
  }
  return { dispatcher, posted, send, done: () => Deno.removeSync(root, { recursive: true }) };
}

Deno.test("dispatcher: a request in Data frames is answered by Write and End, which counts the bytes read", async () => {
  const { posted, send, done } = await worker();
  try {
    const request = enc.encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    send([[ToWorker.Open, 5, ADDRESS], [ToWorker.Data, 5, request.subarray(0, 10)]]);
    send([[ToWorker.Data, 5, request.subarray(10)]]);
    await eventually(() => posted.some(([name]) => name === "End"));
    const [write, end] = posted.filter(([, id]) => id === 5);
    assert.equal(write[0], "Write");
    assert.match(write[2], /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n<h1>hi<\/h1>$/);
    assert.equal(end[0], "End");
    assert.equal(decodeCount(end[3]), request.length);
  } finally {
    done();
  }
});

Deno.test("dispatcher: Ping is answered by Pong with the worker's counters", async () => {
  const { posted, send, done } = await worker();
  try {
    send([[ToWorker.Ping, 0]]);
    await eventually(() => posted.length > 0);
    assert.equal(posted[0][0], "Pong");
    assert.equal(JSON.parse(posted[0][2]).inFlight, 0);
  } finally {
    done();
  }
});

Deno.test("dispatcher: past the header timeout (tick with a later time), 408 and Close; before it, nothing", async () => {
  const { dispatcher, posted, send, done } = await worker();
  try {
    send([[ToWorker.Open, 9, ADDRESS], [ToWorker.Data, 9, enc.encode("GET / HTTP/1.1\r\n")]]);
    dispatcher.tick(Date.now());
    await Promise.resolve();
    assert.equal(posted.length, 0, JSON.stringify(posted));
    dispatcher.tick(Date.now() + 3_600_000);
    await eventually(() => posted.some(([name]) => name === "Close"));
    assert.match(posted.find(([name]) => name === "Write")![2], /^HTTP\/1\.1 408 /);
  } finally {
    done();
  }
});

Deno.test("dispatcher: after Gone a connection's frames are ignored; a type the main thread never sends fails", async () => {
  const { dispatcher, posted, send, done } = await worker();
  try {
    const request = enc.encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    send([[ToWorker.Open, 3, ADDRESS], [ToWorker.Gone, 3], [ToWorker.Data, 3, request]]);
    // The same request on another connection, after it: once that one is answered, the first would have been.
    send([[ToWorker.Open, 4, ADDRESS], [ToWorker.Data, 4, request]]);
    await eventually(() => posted.some(([name, id]) => name === "End" && id === 4));
    assert.deepEqual(posted.filter(([, id]) => id === 3), []);
    assert.throws(
      () => dispatcher.onFrame(ToSocket.Write, 3, new Uint8Array()),
      /frame type 16 is not one a worker gets/,
    );
  } finally {
    done();
  }
});
