/**
 * A pool worker's entry: it takes the init message, loads the app if there
 * is one, and from then on hands every buffer of frames to the dispatcher.
 * Frames that arrive while the app is still loading wait for it.
 *
 * @module
 */

/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />

import { loadApp } from "../lib/app/app.ts";
import type { WorkerInit } from "../lib/config/resolve.ts";
import { createHandler } from "../lib/handler.ts";
import { readFrames, type WorkerStatus } from "../lib/pool/frames.ts";
import { Outbox } from "../lib/pool/outbox.ts";
import { Dispatcher } from "./dispatcher.ts";

let dispatcher: Dispatcher | null = null;
const early: ArrayBuffer[] = [];
let appModule: Promise<unknown> | null = null;

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
  const handler = createHandler({ ...init, app });
  dispatcher = new Dispatcher(init, handler, new Outbox((buffer) => self.postMessage(buffer, [buffer])));
  for (const buffer of early.splice(0)) readFrames(buffer, dispatcher.onFrame);
  report({ kind: "ready" });
}

self.onmessage = (e: MessageEvent<ArrayBuffer | WorkerInit>) => {
  if (!(e.data instanceof ArrayBuffer)) return void start(e.data);
  if (dispatcher === null) early.push(e.data);
  else readFrames(e.data, dispatcher.onFrame);
};
