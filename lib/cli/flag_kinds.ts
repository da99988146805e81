/**
 * The kinds of flag (a number, a duration, a switch, text, a choice, a
 * path) and how each reads and checks its value: a wrong one is a
 * {@linkcode UsageError} naming the flag. `flags.ts` lists the flags.
 *
 * @module
 */

import { DEFAULTS, type ServeOptions } from "../config/options.ts";

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

export const code = (value: string | number) => `\`${value}\``;
export const seconds = (ms: number) => code(ms / 1000);

type NumberOption = {
  [K in keyof ServeOptions]-?: NonNullable<ServeOptions[K]> extends number ? K : never;
}[keyof ServeOptions];
type Group = Flag["group"];

/** A whole number from `min` to `max`; shown with its default from the table unless told otherwise. */
export function int(
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
export function time(name: string, group: Group, help: string, key: NumberOption, min: number): Flag {
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
export function on(
  name: string,
  group: Group,
  help: string,
  sets: Partial<ServeOptions>,
  shown = "off",
): Flag {
  return { name, group, help, shown, apply: (options) => Object.assign(options, sets) };
}

/** A string option; `empty` is the message for an empty value, which is refused when given. */
export function text(
  name: string,
  value: string,
  group: Group,
  help: string,
  key: "hostname" | "unix" | "root" | "app" | "config",
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
export function choice(
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
export function path(name: "health" | "metrics", help: string): Flag {
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
