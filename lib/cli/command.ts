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
  | { kind: "hash-password" }
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
 * const site = parseCommand(["./site", "-p", "8080", "-H", "X-Frame-Options: DENY", "--quiet"]);
 * assert.deepEqual(site, {
 *   kind: "serve",
 *   options: { root: "./site", port: 8080, headers: [["X-Frame-Options", "DENY"]] },
 *   quiet: true,
 * });
 * ```
 */
export function parseCommand(args: string[]): Command {
  const { values, folder } = readFlags(args);
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  if (values["hash-password"]) return { kind: "hash-password" };
  checkCombinations(values, folder);
  const options: ServeOptions = {};
  if (folder !== undefined) options.root = folder;
  for (const flag of FLAGS) {
    for (const value of values[flag.name] ?? []) flag.apply?.(options, value);
  }
  const quiet = values.quiet !== undefined;
  if (!quiet) options.log = (last(values, "log-format") ?? "common") as ServeOptions["log"];
  const command: Command = { kind: "serve", options, quiet };
  const [cert, key] = [last(values, "cert"), last(values, "key")];
  if (typeof cert === "string" && typeof key === "string") command.tls = { certFile: cert, keyFile: key };
  return command;
}

/** Every use of each flag, in order. */
type FlagValues = Record<string, (string | true)[]>;

/** The value a flag was last given: a flag given twice takes its last value, as most commands do. */
function last(values: FlagValues, name: string): string | true | undefined {
  return values[name]?.at(-1);
}

/** The rules between flags. */
function checkCombinations(values: FlagValues, folder: string | undefined): void {
  if ((values.cert === undefined) !== (values.key === undefined)) {
    throw new UsageError(values.cert === undefined ? "--key needs --cert" : "--cert needs --key");
  }
  if (values.unix !== undefined) {
    for (const flag of ["host", "port", "cert", "reuse-port"]) {
      if (values[flag] !== undefined) throw new UsageError(`--unix cannot be combined with --${flag}`);
    }
  }
  if (values.health !== undefined && last(values, "health") === last(values, "metrics")) {
    throw new UsageError("--health and --metrics need different paths");
  }
  if (folder !== undefined && values.root !== undefined) {
    throw new UsageError(`the folder is given twice: "${folder}" and --root ${last(values, "root")}`);
  }
}

/**
 * Reads `--name value`, `--name=value`, `-p value`, switches as
 * {@linkcode FLAGS} describes them, and one folder to serve. A value that
 * starts with "-" must be joined with "=", so a forgotten value never
 * swallows the next flag.
 */
function readFlags(args: string[]): { values: FlagValues; folder?: string } {
  const values: FlagValues = {};
  let folder: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("-") || arg === "-") {
      if (folder !== undefined) {
        throw new UsageError(`one folder to serve, got "${folder}" and "${arg}" (flags start with --)`);
      }
      folder = arg;
      continue;
    }
    const eq = arg.indexOf("=");
    const written = arg.slice(0, eq === -1 ? undefined : eq);
    const flag = written.startsWith("--")
      ? FLAGS.find((f) => f.name === written.slice(2))
      : FLAGS.find((f) => f.short !== undefined && `-${f.short}` === written);
    if (flag === undefined) throw new UsageError(`unknown flag ${written} (see --help)`);
    let value: string | true;
    if (flag.value === undefined) {
      if (eq !== -1) throw new UsageError(`${written} takes no value`);
      value = true;
    } else if (eq !== -1) {
      value = arg.slice(eq + 1);
    } else {
      value = args[++i];
      if (value === undefined) throw new UsageError(`${written} needs a value`);
      if (value.startsWith("-")) {
        throw new UsageError(`${written} needs a value; for one starting with "-" write ${written}=-…`);
      }
    }
    (values[flag.name] ??= []).push(value);
  }
  return { values, folder };
}
