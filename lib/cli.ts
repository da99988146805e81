/**
 * The command line: flags → {@linkcode serve} options, signals → shutdown.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { DEFAULTS, type ServeOptions } from "./config/options.ts";
import { serve, type Server } from "./server.ts";

/** The version printed by `--version`; kept equal to deno.json's. */
export const VERSION = "0.1.0";

const HELP = `weft ${VERSION} — an HTTP/1.1 server on a pool of workers

Usage: deno run --allow-net --allow-read mod.ts [flags]

  --host NAME            address to listen on (default 127.0.0.1; 0.0.0.0 or :: for every address)
  --port N               port, 0 for any free one (default 7878)
  --cert FILE            PEM certificate chain: serve HTTPS (with --key)
  --key FILE             PEM private key for --cert
  --unix PATH            listen on a unix socket instead of TCP (behind a proxy on this machine)
  --reuse-port           share the port with other weft processes (SO_REUSEPORT; needs --unstable-net)
  --root DIR             folder to serve (default: static/ beside mod.ts, or none with --app)
  --app MODULE           a module whose default export has fetch(request, info), as deno serve runs;
                         it answers first, and files are tried when it answers 404
  --workers N            worker count (default: number of CPU cores)
  --drain-timeout SECS   on shutdown, wait this long for requests in flight (default 10)

  --cache SECS           Cache-Control max-age for files (default 0: no-cache, browsers revalidate)
  --no-compress          no gzip/deflate/brotli, no precompressed .br/.gz siblings
  --list                 list the entries of folders without index.html
  --spa                  serve /index.html for unknown paths without an extension
  --clean-urls           serve /about from about.html
  --dotfiles MODE        allow | deny (403) | ignore (404, default); /.well-known/ is always served
  --follow-symlinks      serve symlinks that lead outside the root (refused by default)
  --cors                 Access-Control-Allow-Origin: * and answers to CORS preflight
  --health PATH          answer GET PATH with 200 ok, even at the in-flight limit (e.g. /healthz)
  --metrics PATH         serve Prometheus metrics at PATH (e.g. /metrics)
  --trust-proxy          log the client address from Forwarded / X-Forwarded-For (the last entry)

  --max-request-line N   bytes in the request line, else 414 (default 8192)
  --max-header-size N    bytes in the request head, else 431 (default 16384)
  --max-headers N        fields in the request head, else 431 (default 100)
  --max-body-size N      bytes in a request body, else 413 (default 10485760)
  --max-connections N    open connections; more get 503 (default 16384)
  --header-timeout SECS  for a request head to arrive, else 408 (default 20)
  --idle-timeout SECS    for a keep-alive connection between requests (default 30)
  --body-timeout SECS    between pieces of a request body, else 408 (default 20)
  --send-timeout SECS    for a stalled response write before the client is dropped (default 30)
  --handler-timeout SECS for a handler to start its response, else 503; a worker silent this long
                         is replaced (default 30)
  --max-in-flight N      requests one worker handles at once; more get 503 (default 1024)
  --log-format FORMAT    access log to stdout: common (default), combined or json
  --quiet                print nothing but errors (no banner, no access log)
  --help                 show this text
  --version              print the version
`;

/** A flag or its value was wrong; the message names the flag. */
export class UsageError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** What the command line asked for. */
export type Command =
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "serve"; options: ServeOptions; quiet: boolean; tls?: { certFile: string; keyFile: string } };

/**
 * Reads the command-line flags. Throws {@linkcode UsageError} naming the
 * flag for an unknown flag or a bad value.
 *
 * @example
 * ```ts
 * import { parseCommand } from "./cli.ts";
 * console.log(parseCommand(["--port", "0"])); // { kind: "serve", options: { port: 0, ... }, quiet: false }
 * ```
 */
export function parseCommand(args: string[]): Command {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: "string" },
        port: { type: "string" },
        cert: { type: "string" },
        key: { type: "string" },
        unix: { type: "string" },
        "reuse-port": { type: "boolean" },
        health: { type: "string" },
        metrics: { type: "string" },
        "trust-proxy": { type: "boolean" },
        root: { type: "string" },
        app: { type: "string" },
        workers: { type: "string" },
        "drain-timeout": { type: "string" },
        cache: { type: "string" },
        "no-compress": { type: "boolean" },
        list: { type: "boolean" },
        spa: { type: "boolean" },
        "clean-urls": { type: "boolean" },
        dotfiles: { type: "string" },
        "follow-symlinks": { type: "boolean" },
        cors: { type: "boolean" },
        "max-request-line": { type: "string" },
        "max-header-size": { type: "string" },
        "max-headers": { type: "string" },
        "max-body-size": { type: "string" },
        "max-connections": { type: "string" },
        "header-timeout": { type: "string" },
        "idle-timeout": { type: "string" },
        "body-timeout": { type: "string" },
        "send-timeout": { type: "string" },
        "handler-timeout": { type: "string" },
        "max-in-flight": { type: "string" },
        "log-format": { type: "string" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "V" },
      },
    }));
  } catch (e) {
    throw new UsageError(usageMessage(e));
  }
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  const options: ServeOptions = {};
  if (values.host !== undefined) {
    if (values.host === "") throw new UsageError("--host needs an address, e.g. --host 0.0.0.0");
    options.hostname = values.host;
  }
  if (values.port !== undefined) options.port = integer("--port", values.port, 0, 65535);
  if ((values.cert === undefined) !== (values.key === undefined)) {
    throw new UsageError(values.cert === undefined ? "--key needs --cert" : "--cert needs --key");
  }
  if (values.unix !== undefined) {
    if (values.unix === "") throw new UsageError("--unix needs a socket path");
    for (const flag of ["host", "port", "cert", "reuse-port"] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--unix cannot be combined with --${flag}`);
    }
    options.unix = values.unix;
  }
  if (values["reuse-port"]) options.reusePort = true;
  if (values["trust-proxy"]) options.trustProxy = true;
  for (const flag of ["health", "metrics"] as const) {
    const path = values[flag];
    if (path === undefined) continue;
    if (!path.startsWith("/")) throw new UsageError(`--${flag} takes a path starting with /, got "${path}"`);
    options[flag] = path;
  }
  if (values.health !== undefined && values.health === values.metrics) {
    throw new UsageError("--health and --metrics need different paths");
  }
  if (values.root !== undefined) options.root = values.root;
  if (values.app !== undefined) {
    if (values.app === "") throw new UsageError("--app needs a module path or URL");
    options.app = values.app;
  }
  if (values.workers !== undefined) options.workers = integer("--workers", values.workers, 1, 1024);
  if (values["drain-timeout"] !== undefined) {
    options.drainTimeout = seconds("--drain-timeout", values["drain-timeout"]);
  }
  const sizes = [
    ["--max-request-line", "maxRequestLine", 64],
    ["--max-header-size", "maxHeaderSize", 256],
    ["--max-headers", "maxHeaderCount", 1],
    ["--max-body-size", "maxBodySize", 0],
    ["--max-connections", "maxConnections", 1],
    ["--max-in-flight", "maxInFlight", 1],
  ] as const;
  for (const [flag, key, min] of sizes) {
    const text = values[flag.slice(2) as keyof typeof values];
    if (typeof text === "string") options[key] = integer(flag, text, min);
  }
  const times = [
    ["--header-timeout", "headerTimeout"],
    ["--idle-timeout", "idleTimeout"],
    ["--body-timeout", "bodyTimeout"],
    ["--send-timeout", "sendTimeout"],
    ["--handler-timeout", "handlerTimeout"],
  ] as const;
  for (const [flag, key] of times) {
    const text = values[flag.slice(2) as keyof typeof values];
    if (typeof text === "string") options[key] = seconds(flag, text, 0.001);
  }
  if (values.cache !== undefined) options.cacheSeconds = integer("--cache", values.cache, 0, 31536000);
  if (values["no-compress"]) options.compress = false;
  if (values.list) options.list = true;
  if (values.spa) options.spa = true;
  if (values["clean-urls"]) options.cleanUrls = true;
  if (values.dotfiles !== undefined) {
    if (values.dotfiles !== "allow" && values.dotfiles !== "deny" && values.dotfiles !== "ignore") {
      throw new UsageError(`--dotfiles takes allow, deny or ignore, got "${values.dotfiles}"`);
    }
    options.dotfiles = values.dotfiles;
  }
  if (values["follow-symlinks"]) options.followSymlinks = true;
  if (values.cors) options.cors = true;
  const format = values["log-format"] ?? "common";
  if (format !== "common" && format !== "combined" && format !== "json") {
    throw new UsageError(`--log-format takes common, combined or json, got "${format}"`);
  }
  if (!values.quiet) options.log = format;
  const command: Command = { kind: "serve", options, quiet: values.quiet ?? false };
  if (values.cert !== undefined && values.key !== undefined) {
    command.tls = { certFile: values.cert, keyFile: values.key };
  }
  return command;
}

function integer(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!/^[0-9]+$/.test(text) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`${flag} takes a whole number ${range}, got "${text}"`);
  }
  return n;
}

/** Seconds (decimals allowed) as milliseconds. */
function seconds(flag: string, text: string, min = 0): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < min) {
    throw new UsageError(`${flag} takes seconds${min > 0 ? " > 0" : " ≥ 0"}, got "${text}"`);
  }
  return Math.round(n * 1000);
}

function usageMessage(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown flag ${unknown[1]} (see --help)`;
  const missing = /Option '(?:-\w, )?(--[\w-]+)[^']*' argument missing/.exec(message);
  if (missing) return `${missing[1]} needs a value`;
  const ambiguous = /Option '(--[\w-]+)' argument is ambiguous/.exec(message);
  if (ambiguous) return `${ambiguous[1]} needs a value; for one starting with "-" write ${ambiguous[1]}=-…`;
  const positional = /Unexpected argument '([^']+)'/.exec(message);
  if (positional) return `unexpected argument "${positional[1]}" (flags start with --; see --help)`;
  return message;
}

/**
 * Runs the command line and returns the exit code.
 *
 * @example
 * ```ts ignore
 * import { main } from "./cli.ts";
 * Deno.exit(await main(Deno.args));
 * ```
 */
export async function main(args: string[]): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`weft: ${e.message}`);
    return 2;
  }
  if (command.kind === "help") {
    console.log(HELP);
    return 0;
  }
  if (command.kind === "version") {
    console.log(`weft ${VERSION}`);
    return 0;
  }
  if (command.tls !== undefined) {
    try {
      command.options.cert = await Deno.readTextFile(command.tls.certFile);
    } catch (e) {
      console.error(`weft: --cert ${command.tls.certFile}: ${e instanceof Error ? e.message : e}`);
      return 2;
    }
    try {
      command.options.key = await Deno.readTextFile(command.tls.keyFile);
    } catch (e) {
      console.error(`weft: --key ${command.tls.keyFile}: ${e instanceof Error ? e.message : e}`);
      return 2;
    }
  }
  const controller = new AbortController();
  let server;
  try {
    server = serve({ ...command.options, signal: controller.signal });
  } catch (e) {
    console.error(`weft: ${startupMessage(e, command.options)}`);
    return 1;
  }
  try {
    await server.ready;
  } catch (e) {
    console.error(`weft: ${e instanceof Error ? e.message : e}`);
    await server.finished;
    return 1;
  }
  if (!command.quiet) { for (const line of listeningLines(server)) console.log(line); }
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const onSignal = () => {
    if (controller.signal.aborted) Deno.exit(130);
    // Not console.log: it writes synchronously, and a stdout nobody reads would freeze the drain.
    if (!command.quiet) {
      const notice = "weft: shutting down, finishing requests in flight (signal again to quit now)\n";
      Deno.stdout.write(new TextEncoder().encode(notice)).catch(() => {});
    }
    controller.abort();
  };
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  await server.finished;
  for (const s of signals) Deno.removeSignalListener(s, onSignal);
  return 0;
}

/**
 * The startup banner: every URL the server can be reached at. A wildcard
 * address is spelled out per network interface when `--allow-sys` lets us
 * list them, else as the loopback URL plus a note.
 */
function listeningLines(server: Server): string[] {
  const addr = server.addr;
  if (!("hostname" in addr)) return [`weft listening on unix:${addr.path} (HTTP over a unix socket)`];
  const scheme = server.secure ? "https" : "http";
  const url = (host: string) => `${scheme}://${host.includes(":") ? `[${host}]` : host}:${addr.port}/`;
  const wildcard = addr.hostname === "0.0.0.0" || addr.hostname === "::";
  if (!wildcard) return [`weft listening on ${url(addr.hostname)}`];
  let hosts: string[];
  try {
    const families = addr.hostname === "::" ? ["IPv4", "IPv6"] : ["IPv4"];
    hosts = Deno.networkInterfaces()
      .filter((i) => families.includes(i.family) && !i.address.startsWith("fe80:"))
      .map((i) => i.address);
  } catch {
    return [
      `weft listening on ${url(addr.hostname)} (every address of this machine), e.g. ${url("127.0.0.1")}`,
    ];
  }
  return ["weft listening on", ...[...new Set(hosts)].map((host) => `  ${url(host)}`)];
}

function startupMessage(e: unknown, options: ServeOptions): string {
  if (options.reusePort && e instanceof TypeError && /unstable-net/.test(e.message)) {
    return "--reuse-port needs Deno's --unstable-net flag: deno run --unstable-net --allow-net --allow-read " +
      "mod.ts --reuse-port …";
  }
  if (options.unix !== undefined && e instanceof Deno.errors.AddrInUse) {
    return `${options.unix} exists: another server listens there, or one that was killed left it behind ` +
      `(remove it if nothing listens) (--unix)`;
  }
  const address = `${options.hostname ?? DEFAULTS.hostname}:${options.port ?? DEFAULTS.port}`;
  if (e instanceof Deno.errors.AddrInUse) return `${address} is already in use (try another --port)`;
  if (options.cert !== undefined && !(e instanceof Deno.errors.NotCapable)) {
    const message = e instanceof Error ? e.message : String(e);
    if (/cert|key|pem|tls/i.test(message)) {
      return `cannot use the certificate or key: ${message} (--cert, --key)`;
    }
  }
  if (e instanceof Deno.errors.AddrNotAvailable) {
    return `cannot listen on ${address}: address not available here (check --host)`;
  }
  if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
    return `permission denied: ${e.message.split("\n")[0]}`;
  }
  return e instanceof Error ? e.message : String(e);
}
