/**
 * Rule: the handler is a chain of layers, each one concern in one file
 * (health, metrics, app, files), as std's `routeLinear` and hono's
 * middleware: a layer answers, or hands the request to the next. The chain
 * runs synchronously up to the first `await` of whichever layer answers, so
 * an app's first turn is still the handler's (`pool/balance.ts` measures it).
 *
 * @module
 */

import type { Handler, IncomingRequest, RequestInfo } from "../handler.ts";
import { type Reply, textReply } from "../reply.ts";

/** One layer: it answers, or returns what `next` (the layers after it) answers, for this request or another. */
export type Layer = (
  request: IncomingRequest,
  info: RequestInfo,
  next: (request?: IncomingRequest) => Promise<Reply>,
) => Promise<Reply>;

/**
 * `layers` in order, ending in `last`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chain } from "./layer.ts";
 * const seen: string[] = [];
 * const handle = chain([
 *   (_req, _info, next) => (seen.push("first"), next()),
 *   (_req, _info, next) => (seen.push("second"), next()),
 * ], () => Promise.resolve({ status: 204, headers: [], body: [], files: [] }));
 * const reply = await handle({} as Parameters<typeof handle>[0], {} as Parameters<typeof handle>[1]);
 * assert.deepEqual([reply.status, seen], [204, ["first", "second"]]);
 * ```
 */
export function chain(layers: readonly Layer[], last: Handler): Handler {
  return layers.reduceRight<Handler>(
    (next, layer) => (request, info) => layer(request, info, (passed = request) => next(passed, info)),
    last,
  );
}

/** What answers when no layer did: nothing here (no app, no files). */
export const nothingHere: Handler = () => Promise.resolve(textReply(404, "Nothing is served here"));

/** RFC 9110 §15.5.6: weft's own pages take GET and HEAD; anything else gets 405 with `Allow`. */
export function onlyGetOrHead(method: string): Reply | null {
  return method === "GET" || method === "HEAD"
    ? null
    : textReply(405, `${method} is not served here`, [["Allow", "GET, HEAD"]]);
}
