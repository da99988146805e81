/**
 * `serve()`'s options, checked once and completed from {@linkcode DEFAULTS}:
 * what the main thread needs, and the init message every worker gets. A bad
 * option throws here, naming it, before anything is bound or started.
 *
 * @module
 */

import { loadRules, type Rules, type RulesSource } from "./rules.ts";
import type { LogFormat } from "../access_log.ts";
import type { ProxyHeader } from "../http/forwarded.ts";
import { checkField } from "../http/added_fields.ts";
import { DEFAULT_LIMITS, type ParserLimits } from "../http/limits.ts";
import type { Http2Limits } from "../http2/limits.ts";
import { MAX_FRAME_SIZE, MIN_FRAME_SIZE } from "../http2/frame.ts";
import { DEFAULTS, fileServerOptions, type ResolvedFileServerOptions, type ServeOptions } from "./options.ts";

/** What a worker needs to know before its first frame; sent once, as its first message. */
export interface WorkerInit {
  /** The folder to serve, as an absolute path without symlinks; `null` to serve no files. */
  root: string | null;
  /** The app module's URL, or `null` for none. */
  app: string | null;
  /** How to serve files. */
  files: ResolvedFileServerOptions;
  /** What the parser accepts. */
  limits: ParserLimits;
  /**
   * Milliseconds a connection may wait for a request head, between requests,
   * and between body bytes; and a handler for its response to start.
   */
  timeouts: { header: number; idle: number; body: number; handler: number };
  /** Requests one worker handles at once; more get 503. */
  maxInFlight: number;
  /** The largest WebSocket message taken, in bytes. */
  maxMessageSize: number;
  /** What an HTTP/2 connection allows (the defaults of `lib/http2/limits.ts` for the rest); `null`: HTTP/1 only. */
  http2: Partial<Http2Limits> | null;
  /** The access log's format, or `null` for no access log. */
  log: LogFormat | null;
  /** Whether connections arrive over TLS (requests then have `https:` URLs). */
  secure: boolean;
  /** Log the client address the proxy reports (the peer is a proxy). */
  trustProxy: boolean;
  /** The one field the proxy reports it in. */
  proxyHeader: ProxyHeader;
  /** The peers believed; empty for any. */
  trustedProxies: readonly string[];
  /** A path answered 200 at once, past the in-flight limit, or `null`. */
  health: string | null;
  /** A path answered with the metrics page, or `null`. */
  metrics: string | null;
  /** Fields added to every response (checked). */
  headers: [string, string][];
  /** Add `Server-Timing` to handlers' responses, and timing to the JSON log. */
  serverTiming: boolean;
  /** Development mode: live reload, nothing cached or compressed, stacks on error pages. */
  dev: boolean;
  /** Headers, redirects and rewrites by path, from the rules file. */
  rules: Rules;
}

/** The options with defaults filled in and checked: what the main thread runs on. */
export interface ServerConfig {
  /** How many workers. */
  workers: number;
  /** Milliseconds requests in flight may take after shutdown starts. */
  drainTimeout: number;
  /** Milliseconds a worker may take to load the app. */
  loadTimeout: number;
  /** Open connections at most. */
  maxConnections: number;
  /** Milliseconds a write may make no progress. */
  sendTimeout: number;
  /** Where the rules come from, to read them again on reload (`loadRules`). */
  rulesFrom: RulesSource;
  /** What every worker is told, but whether connections are TLS (known once listening). */
  worker: Omit<WorkerInit, "secure">;
}

/**
 * Checks `options` and fills in every default. Throws a `RangeError` or
 * `TypeError` naming the option, or an `Error` for a root that is missing or
 * not a folder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveConfig } from "./resolve.ts";
 * const config = resolveConfig({ app: "file:///srv/app.ts", workers: 2 });
 * assert.equal(config.worker.root, null);
 * assert.equal(config.worker.timeouts.idle, 30_000);
 * assert.throws(() => resolveConfig({ workers: 0 }), RangeError);
 * assert.throws(() => resolveConfig({ app: "file:///srv/app.ts", maxFrameSize: 1024 }), /maxFrameSize/);
 * ```
 */
export function resolveConfig(options: ServeOptions): ServerConfig {
  checkOwnFolder();
  const workers = options.workers ?? navigator.hardwareConcurrency;
  if (!Number.isInteger(workers) || workers < 1) {
    throw new RangeError(`workers must be a whole number ≥ 1, got ${workers}`);
  }
  for (const [name, path] of [["health", options.health], ["metrics", options.metrics]]) {
    if (path !== undefined && !path.startsWith("/")) {
      throw new TypeError(`${name} must be a path starting with /`);
    }
  }
  const app = options.app === undefined ? null : new URL(options.app, `file://${Deno.cwd()}/`).href;
  const handlerTimeout = options.handlerTimeout ?? DEFAULTS.handlerTimeout;
  const root = options.root === undefined && app !== null ? null : resolveRoot(options.root);
  const trustProxy = options.trustProxy ?? DEFAULTS.trustProxy;
  const rulesFrom = { file: options.config ?? null, root, trustProxy };
  const rules = loadRules(rulesFrom);
  return {
    workers,
    drainTimeout: options.drainTimeout ?? DEFAULTS.drainTimeout,
    loadTimeout: options.loadTimeout ?? DEFAULTS.loadTimeout,
    maxConnections: options.maxConnections ?? DEFAULTS.maxConnections,
    sendTimeout: options.sendTimeout ?? DEFAULTS.sendTimeout,
    rulesFrom,
    worker: {
      root,
      app,
      // In dev a page is sent as it is, with the live-reload script: compressing it would hide the page.
      files: fileServerOptions(options.dev ? { ...options, compress: false } : options),
      limits: {
        maxRequestLine: options.maxRequestLine ?? DEFAULTS.maxRequestLine,
        maxHeaderSize: options.maxHeaderSize ?? DEFAULTS.maxHeaderSize,
        maxHeaderCount: options.maxHeaderCount ?? DEFAULTS.maxHeaderCount,
        maxBodySize: options.maxBodySize ?? DEFAULTS.maxBodySize,
        maxChunkLine: DEFAULT_LIMITS.maxChunkLine,
      },
      timeouts: {
        header: options.headerTimeout ?? DEFAULTS.headerTimeout,
        idle: options.idleTimeout ?? DEFAULTS.idleTimeout,
        body: options.bodyTimeout ?? DEFAULTS.bodyTimeout,
        handler: handlerTimeout,
      },
      maxInFlight: options.maxInFlight ?? DEFAULTS.maxInFlight,
      maxMessageSize: options.maxMessageSize ?? DEFAULTS.maxMessageSize,
      http2: options.http2 ?? DEFAULTS.http2 ? http2Limits(options) : null,
      log: options.log ?? null,
      trustProxy,
      proxyHeader: options.proxyHeader ?? DEFAULTS.proxyHeader,
      trustedProxies: options.trustedProxies ?? DEFAULTS.trustedProxies,
      health: options.health ?? null,
      metrics: options.metrics ?? null,
      headers: addedFields(options.headers),
      serverTiming: options.serverTiming ?? DEFAULTS.serverTiming,
      dev: options.dev ?? DEFAULTS.dev,
      rules,
    },
  };
}

/** HTTP/2's limits from the options; a frame size outside RFC 9113 §6.5.2's range throws a `RangeError`. */
function http2Limits(options: ServeOptions): Partial<Http2Limits> {
  const maxFrameSize = options.maxFrameSize ?? DEFAULTS.maxFrameSize;
  if (!Number.isInteger(maxFrameSize) || maxFrameSize < MIN_FRAME_SIZE || maxFrameSize > MAX_FRAME_SIZE) {
    throw new RangeError(
      `maxFrameSize must be a whole number from ${MIN_FRAME_SIZE} to ${MAX_FRAME_SIZE}, got ${maxFrameSize}`,
    );
  }
  return {
    // One limit on a request's fields for both protocols: HTTP/2 counts 32 more bytes a field.
    maxHeaderListSize: options.maxHeaderSize ?? DEFAULTS.maxHeaderSize,
    maxConcurrentStreams: options.maxStreams ?? DEFAULTS.maxStreams,
    maxFrameSize,
  };
}

/** The `headers` option as checked pairs; a bad one throws a `TypeError` that says which and why. */
function addedFields(headers: ServeOptions["headers"]): [string, string][] {
  const pairs = Array.isArray(headers) ? headers : Object.entries(headers ?? {});
  return pairs.map(([name, value]) => {
    try {
      return checkField(String(name), String(value));
    } catch (e) {
      throw new TypeError(`headers: ${(e as Error).message}`);
    }
  });
}

/**
 * Workers load weft's own modules: without read access to its folder each
 * would fail with a stack trace. Say it once, naming the folder. (Run from a
 * URL, weft needs no read access.)
 */
function checkOwnFolder(): void {
  const own = new URL("../../", import.meta.url);
  if (own.protocol !== "file:") return;
  const path = decodeURIComponent(own.pathname).replace(/\/$/, "");
  if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") {
    throw new Deno.errors.NotCapable(
      `read access to weft's own folder is needed: add ${path} to --allow-read`,
    );
  }
}

/** The root as a real path; the `static/` folder beside mod.ts when none is given. */
function resolveRoot(root: string | undefined): string {
  const path = root ?? defaultRoot();
  let info: Deno.FileInfo;
  let real: string;
  try {
    real = Deno.realPathSync(path);
    info = Deno.statSync(real);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new Error(`root folder not found: ${path}`);
    throw e;
  }
  if (!info.isDirectory) throw new Error(`root is not a folder: ${path}`);
  return real;
}

function defaultRoot(): string {
  const url = new URL("../../static/", import.meta.url);
  if (url.protocol !== "file:") throw new Error("root is required when weft runs from a remote URL");
  return decodeURIComponent(url.pathname);
}
