/**
 * Rule: under `--dev`, the outermost layer: the live-reload stream at its
 * path, every HTML page (weft's own error pages too) with the live-reload
 * script, and nothing cached: each reply's
 * validators and cache fields give way to `Cache-Control: no-store`, so an
 * edit shows on the next load without a conditional request in between.
 *
 * @module
 */

import type { Reply } from "../reply.ts";
import { LIVE_RELOAD_PATH, type LiveReload, withLiveReload } from "../dev/live_reload.ts";
import type { Layer } from "./layer.ts";

/** Fields that let a browser or a proxy keep a response: none in dev. */
const CACHING = new Set(["cache-control", "etag", "last-modified", "expires"]);

/**
 * The `--dev` layer, with `live` holding the worker's live-reload streams.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { call } from "../_test_utils.ts";
 * import { LiveReload } from "../dev/live_reload.ts";
 * import { devLayer } from "./dev.ts";
 * import { chain } from "./layer.ts";
 * const page = new TextEncoder().encode("<p>hi</p>");
 * const handle = chain([devLayer(new LiveReload())], () =>
 *   Promise.resolve({ status: 200, headers: [["Content-Type", "text/html"], ["ETag", '"1"']], body: [page], files: [] }));
 * const reply = await call(handle, "/");
 * assert.equal(reply.headers.get("cache-control"), "no-store");
 * assert.equal(reply.headers.get("etag"), undefined);
 * assert.match(reply.text, /^<p>hi<\/p><script>/);
 * ```
 */
export function devLayer(live: LiveReload): Layer {
  return async (request, info, next) => {
    if (request.target.path === LIVE_RELOAD_PATH) return live.reply(info.signal);
    const reply = await next();
    return reply.upgrade === undefined ? forDev(reply) : reply;
  };
}

/** `reply` uncached, and with the live-reload script if it is an HTML page in memory. */
function forDev(reply: Reply): Reply {
  const headers = reply.headers.filter(([name]) => !CACHING.has(name.toLowerCase()));
  headers.push(["Cache-Control", "no-store"]);
  const field = (name: string) => headers.find(([n]) => n.toLowerCase() === name)?.[1];
  const [part] = reply.body;
  const page = reply.body.length === 1 && part instanceof Uint8Array &&
    field("content-encoding") === undefined &&
    /^text\/html\b/i.test(field("content-type") ?? "");
  if (!page) return { ...reply, headers };
  const body = withLiveReload(part);
  return { ...reply, headers, body: [body], contentLength: body.length, sharedBody: false };
}
