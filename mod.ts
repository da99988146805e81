/**
 * weft: an HTTP/1.1 server written from the bytes up, that spreads its work
 * over a pool of Web Workers.
 *
 * As a library, {@linkcode serve} starts it and returns a {@linkcode Server};
 * as a command, `deno run --allow-net --allow-read mod.ts` serves a folder
 * (`--help` lists the flags).
 *
 * @example Serve a folder until a signal aborts
 * ```ts
 * import assert from "node:assert/strict";
 * import { serve } from "jsr:@weft/server";
 * const controller = new AbortController();
 * const server = serve({ port: 0, root: "./static", signal: controller.signal });
 * await server.ready;
 * const res = await fetch(`http://127.0.0.1:${(server.addr as Deno.NetAddr).port}/`);
 * assert.equal(res.status, 200);
 * await res.body?.cancel();
 * controller.abort(); // on the command line, SIGINT or SIGTERM
 * await server.finished;
 * ```
 *
 * @module
 */

export { serve, type Server } from "./lib/server.ts";
export type {
  DotfilesPolicy,
  FileServerOptions,
  ListenOptions,
  ServeOptions,
  ServerLimits,
} from "./lib/config/options.ts";
export type { LogFormat } from "./lib/access_log.ts";
export type { ProxyHeader } from "./lib/http/forwarded.ts";
export type { App, ServeInfo } from "./lib/app/app.ts";

if (import.meta.main) {
  const { main } = await import("./lib/cli/main.ts");
  Deno.exit(await main(Deno.args));
}
