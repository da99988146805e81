/**
 * The handler as `--dev` runs it: the live-reload stream at its path, every
 * HTML page with the live-reload script, and nothing cached: each reply's
 * validators and cache fields give way to `Cache-Control: no-store`, so an
 * edit shows on the next load without a conditional request in between.
 *
 * @module
 */

import type { Handler } from "../handler.ts";
import type { Reply } from "../reply.ts";
import { LIVE_RELOAD_PATH, type LiveReload, withLiveReload } from "./live_reload.ts";

/** Fields that let a browser or a proxy keep a response: none in dev. */
const CACHING = new Set(["cache-control", "etag", "last-modified", "expires"]);

/**
 * Wraps `handle` for `--dev`, with `live` holding the worker's streams.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { devHandler } from "./dev_handler.ts";
 * import { LiveReload } from "./live_reload.ts";
 * const page = new TextEncoder().encode("<p>hi</p>");
 * const handle = devHandler(() =>
 *   Promise.resolve({ status: 200, headers: [["Content-Type", "text/html"], ["ETag", '"1"']], body: [page], files: [] }),
 *   new LiveReload(),
 * );
 * const request = { head: { method: "GET", target: "/", minorVersion: 1, headers: [] }, target: { path: "/", query: "", authority: null }, body: null };
 * const reply = await handle(request, {} as Parameters<typeof handle>[1]);
 * assert.deepEqual(reply.headers, [["Content-Type", "text/html"], ["Cache-Control", "no-store"]]);
 * assert.match(new TextDecoder().decode(reply.body[0] as Uint8Array), /^<p>hi<\/p><script>/);
 * ```
 */
export function devHandler(handle: Handler, live: LiveReload): Handler {
  return async (request, info) => {
    if (request.target.path === LIVE_RELOAD_PATH) return live.reply(info.signal);
    const reply = await handle(request, info);
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
