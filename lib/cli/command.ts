/**
 * What the command line asks for: flags read by {@linkcode FLAGS}, then the
 * rules between flags (a key needs a certificate, a unix socket takes no
 * port…). Every refusal is a {@linkcode UsageError} that names the flag.
 *
 * @module
 */

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
    if (value !== undefined) flag.apply?.(options, value);
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
function checkCombinations(values: Record<string, string | true>): void {
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

const SHORT: Readonly<Record<string, string>> = { "-h": "help", "-V": "version" };

/**
 * Reads `--name value`, `--name=value` and switches as {@linkcode FLAGS}
 * describes them. A value that starts with "-" must be joined with "=", so a
 * forgotten value never swallows the next flag.
 */
function readFlags(args: string[]): Record<string, string | true> {
  const values: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (SHORT[arg] !== undefined) {
      values[SHORT[arg]] = true;
      continue;
    }
    if (!arg.startsWith("--")) {
      throw new UsageError(`unexpected argument "${arg}" (flags start with --; see --help)`);
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const flag = FLAGS.find((f) => f.name === name);
    if (flag === undefined) throw new UsageError(`unknown flag --${name} (see --help)`);
    if (flag.value === undefined) {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      values[name] = true;
    } else if (eq !== -1) {
      values[name] = arg.slice(eq + 1);
    } else {
      const value = args[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      if (value.startsWith("-")) {
        throw new UsageError(`--${name} needs a value; for one starting with "-" write --${name}=-…`);
      }
      values[name] = value;
    }
  }
  return values;
}
