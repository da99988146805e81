/**
 * What the command line asks for: flags read by {@linkcode FLAGS}, then the
 * rules between flags (a key needs a certificate, a unix socket takes no
 * port…). Every refusal is a {@linkcode UsageError} that names the flag.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { ServeOptions } from "../config/options.ts";
import { FLAGS, UsageError } from "./flags.ts";

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
 * import assert from "node:assert/strict";
 * import { parseCommand } from "./command.ts";
 * assert.deepEqual(parseCommand(["--port", "0", "--quiet"]), { kind: "serve", options: { port: 0 }, quiet: true });
 * ```
 */
export function parseCommand(args: string[]): Command {
  const values = readFlags(args);
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  checkCombinations(values);
  const options: ServeOptions = {};
  for (const flag of FLAGS) {
    const value = values[flag.name];
    if (value !== undefined && value !== false) flag.apply?.(options, value);
  }
  const quiet = values.quiet === true;
  if (!quiet) options.log = (values["log-format"] ?? "common") as ServeOptions["log"];
  const command: Command = { kind: "serve", options, quiet };
  if (typeof values.cert === "string" && typeof values.key === "string") {
    command.tls = { certFile: values.cert, keyFile: values.key };
  }
  return command;
}

/** The rules between flags. */
function checkCombinations(values: Record<string, string | boolean | undefined>): void {
  if ((values.cert === undefined) !== (values.key === undefined)) {
    throw new UsageError(values.cert === undefined ? "--key needs --cert" : "--cert needs --key");
  }
  if (values.unix !== undefined) {
    for (const flag of ["host", "port", "cert", "reuse-port"]) {
      if (values[flag] !== undefined) throw new UsageError(`--unix cannot be combined with --${flag}`);
    }
  }
  if (values.health !== undefined && values.health === values.metrics) {
    throw new UsageError("--health and --metrics need different paths");
  }
}

/** The `parseArgs` options for {@linkcode FLAGS}. */
function parseArgsOptions(): Record<string, { type: "string" | "boolean"; short?: string }> {
  const shorts: Record<string, string> = { help: "h", version: "V" };
  return Object.fromEntries(FLAGS.map((f) => [
    f.name,
    {
      type: f.value === undefined ? "boolean" : "string",
      ...(shorts[f.name] ? { short: shorts[f.name] } : {}),
    },
  ]));
}

/** Reads flags with `parseArgs`, turning its errors into {@linkcode UsageError}s that name the flag. */
function readFlags(args: string[]): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({ args, strict: true, allowPositionals: false, options: parseArgsOptions() }).values;
  } catch (e) {
    throw new UsageError(usageMessage(e instanceof Error ? e.message : String(e)));
  }
}

/**
 * `node:util`'s parse errors carry no code we can rely on across runtimes, so
 * its sentences are matched here, once, to name the flag.
 */
function usageMessage(message: string): string {
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
