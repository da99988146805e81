// HTTP/2 shutdown and reload under load (RFC 9113 §6.8): Node keeps 8 connections × 10 streams busy; GOAWAY reaches
// every connection, the streams under way finish whole, the ones the server did not take are refused (and, on
// reload, sent again on a new connection), and none fails.
import assert from "node:assert/strict";
import { eventually } from "../lib/_test_utils.ts";
import { hasTool, startServer, type TestServer } from "./_helpers.ts";

const PAGE = "<h1>home</h1>";
const FILE = new Uint8Array(200_000).fill(0x61);
const FILES = { "index.html": PAGE, "mid.bin": FILE };
const LOAD = new URL("./testdata/http2_load.mjs", import.meta.url).pathname;
const hasNode = await hasTool("node");

/** The load running against `t`: what it printed so far, its summary once it ends, and how to stop it. */
function load(t: TestServer) {
  const expected = JSON.stringify({ "/": PAGE.length, "/mid.bin": FILE.length });
  const child = new Deno.Command("node", {
    args: [LOAD, `http://127.0.0.1:${t.port}`, "8", "10", expected],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const state = { printed: "" };
  const reading = (async () => {
    for await (const text of child.stdout.pipeThrough(new TextDecoderStream())) state.printed += text;
  })();
  const completed = () => Number(/completed (\d+)\n(?!.*completed)/s.exec(state.printed)?.[1] ?? 0);
  const summary = async () => {
    await reading;
    await child.status;
    return JSON.parse(state.printed.trim().split("\n").at(-1)!);
  };
  return { completed, summary, stop: () => child.stdin.close() };
}

Deno.test("HTTP/2 shutdown under load: every stream under way finishes whole, none fails", {
  ignore: !hasNode,
}, async () => {
  const t = await startServer(FILES);
  const running = load(t);
  await eventually(() => running.completed() >= 400, 20_000);
  await t.close(); // aborts, and waits until every connection is closed
  running.stop();
  const { completed, refused, failures, inFlightAtGoaway } = await running.summary();
  assert.deepEqual(failures, []);
  assert.ok(inFlightAtGoaway > 0, "no stream was under way at the GOAWAY");
  console.log(
    `shutdown: ${completed} answered whole, ${inFlightAtGoaway} under way at GOAWAY, ${refused} refused (not taken)`,
  );
});

Deno.test("HTTP/2 reload under load: streams under way finish, the next go on new connections, none fails", {
  ignore: !hasNode,
}, async () => {
  const t = await startServer(FILES);
  const running = load(t);
  try {
    await eventually(() => running.completed() >= 400, 20_000);
    await t.server.reload();
    const after = running.completed();
    await eventually(() => running.completed() >= after + 400, 20_000);
  } finally {
    running.stop();
  }
  const { completed, refused, failures, inFlightAtGoaway } = await running.summary();
  await t.close();
  assert.deepEqual(failures, []);
  assert.ok(inFlightAtGoaway > 0, "no stream was under way at the GOAWAY");
  console.log(
    `reload: ${completed} answered whole, ${inFlightAtGoaway} under way at GOAWAY, ${refused} sent again`,
  );
});
