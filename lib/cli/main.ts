/**
 * The command: flags → `serve()`, signals → a graceful shutdown, and every
 * failure as one line that says what to do (exit 2 for a wrong flag, 1 for a
 * server that cannot start).
 *
 * @module
 */

import { DEFAULTS, type ServeOptions } from "../config/options.ts";
import { ListenOptionError } from "../listen.ts";
import { serve, type Server } from "../server.ts";
import { type Command, parseCommand } from "./command.ts";
import { UsageError } from "./flags.ts";
import { helpText } from "./help.ts";
import { waitAtMost } from "../wait_at_most.ts";
import { hashPassword } from "../answer/basic_auth.ts";

/** At exit, how long notices still being written to stderr may take (ms): a stderr nobody reads never drains. */
const NOTICE_DRAIN_WAIT = 1000;

/** The version printed by `--version`; kept equal to deno.json's. */
export const VERSION = "0.1.0";

/**
 * Runs the command line and returns the exit code.
 *
 * @example
 * ```ts ignore
 * import { main } from "./main.ts";
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
  if (command.kind === "help") console.log(helpText(VERSION));
  if (command.kind === "version") console.log(`weft ${VERSION}`);
  if (command.kind === "hash-password") {
    // One line from stdin (a pipe, or typed), its newline dropped: the password is never an argument, which
    // `ps` and shell history would show.
    const password = (await new Response(Deno.stdin.readable).text()).replace(/\r?\n$/, "");
    if (password === "") {
      console.error("weft: --hash-password reads the password on stdin; got none");
      return 2;
    }
    console.log(await hashPassword(password));
  }
  if (command.kind !== "serve") return 0;
  if (command.tls !== undefined) {
    for (
      const [flag, file, key] of [["--cert", command.tls.certFile, "cert"], [
        "--key",
        command.tls.keyFile,
        "key",
      ]]
    ) {
      try {
        command.options[key as "cert" | "key"] = await Deno.readTextFile(file);
      } catch (e) {
        console.error(`weft: ${flag} ${file}: ${e instanceof Error ? e.message : e}`);
        return 2;
      }
    }
  }
  return await run(command.options, command.quiet);
}

/** Serves until a signal, and returns the exit code. */
async function run(options: ServeOptions, quiet: boolean): Promise<number> {
  const controller = new AbortController();
  // Not console.error: it writes synchronously, and a stderr nobody reads would freeze the drain. What is
  // still being written when weft is done gets a moment before the exit, which would drop it.
  const writing = new Set<Promise<void>>();
  const notice = (text: string) => {
    const write = Deno.stderr.write(new TextEncoder().encode(`weft: ${text}\n`)).then(() => {}, () => {});
    writing.add(write);
    write.finally(() => writing.delete(write));
  };
  // SIGHUP reloads, as nginx does: new workers load the app afresh, and no request is dropped. It is heard
  // from before the port is bound (by default it would end the process); one that comes before the workers
  // are ready waits for them.
  let server: Server | undefined;
  let hungUpEarly = false;
  const onHangup = () => {
    if (server === undefined) return void (hungUpEarly = true);
    if (!quiet) notice("reloading: new workers, connections move to them between requests");
    server.reload().then(
      () => void (quiet || notice("reloaded")),
      (e) => notice(`reload failed, the old workers serve on: ${e instanceof Error ? e.message : e}`),
    );
  };
  const hangup = Deno.build.os === "windows" ? null : "SIGHUP";
  if (hangup !== null) Deno.addSignalListener(hangup, onHangup);
  try {
    server = serve({ ...options, signal: controller.signal });
  } catch (e) {
    console.error(`weft: ${startupMessage(e, options)}`);
    if (hangup !== null) Deno.removeSignalListener(hangup, onHangup);
    return 1;
  }
  if (hungUpEarly) onHangup();
  try {
    await server.ready;
  } catch (e) {
    console.error(`weft: ${e instanceof Error ? e.message : e}`);
    await server.finished;
    if (hangup !== null) Deno.removeSignalListener(hangup, onHangup);
    return 1;
  }
  // stdout carries the access log alone (a pipe into jq or goaccess reads only its lines); notices go to stderr.
  if (!quiet) { for (const line of listeningLines(server)) console.error(line); }
  if (!quiet && options.app !== undefined && server.workers > 1) {
    console.error(
      `weft: ${server.workers} workers each load the app, so its module state (a Map, a counter) is per worker; ` +
        "keep shared data in Deno KV at one path (README: Apps)",
    );
  }
  if (!quiet && options.dev) {
    console.error(
      "weft: dev mode: pages reload when files change, the app reloads when it changes, nothing is cached, " +
        "errors show stacks; not for production",
    );
  }
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const onSignal = () => {
    if (controller.signal.aborted) Deno.exit(130);
    if (!quiet) notice("shutting down, finishing requests in flight (signal again to quit now)");
    controller.abort();
  };
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  // It rejects when weft stopped by itself to be restarted; why was printed when it happened.
  const failed = await server.finished.then(() => false, () => true);
  for (const s of signals) Deno.removeSignalListener(s, onSignal);
  if (hangup !== null) Deno.removeSignalListener(hangup, onHangup);
  await waitAtMost(Promise.all(writing), NOTICE_DRAIN_WAIT);
  return failed ? 1 : 0;
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

/** Why the server could not start, in one line that names the flag to change. */
function startupMessage(e: unknown, options: ServeOptions): string {
  const address = `${options.hostname ?? DEFAULTS.hostname}:${options.port ?? DEFAULTS.port}`;
  if (e instanceof ListenOptionError && e.option === "reusePort") {
    return "--reuse-port needs Deno's --unstable-net flag: deno run --unstable-net --allow-net --allow-read " +
      "mod.ts --reuse-port …";
  }
  if (e instanceof ListenOptionError && e.option === "cert") return `${e.message} (--cert, --key)`;
  if (e instanceof Deno.errors.AddrInUse) {
    return options.unix === undefined
      ? `${address} is already in use (try another --port)`
      : `${options.unix} exists: another server listens there, or one that was killed left it behind ` +
        `(remove it if nothing listens) (--unix)`;
  }
  if (e instanceof Deno.errors.AddrNotAvailable) {
    return `cannot listen on ${address}: address not available here (check --host)`;
  }
  if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
    // Deno asks for both on a unix socket's path, and names only the one it checked first.
    const unix = options.unix === undefined
      ? ""
      : ` (a unix socket needs --allow-read and --allow-write for its path)`;
    return `permission denied: ${e.message.split("\n")[0]}${unix}`;
  }
  return e instanceof Error ? e.message : String(e);
}
