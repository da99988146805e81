/**
 * The socketless handler: a parsed request in, a {@linkcode Reply} out. It
 * owns one rule, who answers: the health check (200, or 503 while the server
 * cannot take new work), then the metrics page, then the app, then the files
 * (also where the app answers 404). No socket, frame
 * or worker is involved, so it is tested by calling it, as std tests
 * `serveDir(new Request(…))` and hono `app.request()`.
 *
 * @module
 */

import type { App, ServeInfo } from "./app/app.ts";
import { buildRequest } from "./app/request.ts";
import { replyFrom } from "./app/response_reply.ts";
import { allowUpgrade, upgradeFor } from "./app/upgrade.ts";
import type { FileServerOptions } from "./config/options.ts";
import type { FileServer } from "./files/file_server.ts";
import { fieldMap, type RequestHead } from "./http/request_head.ts";
import type { RequestTarget } from "./http/request_target.ts";
import { METRICS_CONTENT_TYPE } from "./metrics.ts";
import type { AnsweredBy } from "./pool/durations.ts";
import { fixedReply, type Reply, textReply } from "./reply.ts";
import { HandshakeError } from "./websocket/handshake.ts";

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
  /** The app, or `null` for none. */
  app: App | null;
  /** The health check's path, or `null`. */
  health?: string | null;
  /** The metrics page's path, or `null`. */
  metrics?: string | null;
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
  const { root } = options;
  // The file server (and the node:fs, node:zlib and node:path it brings, ~6 MiB a thread) is loaded only
  // where there is a root: an app alone never pays for it.
  let fileServer: FileServer | null = null;
  const loading = root === null
    ? null
    : import("./files/file_server.ts").then(({ FileServer }) =>
      fileServer = new FileServer(root, options.files, options.cacheDropped)
    );
  const { app, health = null, metrics = null } = options;
  const scheme = options.secure ? "https" : "http";
  const fromFiles = async (request: IncomingRequest) =>
    (fileServer ?? await loading!).respond({
      method: request.head.method,
      target: request.target,
      headers: fieldMap(request.head.headers),
    });

  return async (request, info) => {
    const { method } = request.head;
    const path = request.target.path;
    if (path === health || path === metrics) {
      // RFC 9110 §15.5.6: 405 with the methods that are allowed.
      if (method !== "GET" && method !== "HEAD") {
        return textReply(405, `${method} is not served here`, [["Allow", "GET, HEAD"]]);
      }
      if (path === health) {
        // RFC 9110 §15.6.4: a server that cannot serve says so, and when to try again.
        return info.unavailable === null ? fixedReply(200, "text/plain; charset=utf-8", "ok\n") : answered(
          textReply(503, info.unavailable, [["Retry-After", "1"], ["Cache-Control", "no-store"]]),
          "weft",
        );
      }
      const page = await info.metricsPage();
      return page === null
        ? textReply(503, "The metrics are not available")
        : fixedReply(200, METRICS_CONTENT_TYPE, page);
    }
    if (app === null) return answered(await fromFiles(request), "file");
    const built = buildRequest(request.head, request.target, request.body, info.signal, scheme);
    if (!built.ok) return textReply(built.status, built.reason);
    allowUpgrade(built.request, { minorVersion: request.head.minorVersion, hasBody: request.body !== null });
    const { remoteAddr, signal, completed } = info;
    let response: Response;
    try {
      response = await callApp(app, built.request, { remoteAddr, signal, completed });
    } catch (e) {
      // RFC 6455 §4.2.1–4.2.2: a handshake the app could not accept, and did not answer itself.
      if (e instanceof HandshakeError) return textReply(e.status, e.message, e.headers);
      throw e;
    }
    const upgrade = upgradeFor(built.request, response);
    if (upgrade !== null) {
      return { status: 101, headers: upgrade.fields, body: [], files: [], upgrade, answeredBy: "app" };
    }
    if (response.status < 200) {
      throw new TypeError(
        `the app answered ${response.status}, which only Deno.upgradeWebSocket's response may`,
      );
    }
    const reply = await replyFrom(response, method);
    answered(reply, "app");
    if (reply.status !== 404 || root === null) return reply;
    // The app has nothing here: a file may. If there is none either, the app's own 404 stands.
    const file = answered(await fromFiles(request), "file");
    if (file.status === 404) {
      for (const f of file.files) f.close();
      return reply;
    }
    for (const part of reply.body) if (part instanceof ReadableStream) await part.cancel();
    return file;
  };
}

/** `reply`, marked with what answered it (for the latency histogram). */
function answered(reply: Reply, by: AnsweredBy): Reply {
  reply.answeredBy = by;
  return reply;
}

/** Runs the app, and checks that it answered with a `Response` weft can send. */
async function callApp(app: App, request: Request, info: ServeInfo): Promise<Response> {
  const response = await app.fetch(request, info);
  if (!(response instanceof Response)) {
    throw new TypeError(
      `the app's fetch returned ${Object.prototype.toString.call(response)}, not a Response`,
    );
  }
  return response;
}
