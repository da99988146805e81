/**
 * Every option weft takes, and the one table of their defaults. `serve()`
 * fills options from {@linkcode DEFAULTS}, the command line prints them in
 * `--help`, and a test holds the README's flag table and each `@default`
 * below to it: a default is written here once.
 *
 * @module
 */

import type { LogFormat } from "../access_log.ts";
import type { ProxyHeader } from "../http/forwarded.ts";
import { DEFAULT_LIMITS } from "../http/limits.ts";

/** How paths with a segment starting with `.` are treated. */
export type DotfilesPolicy = "allow" | "deny" | "ignore";

/** Where and how to listen. */
export interface ListenOptions {
  /** The address to listen on. @default {"127.0.0.1"} */
  hostname?: string;
  /** The port; 0 picks a free one. @default {7878} */
  port?: number;
  /**
   * A unix socket path to listen on instead of TCP (for running behind a
   * proxy on the same machine). The socket is made readable and writable
   * by its owner and group (0660): run the proxy as weft's user or in its
   * group. The file is removed at shutdown; one left behind by a killed
   * process must be removed by hand, as with nginx.
   */
  unix?: string;
  /** A PEM certificate chain: with `key`, serves HTTPS. */
  cert?: string;
  /** The PEM private key for `cert`. */
  key?: string;
  /**
   * Share the TCP port with other processes that also set it (SO_REUSEPORT;
   * the kernel spreads connections over them). Needs Deno's `--unstable-net`
   * flag, or `"unstable": ["net"]` in deno.json.
   * @default {false}
   */
  reusePort?: boolean;
}

/** File server behaviour. */
export interface FileServerOptions {
  /**
   * `Cache-Control: public, max-age=N` with N seconds; `0` sends `no-cache`,
   * so browsers revalidate every time (and get cheap 304s).
   * @default {0}
   */
  cacheSeconds?: number;
  /**
   * Compress compressible types on the fly (gzip, deflate, brotli), and serve
   * precompressed `.br` / `.gz` siblings.
   * @default {true}
   */
  compress?: boolean;
  /** Answer a folder without `index.html` with a listing of its entries. @default {false} */
  list?: boolean;
  /** Serve the root's `index.html` for unknown paths without an extension. @default {false} */
  spa?: boolean;
  /** Map `/about` to `about.html` when there is no `about`. @default {false} */
  cleanUrls?: boolean;
  /**
   * Dotfiles: `ignore` answers 404 as if absent, `deny` answers 403, `allow`
   * serves them. `/.well-known/` is always served (RFC 8615).
   * @default {"ignore"}
   */
  dotfiles?: DotfilesPolicy;
  /** Serve symlinks that resolve outside the root. @default {false} */
  followSymlinks?: boolean;
  /** Add `Access-Control-Allow-Origin: *` and answer CORS preflight requests. @default {false} */
  cors?: boolean;
}

/**
 * Limits and timeouts that keep a hostile or broken client from holding the
 * server. Sizes are in bytes, times in milliseconds.
 */
export interface ServerLimits {
  /** Longest request line; longer gets 414. @default {8192} */
  maxRequestLine?: number;
  /** Largest request head (request line and fields); larger gets 431. @default {16384} */
  maxHeaderSize?: number;
  /** Most fields in a request head; more gets 431. @default {100} */
  maxHeaderCount?: number;
  /** Largest request body, by Content-Length or chunks; larger gets 413. @default {10485760} */
  maxBodySize?: number;
  /** Largest WebSocket message an app receives; a larger one closes its connection with 1009. @default {16777216} */
  maxMessageSize?: number;
  /** HTTP/2 streams one connection may have open at once; more get REFUSED_STREAM. @default {100} */
  maxStreams?: number;
  /** Largest HTTP/2 frame a client may send, 16384 to 16777215; larger ends the connection (FRAME_SIZE_ERROR). @default {16384} */
  maxFrameSize?: number;
  /** Open connections at most; one more gets 503 and is closed. @default {16384} */
  maxConnections?: number;
  /** Time for a request head to arrive in full, from its first byte (or from connecting); then 408. @default {20000} */
  headerTimeout?: number;
  /** Time a keep-alive connection may sit idle between requests; then it is closed. @default {30000} */
  idleTimeout?: number;
  /** Time allowed between two pieces of a request body; then 408. @default {20000} */
  bodyTimeout?: number;
  /** Time a response write may make no progress (a client that stopped reading); then the connection is dropped. @default {30000} */
  sendTimeout?: number;
  /**
   * Time a handler has to start its response; then 503 and its signal aborts.
   * A worker that cannot even answer a ping for this long (a handler stuck in
   * a loop, a worker that closed itself) is terminated and replaced.
   * @default {30000}
   */
  handlerTimeout?: number;
  /**
   * Requests one worker handles at once; more get 503 with `Retry-After` (HTTP/2 streams wait for a place first,
   * up to as many again, for at most `handlerTimeout`). @default {1024}
   */
  maxInFlight?: number;
}

/**
 * Options for `serve`; see also {@linkcode ListenOptions},
 * {@linkcode FileServerOptions} and {@linkcode ServerLimits}.
 */
export interface ServeOptions extends ListenOptions, FileServerOptions, ServerLimits {
  /**
   * An app module (`export default { fetch(request, info) }`, as `deno serve`
   * runs) loaded in every worker. It answers first; when it answers 404, the
   * files under `root` are tried, if a root was given.
   */
  app?: string | URL;
  /**
   * An access log line per request to stdout in this format (`common`,
   * `combined` or `json`); none when absent. The command line logs `common`
   * unless told otherwise or `--quiet`.
   */
  log?: LogFormat;
  /**
   * Speak HTTP/2 with a client that opens with its preface (prior knowledge,
   * RFC 9113 §3.4); `false` answers it with GOAWAY, HTTP_1_1_REQUIRED.
   * @default {true}
   */
  http2?: boolean;
  /**
   * Development mode: watch the root (and the app's folder); on a change,
   * pages reload (stylesheets are swapped in place), and a changed app is
   * reloaded worker by worker. Nothing is cached, and an app that throws
   * shows its stack. Not for production.
   * @default {false}
   */
  dev?: boolean;
  /**
   * Add `Server-Timing` to every response a handler answers: the hop to the
   * worker (`queued`), the worker's time before the handler (`worker`), the
   * handler's (`fs` or `app`) and the `total` to the head, in milliseconds;
   * the JSON access log gets the same as `timing`.
   * @default {false}
   */
  serverTiming?: boolean;
  /**
   * The peer is a proxy: log the client address it reports in
   * `proxyHeader` (the last entry, the one the proxy added).
   * @default {false}
   */
  trustProxy?: boolean;
  /**
   * The field the proxy sets, and the only one read: `x-forwarded-for` (nginx,
   * HAProxy) or `forwarded` (RFC 7239).
   * @default {"x-forwarded-for"}
   */
  proxyHeader?: ProxyHeader;
  /**
   * The proxies' addresses: only a peer among them is believed. Empty: any
   * peer (weft is reachable only through the proxy).
   * @default {[]}
   */
  trustedProxies?: string[];
  /**
   * A path (such as `/healthz`) answered `200 ok` by the workers before the
   * app or files, and even when the in-flight limit is reached.
   */
  health?: string;
  /**
   * A path (such as `/metrics`) that serves Prometheus text: responses by
   * status, bytes, in-flight requests, queue depth, connections, worker
   * restarts.
   */
  metrics?: string;
  /** The folder to serve. @default {the `static/` folder beside mod.ts; none when an app is given} */
  root?: string;
  /**
   * The rules file: response headers, redirects and rewrites by path (its
   * format: `docs/rules.md`). Read at start and on each reload; a mistake
   * stops either with one line naming the file, the line and the key.
   * @default {`weft.json` in the root, if there is one}
   */
  config?: string;
  /** How many workers. @default {navigator.hardwareConcurrency} */
  workers?: number;
  /** Aborting it starts a graceful shutdown. */
  signal?: AbortSignal;
  /** Milliseconds to let in-flight requests finish after abort, then close the rest. @default {10000} */
  drainTimeout?: number;
  /**
   * Milliseconds a worker may take to load the app, at start and on a reload:
   * past it, the start fails (or the reload, and the old workers serve on)
   * with a line saying so. @default {60000}
   */
  loadTimeout?: number;
  /**
   * Fields added to every response, files' and apps' and weft's own errors'
   * alike, in place of fields of the same name (`{ "X-Frame-Options": "DENY" }`,
   * or pairs to repeat a name). Framing fields (`Content-Length`,
   * `Transfer-Encoding`, `Connection`…) are refused.
   * @default {[]}
   */
  headers?: Record<string, string> | [string, string][];
}

/**
 * The default of every option that has a fixed one. (`root` and `workers`
 * depend on where weft runs; their defaults are worked out in `serve`.)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULTS } from "./options.ts";
 * assert.equal(DEFAULTS.port, 7878);
 * assert.equal(DEFAULTS.idleTimeout, 30_000);
 * ```
 */
export const DEFAULTS = Object.freeze({
  hostname: "127.0.0.1",
  port: 7878,
  reusePort: false,
  cacheSeconds: 0,
  compress: true,
  list: false,
  spa: false,
  cleanUrls: false,
  dotfiles: "ignore" as DotfilesPolicy,
  followSymlinks: false,
  cors: false,
  maxRequestLine: DEFAULT_LIMITS.maxRequestLine,
  maxHeaderSize: DEFAULT_LIMITS.maxHeaderSize,
  maxHeaderCount: DEFAULT_LIMITS.maxHeaderCount,
  maxBodySize: DEFAULT_LIMITS.maxBodySize,
  maxMessageSize: 16 * 1024 * 1024,
  maxStreams: 100,
  maxFrameSize: 16384,
  maxConnections: 16384,
  headerTimeout: 20_000,
  idleTimeout: 30_000,
  bodyTimeout: 20_000,
  sendTimeout: 30_000,
  handlerTimeout: 30_000,
  maxInFlight: 1024,
  trustProxy: false,
  serverTiming: false,
  dev: false,
  http2: true,
  proxyHeader: "x-forwarded-for" as ProxyHeader,
  trustedProxies: [] as readonly string[],
  drainTimeout: 10_000,
  loadTimeout: 60_000,
});

/** File server options with every default filled in. */
export type ResolvedFileServerOptions = Required<FileServerOptions>;

/**
 * The file server's options with the defaults filled in.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileServerOptions } from "./options.ts";
 * assert.equal(fileServerOptions({ cors: true }).dotfiles, "ignore");
 * ```
 */
export function fileServerOptions(options: FileServerOptions = {}): ResolvedFileServerOptions {
  return {
    cacheSeconds: options.cacheSeconds ?? DEFAULTS.cacheSeconds,
    compress: options.compress ?? DEFAULTS.compress,
    list: options.list ?? DEFAULTS.list,
    spa: options.spa ?? DEFAULTS.spa,
    cleanUrls: options.cleanUrls ?? DEFAULTS.cleanUrls,
    dotfiles: options.dotfiles ?? DEFAULTS.dotfiles,
    followSymlinks: options.followSymlinks ?? DEFAULTS.followSymlinks,
    cors: options.cors ?? DEFAULTS.cors,
  };
}
