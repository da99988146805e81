/**
 * A pool worker's entry: it takes the init message, loads the app if there
 * is one, and from then on hands every buffer of frames to the dispatcher.
 * While the app loads, pings are answered and other frames wait for it.
 *
 * @module
 */

/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />

import { loadApp } from "../lib/app/app.ts";
import { upgradeWebSocket } from "../lib/app/upgrade.ts";
import type { WorkerInit } from "../lib/config/resolve.ts";
import { LiveReload } from "../lib/dev/live_reload.ts";
import { createHandler } from "../lib/handler.ts";
import { readFrames } from "../lib/pool/frames.ts";
import { type ToMain, ToPool, ToWorker } from "../lib/pool/frame_types.ts";
import { emptyCounters, type WorkerStatus } from "../lib/pool/worker_report.ts";
import { Outbox } from "../lib/pool/outbox.ts";
import { Dispatcher } from "./dispatcher.ts";
import { KeptBodies } from "./kept_bodies.ts";

let dispatcher: Dispatcher | null = null;
const early: ArrayBuffer[] = [];
let appModule: Promise<unknown> | null = null;
const outbox = new Outbox<ToMain>((buffer) => self.postMessage(buffer, [buffer]));
const LOADING_COUNTERS = new TextEncoder().encode(JSON.stringify(emptyCounters()));

// Deno tells the host nothing when a worker closes itself; say it first, so
// the pool replaces this worker instead of taking its silence for a hang.
const close = self.close.bind(self);
self.close = () => {
  report({ kind: "closed", how: "self.close()" });
  close();
};
// Apps upgrade as under deno serve: the same call, answered by weft's WebSocket (lib/app/upgrade.ts).
(Deno as { upgradeWebSocket: unknown }).upgradeWebSocket = upgradeWebSocket;
const exit = Deno.exit;
(Deno as { exit: (code?: number) => never }).exit = (code?: number) => {
  report({ kind: "closed", how: `Deno.exit(${code ?? ""})` });
  return exit(code);
};

/**
 * Hands the worker the import of its app's module. A worker that runs an app
 * starts from a module that imports this one and calls it (see
 * `appWorkerEntry`).
 *
 * @example
 * ```ts ignore
 * import { provideApp } from "./http_worker.ts";
 * provideApp(import("file:///srv/app.ts"));
 * ```
 */
export function provideApp(module: Promise<unknown>): void {
  // Handled when the init message asks for the app; a failure must not count as unhandled before that.
  module.catch(() => {});
  appModule = module;
}

function report(status: WorkerStatus): void {
  self.postMessage(status);
}

async function start(init: WorkerInit): Promise<void> {
  let app = null;
  try {
    if (init.app !== null) {
      app = await loadApp(
        appModule ?? Promise.reject(new Error("the worker was started without it")),
        init.app,
      );
    }
  } catch (error) {
    return report({ kind: "failed", message: error instanceof Error ? error.message : String(error) });
  }
  const live = init.dev ? new LiveReload() : null;
  const kept = new KeptBodies(outbox);
  const handler = createHandler({ ...init, app, live, cacheDropped: (body) => kept.release(body) });
  dispatcher = new Dispatcher(init, handler, outbox, kept, live);
  const ticking = dispatcher;
  setInterval(() => ticking.tick(Date.now()), ticking.tickEvery);
  for (const buffer of early.splice(0)) dispatcher.receive(buffer);
  report({ kind: "ready" });
}

self.onmessage = (e: MessageEvent<ArrayBuffer | WorkerInit>) => {
  if (!(e.data instanceof ArrayBuffer)) return void start(e.data);
  if (dispatcher !== null) return dispatcher.receive(e.data);
  // Still loading: answer pings now (the pool takes silence for a hang), keep the rest for later.
  readFrames(e.data, (type) => type === ToWorker.Ping && outbox.push(ToPool.Pong, 0, LOADING_COUNTERS));
  early.push(e.data);
};
