/**
 * The `--help` text, made from the flag table: usage, then each group of
 * flags with what they do and their defaults.
 *
 * @module
 */

import { FLAGS } from "./flags.ts";

/**
 * The `--help` text: usage, then every flag by group with its default.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { helpText } from "./help.ts";
 * assert.match(helpText("1.0.0"), /--port N +port; 0 picks a free one \(the URL is printed\) \(default 7878\)/);
 * ```
 */
export function helpText(version: string): string {
  const lines = [
    `weft ${version} — an HTTP/1.1 server on a pool of workers`,
    "",
    "Usage: deno run --allow-net --allow-read mod.ts [FOLDER] [flags]",
    "",
    "Serves FOLDER (or --root; static/ beside mod.ts if neither, none with --app alone).",
  ];
  let group = "";
  for (const flag of FLAGS) {
    if (flag.group !== group) lines.push("", `${(group = flag.group)}:`);
    const name = `${flag.short ? `-${flag.short}, ` : "    "}--${flag.name}${
      flag.value ? ` ${flag.value}` : ""
    }`
      .padEnd(30);
    const shown = flag.shown?.replaceAll("`", "");
    const fallback = shown === undefined || shown === "off" || shown === "none" ? "" : ` (default ${shown})`;
    lines.push(`  ${name}${flag.help}${fallback}`);
  }
  return lines.join("\n") + "\n";
}
