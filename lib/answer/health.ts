/**
 * Rule: the health check. `GET`/`HEAD` at its path answers `200 ok` while the
 * worker takes work, and 503 with the reason and `Retry-After` while it does
 * not (at `--max-in-flight`, shutting down), before the app and the files.
 *
 * @module
 */

import type { AnsweredBy } from "../pool/durations.ts";
import { fixedReply, textReply } from "../reply.ts";
import { type Layer, onlyGetOrHead } from "./layer.ts";

/**
 * The health check at `path`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { call } from "../_test_utils.ts";
 * import { healthLayer } from "./health.ts";
 * import { chain, nothingHere } from "./layer.ts";
 * const handle = chain([healthLayer("/healthz")], nothingHere);
 * assert.deepEqual([(await call(handle, "/healthz")).status, (await call(handle, "/other")).status], [200, 404]);
 * const busy = await call(handle, "/healthz", { unavailable: "The server is at capacity" });
 * assert.deepEqual([busy.status, busy.headers.get("retry-after")], [503, "1"]);
 * ```
 */
export function healthLayer(path: string): Layer {
  return (request, info, next) => {
    if (request.target.path !== path) return next();
    const refused = onlyGetOrHead(request.head.method);
    if (refused !== null) return Promise.resolve(refused);
    if (info.unavailable === null) {
      return Promise.resolve(fixedReply(200, "text/plain; charset=utf-8", "ok\n"));
    }
    // RFC 9110 §15.6.4: a server that cannot serve says so, and when to try again.
    const reply = textReply(503, info.unavailable, [["Retry-After", "1"], ["Cache-Control", "no-store"]]);
    reply.answeredBy = "weft" satisfies AnsweredBy;
    return Promise.resolve(reply);
  };
}
