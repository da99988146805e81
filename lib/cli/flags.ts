/**
 * The command line's flags, each written once: its name, the option it
 * sets, how its value is read, its help line and its default (taken from
 * {@linkcode DEFAULTS}). `--help`, the parser and the README's flag table
 * (held to it by a test) all come from {@linkcode FLAGS}.
 *
 * @module
 */

import { DEFAULTS, type ServeOptions } from "../config/options.ts";
import { parseFieldLine } from "../http/added_fields.ts";
import { choice, code, type Flag, int, on, path, text, time, UsageError } from "./flag_kinds.ts";

export { type Flag, UsageError } from "./flag_kinds.ts";

/** Every flag, in the order `--help` lists them. */
export const FLAGS: readonly Flag[] = [
  text("host", "NAME", "listening", "address to listen on (0.0.0.0 or :: for every address)", "hostname", {
    shown: code(DEFAULTS.hostname),
    empty: "--host needs an address, e.g. --host 0.0.0.0",
  }),
  {
    ...int("port", "listening", "port; 0 picks a free one (the URL is printed)", "port", 0, 65535),
    short: "p",
  },
  {
    name: "cert",
    value: "FILE",
    group: "listening",
    help: "PEM certificate chain: serve HTTPS (with --key)",
    shown: "plain HTTP",
  },
  { name: "key", value: "FILE", group: "listening", help: "PEM private key for --cert" },
  text("unix", "PATH", "listening", "listen on a unix socket instead of TCP", "unix", {
    shown: "TCP",
    empty: "--unix needs a socket path",
  }),
  on("reuse-port", "listening", "share the port with other weft processes (SO_REUSEPORT; --unstable-net)", {
    reusePort: true,
  }),
  on("no-http2", "listening", "HTTP/1.1 only: an HTTP/2 preface gets GOAWAY, HTTP_1_1_REQUIRED", {
    http2: false,
  }, "HTTP/2 on"),
  int("workers", "listening", "worker count", "workers", 1, 1024, "CPU cores"),
  time("drain-timeout", "listening", "on shutdown, how long requests in flight may take", "drainTimeout", 0),
  time("load-timeout", "listening", "how long a worker may take to load the app", "loadTimeout", 0.001),
  text("root", "DIR", "what to serve", "folder to serve (none by default when --app is given)", "root", {
    shown: "`static/` beside `mod.ts`",
  }),
  text(
    "config",
    "FILE",
    "what to serve",
    "rules file: headers, redirects, rewrites by path (docs/rules.md)",
    "config",
    {
      shown: "`weft.json` in the root",
    },
  ),
  text(
    "app",
    "MODULE",
    "what to serve",
    "an app module (export default { fetch }) run in every worker",
    "app",
    {
      shown: "none",
      empty: "--app needs a module path or URL",
    },
  ),
  int("cache", "what to serve", "Cache-Control max-age; 0 sends no-cache", "cacheSeconds", 0, 31536000),
  on(
    "no-compress",
    "what to serve",
    "no gzip/deflate/brotli, no precompressed siblings",
    { compress: false },
    "compression on",
  ),
  on("list", "what to serve", "list the entries of folders without index.html", { list: true }),
  on("spa", "what to serve", "serve /index.html for unknown paths without an extension", { spa: true }),
  on("clean-urls", "what to serve", "serve /about from about.html", { cleanUrls: true }),
  choice("dotfiles", "MODE", "what to serve", "ignore (404), deny (403) or allow", [
    "allow",
    "deny",
    "ignore",
  ], {
    shown: code(DEFAULTS.dotfiles),
    apply: (options, value) => (options.dotfiles = value as ServeOptions["dotfiles"]),
  }),
  on("follow-symlinks", "what to serve", "serve symlinks that lead outside the root", {
    followSymlinks: true,
  }),
  on("cors", "what to serve", "Access-Control-Allow-Origin: * and answers to preflight", { cors: true }),
  {
    name: "header",
    short: "H",
    value: "'NAME: VALUE'",
    group: "what to serve",
    help: "add this field to every response, replacing one of that name (repeatable)",
    shown: "none",
    apply(options, value) {
      try {
        const field = parseFieldLine(String(value));
        options.headers = [...(options.headers as [string, string][] | undefined ?? []), field];
      } catch (e) {
        throw new UsageError(`--header: ${(e as Error).message}`);
      }
    },
  },
  path("health", "answer GET PATH with 200 ok, or 503 while weft cannot take work (e.g. /healthz)"),
  path("metrics", "serve Prometheus metrics at PATH (e.g. /metrics)"),
  on("dev", "operations", "development: live reload on file changes, app reloads, no caching, stacks", {
    dev: true,
  }),
  on("server-timing", "operations", "Server-Timing: queued, worker, fs or app, total (ms); JSON log too", {
    serverTiming: true,
  }),
  on("trust-proxy", "operations", "log the client address the proxy reports in --proxy-header", {
    trustProxy: true,
  }),
  choice("proxy-header", "NAME", "operations", "the one field the proxy sets", [
    "x-forwarded-for",
    "forwarded",
  ], {
    shown: code(DEFAULTS.proxyHeader),
    apply: (options, value) => (options.proxyHeader = value as ServeOptions["proxyHeader"]),
  }),
  {
    name: "trusted-proxies",
    value: "LIST",
    group: "operations",
    help: "the proxies' addresses, comma-separated: only they are believed",
    shown: "any peer",
    apply(options, value) {
      const list = String(value).split(",").map((address) => address.trim()).filter((address) =>
        address !== ""
      );
      if (list.length === 0) throw new UsageError("--trusted-proxies takes addresses, e.g. 10.0.0.2,::1");
      options.trustedProxies = list;
    },
  },
  choice("log-format", "FORMAT", "operations", "access log to stdout", ["common", "combined", "json"], {
    shown: code("common"),
  }),
  { name: "quiet", group: "operations", help: "print nothing but errors (no banner, no access log)" },
  int("max-request-line", "limits", "bytes in the request line, else 414", "maxRequestLine", 64),
  int("max-header-size", "limits", "bytes in the request head, else 431", "maxHeaderSize", 256),
  int("max-headers", "limits", "fields in the request head, else 431", "maxHeaderCount", 1),
  int("max-body-size", "limits", "bytes in a request body, else 413", "maxBodySize", 0),
  int("max-message-size", "limits", "bytes in a WebSocket message, else close 1009", "maxMessageSize", 1),
  int(
    "max-streams",
    "limits",
    "HTTP/2 streams open at once on a connection, else REFUSED_STREAM",
    "maxStreams",
    1,
  ),
  int(
    "max-frame-size",
    "limits",
    "bytes in an HTTP/2 frame a client sends, else FRAME_SIZE_ERROR",
    "maxFrameSize",
    16384,
    16777215,
  ),
  int("max-connections", "limits", "open connections; more get 503", "maxConnections", 1),
  int(
    "max-in-flight",
    "limits",
    "requests one worker handles at once; more get 503 (HTTP/2: wait first)",
    "maxInFlight",
    1,
  ),
  time("header-timeout", "limits", "for a request head to arrive, else 408", "headerTimeout", 0.001),
  time("idle-timeout", "limits", "for a keep-alive connection between requests", "idleTimeout", 0.001),
  time("body-timeout", "limits", "between pieces of a request body, else 408", "bodyTimeout", 0.001),
  time(
    "send-timeout",
    "limits",
    "for a stalled response write before the client is dropped",
    "sendTimeout",
    0.001,
  ),
  time("handler-timeout", "limits", "for a handler to start its response, else 503", "handlerTimeout", 0.001),
  { name: "help", short: "h", group: "other", help: "show this text" },
  { name: "version", short: "V", group: "other", help: "print the version" },
  {
    name: "hash-password",
    group: "other",
    help: "read a password on stdin, print its hash for an auth rule",
  },
];
