/**
 * The socketless handler: a parsed request in, a {@linkcode Reply} out. It
 * owns one rule, who answers, in order: under `--dev` the live-reload stream
 * (and every reply on its way back), then the health check, the metrics page,
 * the rules file's redirects and rewrites (and its headers on the way back),
 * the app, the files (also where the app answers 404), each a layer of its
 * own in `answer/`. No socket, frame or worker is involved, so it is tested
 * by calling it, as std tests `serveDir(new Request(…))` and hono
 * `app.request()`.
 *
 * @module
 */

import type { App, ServeInfo } from "./app/app.ts";
import { appLayer } from "./answer/app.ts";
import { devLayer } from "./answer/dev.ts";
import { errorPagesLayer } from "./answer/error_pages.ts";
import { filesHandler } from "./answer/files.ts";
import { healthLayer } from "./answer/health.ts";
import { chain, type Layer, nothingHere } from "./answer/layer.ts";
import { metricsLayer } from "./answer/metrics.ts";
import { rulesLayer } from "./answer/rules.ts";
import { isEmpty, type Rules } from "./config/rules.ts";
import type { ProxyHeader } from "./http/forwarded.ts";
import type { FileServerOptions } from "./config/options.ts";
import type { RequestHead } from "./http/request_head.ts";
import type { RequestTarget } from "./http/request_target.ts";
import type { Reply } from "./reply.ts";
import type { LiveReload } from "./dev/live_reload.ts";

/** A request as the protocol core parsed it, with its body as a stream (`null` when it has none). */
export interface IncomingRequest {
  head: RequestHead;
  target: RequestTarget;
  body: ReadableStream<Uint8Array> | null;
}

/** What a handler gets besides the request: the app's `ServeInfo`, the metrics page, and the server's state. */
export interface RequestInfo extends ServeInfo {
  /** The metrics page, from the main thread; `null` if it cannot be had (the connection went first). */
  metricsPage(): Promise<string | null>;
  /** Why the server takes no new work now (at its in-flight limit, shutting down), or `null`: the health check says so. */
  unavailable: string | null;
}

/** Who may answer. */
export interface HandlerOptions {
  /** The folder to serve (a real path), or `null` for none. */
  root: string | null;
  /** How to serve it. */
  files?: FileServerOptions;
  /** Told of each body the file cache lets go of (the worker's copies kept elsewhere follow it). */
  cacheDropped?: (body: Uint8Array) => void;
  /** Under `--dev`: the worker's live-reload streams. @default {null} */
  live?: LiveReload | null;
  /** The app, or `null` for none. */
  app: App | null;
  /** The health check's path, or `null`. */
  health?: string | null;
  /** The metrics page's path, or `null`. */
  metrics?: string | null;
  /** Headers, redirects and rewrites by path (`config/rules.ts`). @default {none} */
  rules?: Rules;
  /** The field a trusted proxy reports the client in (`https` rules read its scheme beside it). @default {"x-forwarded-for"} */
  proxyHeader?: ProxyHeader;
  /** The proxies believed; empty for any. @default {[]} */
  trustedProxies?: readonly string[];
  /** Requests arrive over TLS: apps see `https:` URLs. @default {false} */
  secure?: boolean;
}

/** Answers one request. */
export type Handler = (request: IncomingRequest, info: RequestInfo) => Promise<Reply>;

/**
 * Makes the handler for one worker.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createHandler } from "./handler.ts";
 * const handle = createHandler({ root: null, app: { fetch: () => new Response("hi") }, health: "/healthz" });
 * const head = { method: "GET", target: "/healthz", minorVersion: 1, headers: [] };
 * const info = {
 *   remoteAddr: { transport: "tcp" as const, hostname: "127.0.0.1", port: 1 },
 *   signal: new AbortController().signal,
 *   completed: Promise.resolve(),
 *   metricsPage: () => Promise.resolve(null),
 *   unavailable: null,
 * };
 * const reply = await handle({ head, target: { path: "/healthz", query: "", authority: null }, body: null }, info);
 * assert.equal(reply.status, 200);
 * ```
 */
export function createHandler(options: HandlerOptions): Handler {
  const { root, app, health = null, metrics = null } = options;
  const layers: Layer[] = options.live ? [devLayer(options.live), errorPagesLayer] : [errorPagesLayer];
  if (health !== null) layers.push(healthLayer(health));
  if (metrics !== null) layers.push(metricsLayer(metrics));
  const { rules } = options;
  if (rules !== undefined && !isEmpty(rules)) {
    const { proxyHeader = "x-forwarded-for", trustedProxies = [], secure = false } = options;
    layers.push(rulesLayer(rules, { secure, proxyHeader, trustedProxies }));
  }
  if (app !== null) layers.push(appLayer(app, options.secure ?? false));
  return chain(layers, root === null ? nothingHere : filesHandler(root, options.files, options.cacheDropped));
}
