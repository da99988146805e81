/**
 * The command line: flags → {@linkcode serve} options, signals → shutdown.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { serve, type ServeOptions } from "./server.ts";

/** The version printed by `--version`; kept equal to deno.json's. */
export const VERSION = "0.1.0";

const HELP = `weft ${VERSION} — an HTTP/1.1 server on a pool of workers

Usage: deno run --allow-net --allow-read mod.ts [flags]

  --host NAME            address to listen on (default 127.0.0.1)
  --port N               port, 0 for any free one (default 7878)
  --root DIR             folder to serve (default: static/ beside mod.ts)
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
  --quiet                print nothing but errors
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
  | { kind: "serve"; options: ServeOptions; quiet: boolean };

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
        root: { type: "string" },
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
  if (values.root !== undefined) options.root = values.root;
  if (values.workers !== undefined) options.workers = integer("--workers", values.workers, 1, 1024);
  if (values["drain-timeout"] !== undefined) {
    const seconds = Number(values["drain-timeout"]);
    if (values["drain-timeout"].trim() === "" || !Number.isFinite(seconds) || seconds < 0) {
      throw new UsageError(`--drain-timeout takes seconds ≥ 0, got "${values["drain-timeout"]}"`);
    }
    options.drainTimeout = seconds * 1000;
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
  return { kind: "serve", options, quiet: values.quiet ?? false };
}

function integer(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^[0-9]+$/.test(text) || n < min || n > max) {
    throw new UsageError(`${flag} takes a whole number from ${min} to ${max}, got "${text}"`);
  }
  return n;
}

function usageMessage(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown flag ${unknown[1]} (see --help)`;
  const missing = /Option '(?:-\w, )?(--[\w-]+)[^']*' argument missing/.exec(message);
  if (missing) return `${missing[1]} needs a value`;
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
  const controller = new AbortController();
  let server;
  try {
    server = serve({ ...command.options, signal: controller.signal });
  } catch (e) {
    console.error(`weft: ${startupMessage(e, command.options)}`);
    return 1;
  }
  const { hostname, port } = server.addr;
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  if (!command.quiet) console.log(`weft listening on http://${host}:${port}/`);
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const onSignal = () => {
    if (controller.signal.aborted) Deno.exit(130);
    if (!command.quiet) {
      console.log("weft: shutting down, finishing requests in flight (signal again to quit now)");
    }
    controller.abort();
  };
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  await server.finished;
  for (const s of signals) Deno.removeSignalListener(s, onSignal);
  return 0;
}

function startupMessage(e: unknown, options: ServeOptions): string {
  const address = `${options.hostname ?? "127.0.0.1"}:${options.port ?? 7878}`;
  if (e instanceof Deno.errors.AddrInUse) return `${address} is already in use (try another --port)`;
  if (e instanceof Deno.errors.AddrNotAvailable) {
    return `cannot listen on ${address}: address not available here (check --host)`;
  }
  if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
    return `permission denied: ${e.message.split("\n")[0]}`;
  }
  return e instanceof Error ? e.message : String(e);
}
