/**
 * Rule: the app (`export default { fetch }`) answers what reaches it, with a
 * standard `Request` built from the parsed head; where it answers 404, the
 * layers after it (the files) may answer instead, and if they answer 404 too
 * (or 405: not for this method) the app's own 404 stands. A WebSocket upgrade the app accepted becomes a
 * 101 reply carrying the session's setup.
 *
 * @module
 */

import type { App, ServeInfo } from "../app/app.ts";
import { buildRequest } from "../app/request.ts";
import { replyFrom } from "../app/response_reply.ts";
import { allowUpgrade, upgradeFor } from "../app/upgrade.ts";
import { type Reply, textReply } from "../reply.ts";
import { HandshakeError } from "../websocket/handshake.ts";
import type { IncomingRequest } from "../handler.ts";
import type { Layer } from "./layer.ts";

/**
 * The app's layer; `secure`: requests arrive over TLS, so its URLs are `https:`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { call } from "../_test_utils.ts";
 * import { appLayer } from "./app.ts";
 * import { chain } from "./layer.ts";
 * import { textReply } from "../reply.ts";
 * const app = { fetch: (r: Request) => new URL(r.url).pathname === "/hi" ? new Response("hi") : new Response("no", { status: 404 }) };
 * const files = (r: { head: { method: string } }) =>
 *   Promise.resolve(r.head.method === "GET" ? textReply(200, "from files") : textReply(405, "not served"));
 * const handle = chain([appLayer(app, false)], files);
 * assert.equal((await call(handle, "/hi")).text, "hi");
 * assert.match((await call(handle, "/other")).text, /from files/); // the app's 404 gives way to a file
 * assert.equal((await call(handle, "/other", { method: "PATCH" })).text, "no"); // but not to a 405
 * ```
 */
export function appLayer(app: App, secure: boolean): Layer {
  const scheme = secure ? "https" : "http";
  return async (request, info, next) => {
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
    const reply = await replyFrom(response, request.head.method);
    reply.answeredBy = "app";
    return reply.status === 404 ? orNext(reply, next) : reply;
  };
}

/**
 * Answers after the app's 404 that say there is nothing here either: none, or not for this method (the
 * files serve GET and HEAD only), so a PATCH the app does not know stays a 404.
 */
const NOTHING_EITHER = new Set([404, 405, 501]);

/** The app's 404, unless what comes after it has something. */
async function orNext(notFound: Reply, next: (request?: IncomingRequest) => Promise<Reply>): Promise<Reply> {
  const other = await next();
  if (NOTHING_EITHER.has(other.status)) {
    for (const file of other.files) file.close();
    return notFound;
  }
  for (const part of notFound.body) if (part instanceof ReadableStream) await part.cancel();
  return other;
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
