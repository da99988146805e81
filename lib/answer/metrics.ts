/**
 * Rule: the metrics page. `GET`/`HEAD` at its path answers the Prometheus
 * text the main thread assembles from every worker's counters; 503 when it
 * cannot be had (the connection went first).
 *
 * @module
 */

import { METRICS_CONTENT_TYPE } from "../metrics.ts";
import { fixedReply, textReply } from "../reply.ts";
import { type Layer, onlyGetOrHead } from "./layer.ts";

/**
 * The metrics page at `path`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { call } from "../_test_utils.ts";
 * import { chain, nothingHere } from "./layer.ts";
 * import { metricsLayer } from "./metrics.ts";
 * const handle = chain([metricsLayer("/metrics")], nothingHere);
 * assert.equal((await call(handle, "/metrics", { metricsPage: "weft_workers 2\n" })).text, "weft_workers 2\n");
 * assert.equal((await call(handle, "/metrics")).status, 503);
 * assert.equal((await call(handle, "/metrics", { method: "POST" })).headers.get("allow"), "GET, HEAD");
 * ```
 */
export function metricsLayer(path: string): Layer {
  return async (request, info, next) => {
    if (request.target.path !== path) return next();
    const refused = onlyGetOrHead(request.head.method);
    if (refused !== null) return refused;
    const page = await info.metricsPage();
    return page === null
      ? textReply(503, "The metrics are not available")
      : fixedReply(200, METRICS_CONTENT_TYPE, page);
  };
}
