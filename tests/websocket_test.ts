// WebSockets over real TCP: Deno's own WebSocket client and a raw client that writes frames by hand. The
// echo example passes the same checks under weft and under deno serve; what deno serve does not do (close
// codes for protocol errors, handshake refusals with a status) is checked against weft alone.
import assert from "node:assert/strict";
import { encodeFrame, Opcode } from "../lib/websocket/frame.ts";
import { exchange, serverTest, startDeno, weftArgs, writeAll } from "./_helpers.ts";
import { closeOf, closeWebSocket, inbox, openWebSocket, rawWebSocket, within } from "./_websocket.ts";

const ECHO = new URL("../examples/websocket_echo.ts", import.meta.url).pathname;
const CONTRACT = new URL("testdata/ws_contract_app.ts", import.meta.url).pathname;
const dec = new TextDecoder();
const MASK = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);

/** The checks the echo app passes under any server: handshake, echoes, fragments, ping, close. */
async function echoChecks(port: number): Promise<void> {
  const raw = await rawWebSocket(port, "/", { "sec-websocket-protocol": "chat, echo" });
  assert.match(raw.head, /^sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=$/im);
  assert.match(raw.head, /^sec-websocket-protocol: echo$/im);
  await raw.send(Opcode.Text, "frag", { fin: false });
  await raw.send(Opcode.Ping, "between fragments");
  await raw.send(Opcode.Continuation, "mented");
  const pong = await raw.next();
  assert.deepEqual([pong?.opcode, dec.decode(pong?.payload)], [Opcode.Pong, "between fragments"]);
  const text = await raw.next();
  assert.deepEqual([text?.opcode, dec.decode(text?.payload)], [Opcode.Text, "fragmented"]);
  await raw.send(Opcode.Close, new Uint8Array([0x03, 0xe8, 0x6f, 0x6b]));
  assert.deepEqual(closeOf(await raw.next()), { code: 1000, reason: "ok" });
  assert.equal(await raw.next(), null, "the server closes the TCP connection after the close handshake");
  raw.close();

  const ws = await openWebSocket(`ws://127.0.0.1:${port}/`);
  const received: unknown[] = [];
  let wake = () => {};
  ws.onmessage = (e) => (received.push(e.data), wake());
  const until = (n: number) =>
    new Promise<void>((resolve) => (wake = () => received.length >= n && resolve()));
  let done = until(20_000);
  for (let i = 0; i < 20_000; i++) ws.send(String(i));
  await done;
  assert.ok(received.every((data, i) => data === String(i)), "20,000 echoes in order");
  received.length = 0;
  const big = crypto.getRandomValues(new Uint8Array(65536)).slice();
  const mib = new Uint8Array(1024 * 1024).map((_, i) => big[i & 0xffff] ^ (i >> 16));
  done = until(1);
  ws.send(mib);
  await done;
  assert.ok(received[0] instanceof ArrayBuffer);
  assert.deepEqual(new Uint8Array(received[0]), mib, "a 1 MiB binary message comes back whole");
  assert.deepEqual(await closeWebSocket(ws, 1000, "bye"), [1000, "bye", true]);
}

/** Runs `checks` against weft and against `deno serve`, each running `app` unchanged. */
async function underBoth(app: string, checks: (port: number) => Promise<void>): Promise<void> {
  for (const args of [weftArgs("--port", "0", "--app", app), ["serve", "--allow-net", "--port", "0", app]]) {
    const server = await startDeno(args);
    try {
      await checks(server.port);
    } catch (e) {
      throw new Error(`deno ${args.join(" ")}: ${e instanceof Error ? e.stack : e}`);
    } finally {
      await server.stop();
    }
  }
}

Deno.test("the echo example passes the same checks under weft and under deno serve", () =>
  underBoth(ECHO, echoChecks));

serverTest(
  "protocol errors close with their code, then the connection: 1002, 1007, 1009 (RFC 6455 §7.1.7)",
  async (t) => {
    const cases: [string, (raw: Awaited<ReturnType<typeof rawWebSocket>>) => Promise<void>, number][] = [
      ["an unmasked frame", (raw) => raw.send(Opcode.Text, "hi", { masked: false }), 1002],
      ["text that is not UTF-8", (raw) => raw.send(Opcode.Text, new Uint8Array([0x68, 0xc3, 0x28])), 1007],
      ["a reserved opcode", (raw) => raw.send(0x3, "?"), 1002],
      ["a ping of 126 bytes", (raw) => raw.send(Opcode.Ping, new Uint8Array(126)), 1002],
      ["a message over --max-message-size", (raw) => raw.send(Opcode.Binary, new Uint8Array(2048)), 1009],
    ];
    for (const [what, send, code] of cases) {
      const raw = await rawWebSocket(t.port);
      await send(raw);
      assert.equal(closeOf(await raw.next())?.code, code, what);
      assert.equal(await raw.next(), null, `${what}: the connection is closed after the close frame`);
      raw.close();
    }
    // The worker goes on: a new socket still echoes.
    const ws = await openWebSocket(`ws://127.0.0.1:${t.port}/`);
    const echoed = new Promise((resolve) => (ws.onmessage = (e) => resolve(e.data)));
    ws.send("still here");
    assert.equal(await echoed, "still here");
    await closeWebSocket(ws);
  },
  { options: { app: ECHO, maxMessageSize: 1024 } },
);

serverTest(
  "a 15 MB fragment and 32,768 one-byte continuations are echoed at once, and the worker goes on (RFC 6455 §5.4)",
  async (t) => {
    // Copying the message again for each continuation took minutes here, with every request on the
    // worker waiting; any split is allowed, so joining must cost time linear in the message.
    const raw = await rawWebSocket(t.port);
    const first = 15 * 1024 * 1024;
    const continuations = 32768;
    await raw.send(Opcode.Binary, new Uint8Array(first).fill(7), { fin: false });
    const one = encodeFrame(Opcode.Continuation, new Uint8Array([7]), { fin: false, mask: MASK });
    const tail = new Uint8Array(one.length * continuations);
    for (let i = 0; i < continuations; i++) tail.set(one, i * one.length);
    tail[tail.length - one.length] |= 0x80; // the last one ends the message
    await writeAll(raw.conn, tail);
    const echo = await raw.next(20_000);
    assert.deepEqual([echo?.opcode, echo?.payload.length], [Opcode.Binary, first + continuations]);
    assert.ok(echo?.payload.every((b) => b === 7), "the message comes back byte for byte");
    raw.close();
    assert.equal(await (await fetch(t.url("/"))).text(), "a WebSocket echo: connect with ws://\n");
  },
  { options: { app: ECHO, workers: 1 } },
);

serverTest(
  "a handshake the app cannot accept is refused with the status and a reason naming the field",
  async (t) => {
    const head = (extra: string) =>
      `GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${extra}Connection: close\r\n\r\n`;
    const noKey = await exchange(t.port, head("Sec-WebSocket-Version: 13\r\n"));
    assert.match(noKey.text, /^HTTP\/1\.1 400 /);
    assert.match(noKey.text, /sec-websocket-key/);
    const oldVersion = await exchange(
      t.port,
      head("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n"),
    );
    assert.match(oldVersion.text, /^HTTP\/1\.1 426 /);
    assert.match(oldVersion.text, /\r\nSec-WebSocket-Version: 13\r\n/i);
    const plain = await fetch(t.url("/"));
    assert.equal(await plain.text(), "a WebSocket echo: connect with ws://\n");
  },
  { options: { app: ECHO } },
);

/** What an app can do with its socket, and what the client sees of it. */
async function contractChecks(port: number): Promise<void> {
  const ws = await openWebSocket(`ws://127.0.0.1:${port}/`);
  const next = inbox(ws);
  ws.send("state");
  assert.deepEqual(JSON.parse(String(await next("state"))), {
    events: ["open 1"],
    readyState: 1,
    binaryType: "arraybuffer",
    bufferedAmount: 0,
    open: 1,
  });
  ws.send(new Uint8Array(5));
  assert.equal(await next("binary"), "arraybuffer 5");
  ws.send("as-blob");
  assert.equal(await next("as-blob"), "ok");
  ws.send(new Uint8Array(7));
  assert.equal(await next("binary as blob"), "blob 7");
  ws.send("in-order");
  const ordered = [await next("in-order 1"), await next("in-order 2"), await next("in-order 3")];
  assert.deepEqual(ordered.map((m) => typeof m === "string" ? m : dec.decode(m as ArrayBuffer)), [
    "1",
    "2",
    "3",
  ]);
  const closed = new Promise((resolve) => (ws.onclose = (e) => resolve([e.code, e.reason, e.wasClean])));
  ws.send("close-me");
  assert.deepEqual(await within(closed, "close-me"), [4000, "asked", true]);

  // The flooded client reads nothing until another socket has the app's report.
  const watcher = await openWebSocket(`ws://127.0.0.1:${port}/`);
  const report = inbox(watcher);
  watcher.send("watch");
  assert.equal(await report("watch"), "watching");
  const raw = await rawWebSocket(port);
  await raw.send(Opcode.Text, "flood");
  assert.equal(await report("flood"), "buffered true");
  await raw.send(Opcode.Close, new Uint8Array([0x03, 0xe8]));
  let binary = 0;
  let frame = await raw.next();
  for (; frame?.opcode === Opcode.Binary; frame = await raw.next()) binary += frame.payload.length;
  assert.deepEqual([binary, closeOf(frame)], [8 * 1024 * 1024, { code: 1000, reason: "" }]);
  raw.close();
  await closeWebSocket(watcher);
}

Deno.test(
  "the socket an app gets behaves as under deno serve: state, blobs, order, close codes, bufferedAmount",
  () => underBoth(CONTRACT, contractChecks),
);

serverTest(
  "an app's close with a code that may not be sent throws InvalidAccessError, and the socket stays open",
  async (t) => {
    // deno serve puts such a code (1005) on the wire, where the client takes it for a protocol error.
    const ws = await openWebSocket(`ws://127.0.0.1:${t.port}/`);
    const replies: unknown[] = [];
    const two = new Promise((resolve) => (ws.onmessage = (e) => replies.push(e.data) === 2 && resolve(0)));
    ws.send("bad-close");
    ws.send(new Uint8Array(3));
    await two;
    assert.deepEqual(replies, ["InvalidAccessError", "arraybuffer 3"]);
    assert.deepEqual(await closeWebSocket(ws), [1005, "", true]);
  },
  { options: { app: CONTRACT } },
);
