/**
 * A worker's per-request cost, without threads or sockets: the dispatcher
 * gets `Data` frames as the main thread would send them, and a stand-in main
 * thread answers `Written` at once. Prints microseconds per request for an
 * app endpoint and a file, and the V8 heap allocated per request (what fills
 * the young generation); run it with `--cpu-prof` to see where the time goes.
 *
 *   deno run -A bench/worker_path.ts [--path /json] [--app bench/peers/app.ts] [--requests 200000]
 *   deno run -A bench/worker_path.ts --path /upload --body 65536     a POST with a body of that size
 *
 * @module
 */

import { parseArgs } from "node:util";
import { getHeapStatistics } from "node:v8";
import { loadApp } from "../lib/app/app.ts";
import { resolveConfig } from "../lib/config/resolve.ts";
import { createHandler } from "../lib/handler.ts";
import { encodeCount, encodeRemoteAddr } from "../lib/pool/frame_payloads.ts";
import { FrameWriter, readFrames } from "../lib/pool/frames.ts";
import { type ToMain, ToSocket, ToWorker } from "../lib/pool/frame_types.ts";
import { Outbox } from "../lib/pool/outbox.ts";
import { Dispatcher } from "../workers/dispatcher.ts";
import { KeptBodies } from "../workers/kept_bodies.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    path: { type: "string", default: "/json" },
    app: { type: "string", default: new URL("./peers/app.ts", import.meta.url).pathname },
    root: { type: "string" },
    requests: { type: "string", default: "200000" },
    connections: { type: "string", default: "64" },
    body: { type: "string", default: "0" },
  },
});
const requests = Number(values.requests);
const connections = Number(values.connections);
const useApp = values.root === undefined;
const config = resolveConfig(useApp ? { app: values.app } : { root: values.root });
const init = { ...config.worker, secure: false };
const app = useApp
  ? await loadApp(import(new URL(values.app!, `file://${Deno.cwd()}/`).href), values.app!)
  : null;

// The stand-in main thread: counts ended responses and reports every byte written at once.
let ended = 0;
let wake: (() => void) | null = null;
const toWorker = new FrameWriter();
const outbox = new Outbox<ToMain>((buffer) => {
  readFrames(buffer, (type, id, payload) => {
    if (type === ToSocket.Write || type === ToSocket.WriteAck) {
      toWorker.push(ToWorker.Written, id, encodeCount(payload.length));
    } else if (type === ToSocket.End) ended++;
  });
  if (ended % connections === 0) wake?.();
});
const kept = new KeptBodies(outbox);
const handler = createHandler({ ...init, app, cacheDropped: (body) => kept.release(body) });
const dispatcher = new Dispatcher(init, handler, outbox, kept);
const deliver = () => {
  const buffer = toWorker.take();
  if (buffer !== null) readFrames(buffer, dispatcher.onFrame);
};

const address = encodeRemoteAddr({ transport: "tcp", hostname: "127.0.0.1", port: 40000 });
for (let id = 1; id <= connections; id++) toWorker.push(ToWorker.Open, id, address);
const bodySize = Number(values.body);
const head = bodySize === 0
  ? `GET ${values.path} HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n`
  : `POST ${values.path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${bodySize}\r\n\r\n`;
const request = new Uint8Array([...new TextEncoder().encode(head), ...new Uint8Array(bodySize).fill(120)]);

/** Bytes V8 has allocated in this isolate so far (V8 reports it; Node's types do not list it yet). */
function allocatedBytes(): number {
  return (getHeapStatistics() as { total_allocated_bytes?: number }).total_allocated_bytes ?? NaN;
}

// A turn of the event loop without setTimeout's 4 ms clamp on nested timers.
const channel = new MessageChannel();
const nextTurn = () =>
  new Promise<void>((resolve) => (channel.port2.onmessage = () => resolve(), channel.port1.postMessage(0)));

async function round(): Promise<void> {
  const done = new Promise<void>((resolve) => (wake = resolve));
  for (let id = 1; id <= connections; id++) toWorker.push(ToWorker.Data, id, request);
  deliver();
  while (ended % connections !== 0 || ended === 0) {
    await Promise.race([done, nextTurn()]);
    deliver();
  }
}

for (let i = 0; i < 200; i++) await round(); // warm up
ended = 0;
const allocatedBefore = allocatedBytes();
const started = performance.now();
for (let i = 0; i < requests / connections; i++) await round();
const micros = ((performance.now() - started) * 1000) / ended;
const allocated = (allocatedBytes() - allocatedBefore) / ended;
console.log(
  `${values.path} (${useApp ? "app" : "files"}): ${micros.toFixed(2)} µs and ${
    (allocated / 1024).toFixed(1)
  } KiB of V8 heap allocated per request in the worker`,
);
channel.port1.close();
Deno.exit(0);
