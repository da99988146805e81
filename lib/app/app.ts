/**
 * The app contract: a module whose default export has
 * `fetch(request, info)`, the shape `deno serve` runs, so `deno serve` apps
 * run unchanged in every worker.
 *
 * @module
 */

/**
 * What an app's `fetch` gets besides the request.
 *
 * @example
 * ```ts
 * import type { ServeInfo } from "./app.ts";
 * function clientOf(info: ServeInfo): string {
 *   return "hostname" in info.remoteAddr ? info.remoteAddr.hostname : "unix socket";
 * }
 * ```
 */
export interface ServeInfo {
  /** The client's address: TCP, or a unix socket's (as `deno serve` gives it). */
  remoteAddr: Deno.NetAddr | Deno.UnixAddr;
  /** Aborts when the client goes away or the server starts shutting down (also `request.signal`). */
  signal: AbortSignal;
  /** Resolves when the response has been sent, or the exchange ended early. */
  completed: Promise<void>;
}

/**
 * An app: `export default { fetch(request, info) { … } }`, the shape
 * `deno serve` runs. Pass the module to `serve({ app })` or `--app`.
 *
 * @example
 * ```ts
 * import type { App } from "./app.ts";
 * export default {
 *   fetch(request) {
 *     return Response.json({ path: new URL(request.url).pathname });
 *   },
 * } satisfies App;
 * ```
 */
export interface App {
  /** Answers one request. */
  fetch(request: Request, info: ServeInfo): Response | Promise<Response>;
}

/**
 * Imports an app module and checks its shape. Throws an `Error` naming the
 * module and what is wrong.
 *
 * @example
 * ```ts ignore
 * import { loadApp } from "./app.ts";
 * const app = await loadApp(new URL("./examples/json_api.ts", import.meta.url).href);
 * ```
 */
export async function loadApp(url: string): Promise<App> {
  let module: { default?: Partial<App> };
  try {
    module = await import(url);
  } catch (e) {
    throw new Error(`cannot load app ${url}: ${e instanceof Error ? e.message : e}`);
  }
  if (typeof module.default?.fetch !== "function") {
    throw new Error(`app ${url} has no default export with a fetch(request, info) method`);
  }
  return module.default as App;
}
