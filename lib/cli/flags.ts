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

/** A flag or its value was wrong; the message names the flag. */
export class UsageError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** One flag. */
export interface Flag {
  /** The name without `--`. */
  name: string;
  /** What its value is called in the help (`N`, `SECS`…); absent for a switch. */
  value?: string;
  /** The part of the help it is listed under. */
  group: "listening" | "what to serve" | "operations" | "limits" | "other";
  /** What it does, in one line. */
  help: string;
  /** Its default as the help and the README show it (`` `7878` ``, `off`…). */
  shown?: string;
  /** Applies the flag's value (`true` for a switch) to the options, once per use: a later use wins or adds. */
  apply?: (options: ServeOptions, value: string | true) => void;
  /** Its one-letter form (`p` for `-p`). */
  short?: string;
}

const code = (value: string | number) => `\`${value}\``;
const seconds = (ms: number) => code(ms / 1000);

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
  int("workers", "listening", "worker count", "workers", 1, 1024, "CPU cores"),
  time("drain-timeout", "listening", "on shutdown, how long requests in flight may take", "drainTimeout", 0),
  time("load-timeout", "listening", "how long a worker may take to load the app", "loadTimeout", 0.001),
  text("root", "DIR", "what to serve", "folder to serve (none by default when --app is given)", "root", {
    shown: "`static/` beside `mod.ts`",
  }),
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
  int("max-connections", "limits", "open connections; more get 503", "maxConnections", 1),
  int("max-in-flight", "limits", "requests one worker handles at once; more get 503", "maxInFlight", 1),
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
];

type NumberOption = {
  [K in keyof ServeOptions]-?: NonNullable<ServeOptions[K]> extends number ? K : never;
}[keyof ServeOptions];
type Group = Flag["group"];

/** A whole number from `min` to `max`; shown with its default from the table unless told otherwise. */
function int(
  name: string,
  group: Group,
  help: string,
  key: NumberOption,
  min: number,
  max?: number,
  shown?: string,
): Flag {
  const limit = max ?? Number.MAX_SAFE_INTEGER;
  const range = max === undefined ? `≥ ${min}` : `from ${min} to ${max}`;
  return {
    name,
    value: key.endsWith("Seconds") ? "SECS" : "N",
    group,
    help,
    shown: shown ?? code(DEFAULTS[key as keyof typeof DEFAULTS] as number),
    apply(options, value) {
      const n = Number(value);
      if (!/^[0-9]+$/.test(String(value)) || n < min || n > limit) {
        throw new UsageError(`--${name} takes a whole number ${range}, got "${value}"`);
      }
      options[key] = n;
    },
  };
}

/** Seconds (decimals allowed) to an option in milliseconds. */
function time(name: string, group: Group, help: string, key: NumberOption, min: number): Flag {
  return {
    name,
    value: "SECS",
    group,
    help,
    shown: seconds(DEFAULTS[key as keyof typeof DEFAULTS] as number),
    apply(options, value) {
      const n = Number(value);
      if (String(value).trim() === "" || !Number.isFinite(n) || n < min) {
        throw new UsageError(`--${name} takes seconds${min > 0 ? " > 0" : " ≥ 0"}, got "${value}"`);
      }
      options[key] = Math.round(n * 1000);
    },
  };
}

/** A switch that sets options; off unless given, unless `shown` says otherwise. */
function on(name: string, group: Group, help: string, sets: Partial<ServeOptions>, shown = "off"): Flag {
  return { name, group, help, shown, apply: (options) => Object.assign(options, sets) };
}

/** A string option; `empty` is the message for an empty value, which is refused when given. */
function text(
  name: string,
  value: string,
  group: Group,
  help: string,
  key: "hostname" | "unix" | "root" | "app",
  { shown, empty }: { shown: string; empty?: string },
): Flag {
  return {
    name,
    value,
    group,
    help,
    shown,
    apply(options, text) {
      if (text === "" && empty !== undefined) throw new UsageError(empty);
      options[key] = String(text);
    },
  };
}

/** One of a few words. */
function choice(
  name: string,
  value: string,
  group: Group,
  help: string,
  words: string[],
  rest: Pick<Flag, "shown" | "apply">,
): Flag {
  const list = `${words.slice(0, -1).join(", ")} or ${words.at(-1)}`;
  return {
    name,
    value,
    group,
    // The choices, once: a help that names them all already says them.
    help: words.every((word) => help.includes(word)) ? help : `${help}: ${list}`,
    shown: rest.shown,
    apply(options, text) {
      if (!words.includes(String(text))) throw new UsageError(`--${name} takes ${list}, got "${text}"`);
      rest.apply?.(options, text);
    },
  };
}

/** A URL path weft answers itself. */
function path(name: "health" | "metrics", help: string): Flag {
  return {
    name,
    value: "PATH",
    group: "operations",
    help,
    shown: "none",
    apply(options, value) {
      if (!String(value).startsWith("/")) {
        throw new UsageError(`--${name} takes a path starting with /, got "${value}"`);
      }
      options[name] = String(value);
    },
  };
}
