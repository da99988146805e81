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
 * import assert from "node:assert/strict";
 * import type { App } from "./app.ts";
 * // In its own module: `export default app;`
 * const app: App = { fetch: (request) => Response.json({ path: new URL(request.url).pathname }) };
 * const info = {
 *   remoteAddr: { transport: "tcp" as const, hostname: "127.0.0.1", port: 1 },
 *   signal: new AbortController().signal,
 *   completed: Promise.resolve(),
 * };
 * assert.deepEqual(await (await app.fetch(new Request("http://localhost/a"), info)).json(), { path: "/a" });
 * ```
 */
export interface App {
  /** Answers one request. */
  fetch(request: Request, info: ServeInfo): Response | Promise<Response>;
}

/**
 * The module a worker starts from when it runs an app: it imports the worker
 * and hands it the import of the app. Both specifiers are written into this
 * module as literals, so weft's own code computes no import at run time
 * (nothing that publishing tools cannot see), and a module that fails to load
 * still rejects a promise the worker catches. Returns a `data:` URL, the same
 * for the same app, so each worker (and a replacement) reuses what Deno
 * compiled for the first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { appWorkerEntry } from "./app.ts";
 * const entry = appWorkerEntry(new URL("file:///opt/weft/workers/http_worker.ts"), "file:///srv/app.ts");
 * assert.equal(entry.startsWith("data:text/javascript,"), true);
 * ```
 */
export function appWorkerEntry(worker: URL, app: string): string {
  const source = `import { provideApp } from ${JSON.stringify(worker.href)};\n` +
    `provideApp(import(${JSON.stringify(app)}));\n`;
  return `data:text/javascript,${encodeURIComponent(source)}`;
}

/**
 * Waits for an app module's import and checks its shape. Throws an `Error`
 * naming the module and what is wrong: that it failed to load (the first line
 * of why), or that it has no default export with a `fetch` method.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadApp } from "./app.ts";
 * const app = await loadApp(Promise.resolve({ default: { fetch: () => new Response("hi") } }), "file:///srv/app.ts");
 * assert.equal(typeof app.fetch, "function");
 * ```
 */
export async function loadApp(module: Promise<unknown>, url: string): Promise<App> {
  let loaded: { default?: Partial<App> } | null;
  try {
    loaded = await module as { default?: Partial<App> } | null;
  } catch (e) {
    const why = (e instanceof Error ? e.message : String(e)).split("\n")[0];
    throw new Error(`cannot load app ${url}: ${why}`);
  }
  if (typeof loaded?.default?.fetch !== "function") {
    throw new Error(`app ${url} has no default export with a fetch(request, info) method`);
  }
  return loaded.default as App;
}
