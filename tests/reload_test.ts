// Reload without dropping a request: SIGHUP (or server.reload()) replaces the workers one at a time, and
// keep-alive connections move to the new workers between requests.
import assert from "node:assert/strict";
import { eventually } from "../lib/_test_utils.ts";
import { serve } from "../mod.ts";
import { startDeno, weftArgs } from "./_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
// The app reads each request's body (an upload streams to it) and answers with its version.
const appSource = (version: string) =>
  `export default { fetch: async (request: Request) => (await request.arrayBuffer(), new Response(${
    JSON.stringify(version)
  })) };\n`;

/** What a client sends each round: one GET, three GETs in one write (pipelined), or a 100 kB POST. */
type Round = "get" | "pipelined" | "upload";

const UPLOAD = new Uint8Array(100_000).fill(0x61);
const ROUNDS: Record<Round, Uint8Array[]> = {
  get: [enc.encode("GET /version HTTP/1.1\r\nHost: x\r\n\r\n")],
  pipelined: [enc.encode("GET /version HTTP/1.1\r\nHost: x\r\n\r\n".repeat(3))],
  upload: [
    enc.encode(`POST /version HTTP/1.1\r\nHost: x\r\nContent-Length: ${UPLOAD.length}\r\n\r\n`),
    UPLOAD,
  ],
};

/**
 * A keep-alive client on one raw connection: it sends a round of requests, reads their whole responses, and
 * goes on until told to stop. Every answer that is not a 200, and the connection closing, count as failures.
 */
function keepAliveClient(port: number, round: Round) {
  const seen = new Set<string>();
  let requests = 0;
  let failures: string[] = [];
  let stopping = false;
  const expected = round === "pipelined" ? 3 : 1;
  const done = (async () => {
    const conn = await Deno.connect({ port });
    const buf = new Uint8Array(4096);
    let text = "";
    try {
      while (!stopping) {
        for (const bytes of ROUNDS[round]) await conn.write(bytes);
        for (let answered = 0; answered < expected;) {
          const head = text.indexOf("\r\n\r\n");
          const end = head === -1
            ? -1
            : head + 4 + Number(/content-length: (\d+)/i.exec(text.slice(0, head))?.[1]);
          if (end !== -1 && text.length >= end) {
            const status = /^HTTP\/1\.1 (\d+)/.exec(text)?.[1];
            if (status !== "200") failures.push(text.split("\r\n")[0]);
            else seen.add(text.slice(head + 4, end));
            text = text.slice(end);
            answered++;
            requests++;
            continue;
          }
          const n = await conn.read(buf);
          if (n === null) throw new Error(`the server closed the connection after ${requests} requests`);
          text += dec.decode(buf.subarray(0, n));
        }
      }
    } catch (e) {
      failures = [...failures, (e as Error).message];
    } finally {
      conn.close();
    }
  })();
  return {
    seen,
    get requests() {
      return requests;
    },
    get failures() {
      return failures;
    },
    stop: () => {
      stopping = true;
      return done;
    },
  };
}

Deno.test("reload: SIGHUP while 8 keep-alive clients send, pipeline and upload drops none; the edited app answers", async () => {
  const dir = await Deno.makeTempDir();
  const app = `${dir}/app.ts`;
  await Deno.writeTextFile(app, appSource("v1"));
  const weft = await startDeno(weftArgs("--port", "0", "--app", app, "--workers", "2"));
  const rounds: Round[] = ["get", "get", "get", "get", "pipelined", "pipelined", "upload", "upload"];
  const clients = rounds.map((round) => keepAliveClient(weft.port, round));
  try {
    await eventually(() => clients.every((c) => c.seen.has("v1")));
    await Deno.writeTextFile(app, appSource("v2"));
    weft.child.kill("SIGHUP");
    await eventually(() => weft.stderr.includes("weft: reloaded"), 20_000);
    // The same connections, still open, now reach the new workers.
    await eventually(() => clients.every((c) => c.seen.has("v2") || c.failures.length > 0), 10_000);
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
    await weft.stop();
    await Deno.remove(dir, { recursive: true });
  }
  const failures = clients.flatMap((c) => c.failures);
  assert.deepEqual(failures, [], "no request failed, no connection closed");
  assert.ok(clients.every((c) => c.seen.has("v2")), "every connection moved to a new worker");
  assert.match(weft.stderr, /weft: reloading/);
  console.log(
    `reload: ${clients.reduce((n, c) => n + c.requests, 0)} requests on 8 connections, none failed`,
  );
});

Deno.test("reload: an app that no longer loads leaves the old workers serving; server.reload() rejects", async () => {
  const dir = await Deno.makeTempDir();
  const app = `${dir}/app.ts`;
  await Deno.writeTextFile(app, appSource("v1"));
  const server = serve({ port: 0, workers: 1, app, log: undefined });
  try {
    await server.ready;
    const url = `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}/`;
    await Deno.writeTextFile(app, "export default {};\n");
    await assert.rejects(server.reload(), /has no default export with a fetch/);
    assert.equal(await (await fetch(url)).text(), "v1");
    await Deno.writeTextFile(app, appSource("v3"));
    await server.reload();
    assert.equal(await (await fetch(url)).text(), "v3");
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reload: a WebSocket stays with its old worker, which ends it (1001) once the drain timeout passes", async () => {
  const app = new URL("../examples/websocket_echo.ts", import.meta.url);
  const server = serve({ port: 0, workers: 1, app, drainTimeout: 300 });
  try {
    await server.ready;
    const port = (server.addr as Deno.NetAddr).port;
    const socket = new WebSocket(`ws://127.0.0.1:${port}/`);
    const closed = new Promise<number>((resolve) => socket.onclose = (e) => resolve(e.code));
    const echoed = new Promise<string>((resolve) => socket.onmessage = (e) => resolve(e.data));
    await new Promise((resolve) => socket.onopen = resolve);
    socket.send("before");
    assert.equal(await echoed, "before");
    await server.reload();
    assert.equal(await closed, 1001);
    const res = await fetch(`http://127.0.0.1:${port}/`);
    await res.body?.cancel();
    assert.ok(res.status < 500, "the new worker answers");
  } finally {
    await server.shutdown();
  }
});
