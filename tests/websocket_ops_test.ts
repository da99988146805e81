// WebSockets in operation: idle pings and their timeout, graceful shutdown with 1001, the counts in /metrics
// and the upgrade in the access log, and a thousand sockets held open at once.
import assert from "node:assert/strict";
import { eventually } from "../lib/_test_utils.ts";
import { Opcode } from "../lib/websocket/frame.ts";
import { serverTest, startDeno, startServer, weftArgs } from "./_helpers.ts";
import { closeOf, closeWebSocket, inbox, openWebSocket, rawWebSocket, within } from "./_websocket.ts";

const ECHO = new URL("../examples/websocket_echo.ts", import.meta.url).pathname;
const CONTRACT = new URL("testdata/ws_contract_app.ts", import.meta.url).pathname;

serverTest(
  "a silent client is pinged after half the idle timeout and closed with 1001 after the rest; a pong keeps it",
  async (t) => {
    const silent = await rawWebSocket(t.port, "/?idle=1");
    assert.equal((await silent.next(3000))?.opcode, Opcode.Ping);
    assert.deepEqual(closeOf(await silent.next(3000)), {
      code: 1001,
      reason: "No response from ping frame.",
    });
    assert.equal(await silent.next(3000), null);
    silent.close();

    const answering = await rawWebSocket(t.port, "/?idle=1");
    for (let round = 0; round < 3; round++) {
      const ping = await answering.next(3000);
      assert.equal(ping?.opcode, Opcode.Ping, `ping ${round + 1}`);
      await answering.send(Opcode.Pong, ping.payload);
    }
    answering.close();
  },
  { options: { app: CONTRACT } },
);

Deno.test("shutdown closes open sockets with 1001 and finished resolves", async () => {
  const t = await startServer(undefined, { app: ECHO });
  const sockets = await Promise.all([1, 2, 3].map(() => openWebSocket(`ws://127.0.0.1:${t.port}/`)));
  const closes = sockets.map((ws) =>
    new Promise((resolve) => (ws.onclose = (e) => resolve([e.code, e.reason, e.wasClean])))
  );
  await within(t.close(), "finished");
  for (const close of closes) {
    assert.deepEqual(await within(close, "close event"), [1001, "The server is shutting down", true]);
  }
});

Deno.test("CLI: /metrics counts open sockets and messages; the upgrade is logged as 101", async () => {
  const weft = await startDeno(
    weftArgs("--port", "0", "--app", CONTRACT, "--metrics", "/metrics", "--log-format", "json"),
  );
  try {
    const metric = async (name: string) => {
      const text = await (await fetch(`http://127.0.0.1:${weft.port}/metrics`)).text();
      return Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1]);
    };
    const ws = await openWebSocket(`ws://127.0.0.1:${weft.port}/`);
    const next = inbox(ws);
    ws.send("as-blob");
    assert.equal(await next("as-blob"), "ok");
    assert.equal(await metric("weft_websockets_open"), 1);
    assert.equal(await metric('weft_websocket_messages_total\\{direction="received"\\}'), 1);
    assert.equal(await metric('weft_websocket_messages_total\\{direction="sent"\\}'), 1);
    await closeWebSocket(ws);
    await eventually(async () => await metric("weft_websockets_open") === 0);
    await eventually(() => weft.stdout.includes('"status":101'));
    const line = JSON.parse(weft.stdout.split("\n").find((line) => line.includes('"status":101'))!);
    assert.deepEqual([line.method, line.target, line.status], ["GET", "/", 101]);
  } finally {
    await weft.stop();
  }
});

serverTest(
  "a thousand sockets open at once each echo, stay open while idle, and close cleanly",
  async (t) => {
    const sockets: WebSocket[] = [];
    for (let batch = 0; batch < 10; batch++) {
      sockets.push(
        ...await Promise.all(Array.from({ length: 100 }, () => openWebSocket(`ws://127.0.0.1:${t.port}/`))),
      );
    }
    const echoAll = (round: string) =>
      Promise.all(sockets.map((ws, i) => {
        const echoed = inbox(ws)(`${round} ${i}`);
        ws.send(`${round} ${i}`);
        return echoed;
      }));
    assert.deepEqual(await echoAll("first"), sockets.map((_, i) => `first ${i}`));
    // Idle between the two rounds: the server's other work goes on meanwhile.
    assert.equal((await fetch(t.url("/"))).status, 200);
    assert.deepEqual(await echoAll("second"), sockets.map((_, i) => `second ${i}`));
    const closed = await Promise.all(sockets.map((ws) => closeWebSocket(ws, 1000, "done")));
    assert.ok(closed.every(([code, reason, clean]) => code === 1000 && reason === "done" && clean));
  },
  { options: { app: ECHO } },
);
