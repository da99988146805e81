/**
 * Rule: an error weft writes itself (a 404, 403, 405, 401…) goes to a
 * browser as a page styled like the folder listing, and to anything else
 * (curl, an API client, `Accept: text/plain`) as the one line of text it
 * always was. A browser is a client whose `Accept` weighs `text/html` above
 * `text/plain` (RFC 9110 §12.5.1); an app's own errors are the app's.
 *
 * @module
 */

import { escapeHtml, htmlPage } from "../html_page.ts";
import type { IncomingRequest } from "../handler.ts";
import { STATUS_TEXT } from "../http/status.ts";
import type { Reply } from "../reply.ts";
import type { Layer } from "./layer.ts";

/**
 * The layer: outermost, so it sees every other layer's replies.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { call } from "../_test_utils.ts";
 * import { errorPagesLayer } from "./error_pages.ts";
 * import { chain, nothingHere } from "./layer.ts";
 * const handle = chain([errorPagesLayer], nothingHere);
 * const browser = await call(handle, "/missing", { headers: { accept: "text/html,*\/*;q=0.8" } });
 * assert.match(browser.headers.get("content-type")!, /^text\/html/);
 * assert.match(browser.text, /<h1>404 Not Found<\/h1>/);
 * const curl = await call(handle, "/missing", { headers: { accept: "*\/*" } });
 * assert.match(curl.text, /^404 Not Found: /);
 * ```
 */
export const errorPagesLayer: Layer = async (request, _info, next) => {
  const reply = await next();
  if (reply.message === undefined || reply.status < 400 || !prefersHtml(request)) return reply;
  return errorPage(reply, reply.message);
};

/** Whether the client weighs `text/html` above `text/plain`. */
function prefersHtml(request: IncomingRequest): boolean {
  const accept = request.head.headers.filter(([name]) => name === "accept").map(([, value]) => value).join(
    ",",
  );
  const weight = (type: string) => {
    let best = 0;
    let bestSpecific = -1;
    for (const range of accept.split(",")) {
      const [media, ...params] = range.trim().toLowerCase().split(";");
      const q = Number(params.map((p) => p.trim()).find((p) => p.startsWith("q="))?.slice(2) ?? 1);
      // The most specific range that covers the type decides (RFC 9110 §12.5.1).
      const specific = media === type
        ? 2
        : media === `${type.split("/")[0]}/*`
        ? 1
        : media === "*/*"
        ? 0
        : -1;
      if (specific > bestSpecific) [best, bestSpecific] = [Number.isNaN(q) ? 0 : q, specific];
    }
    return best;
  };
  return weight("text/html") > weight("text/plain");
}

/** `reply` with an HTML page in place of its text: its status, fields (Allow, WWW-Authenticate…) kept. */
function errorPage(reply: Reply, message: string): Reply {
  const title = `${reply.status} ${STATUS_TEXT[reply.status] ?? "Error"}`;
  const page = htmlPage(
    title,
    "p { color: #555; }",
    `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`,
  );
  const body = new TextEncoder().encode(page);

  const headers = reply.headers.filter(([name]) => name.toLowerCase() !== "content-type");
  headers.unshift(["Content-Type", "text/html; charset=utf-8"]);
  return { ...reply, headers, body: [body], contentLength: body.length, message: undefined };
}
