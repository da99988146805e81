// Defaults are written once, in lib/config/options.ts: the README's flag table and the options' @default tags
// must say the same.
import assert from "node:assert/strict";
import { FLAGS } from "../lib/cli/flags.ts";
import { DEFAULTS } from "../lib/config/options.ts";
import { WEFT_V8_FLAGS } from "../bench/_shared.ts";

const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));

Deno.test("the README's flag table shows every flag with the default --help shows", () => {
  const rows = new Map<string, string>();
  for (const line of readme.split("\n")) {
    const cells = /^\| `--([a-z0-9-]+)[^|]*\| ([^|]*?) *\|/.exec(line);
    if (cells) rows.set(cells[1], cells[2]);
  }
  for (const flag of FLAGS) {
    if (flag.name === "key" || flag.name === "version") continue;
    assert.ok(rows.has(flag.name), `the README's flag table has no row for --${flag.name}`);
    assert.equal(rows.get(flag.name), flag.shown ?? "", `--${flag.name}'s default in the README`);
  }
});

Deno.test("each option's @default tag is its value in DEFAULTS", async () => {
  const source = await Deno.readTextFile(new URL("../lib/config/options.ts", import.meta.url));
  const tagged = [...source.matchAll(/@default \{([^}]*)\}(?:[^/]|\/(?!\*\*))*?\n\s+(\w+)\?:/g)];
  let checked = 0;
  for (const [, shown, name] of tagged) {
    if (!(name in DEFAULTS)) continue;
    assert.equal(shown, JSON.stringify(DEFAULTS[name as keyof typeof DEFAULTS]), `@default of ${name}`);
    checked++;
  }
  assert.equal(checked, Object.keys(DEFAULTS).length, "an option in DEFAULTS has no @default tag");
});

Deno.test("the README's option table shows each option's default as DEFAULTS has it", () => {
  let checked = 0;
  for (const line of readme.split("\n")) {
    const cells = /^\| ((?:`\w+`(?:, )?)+) *\| [^|]* \| ([^|]*?) *\|/.exec(line);
    if (!cells) continue;
    for (const name of cells[1].match(/\w+/g)!) {
      if (!(name in DEFAULTS)) continue;
      assert.equal(
        cells[2],
        `\`${JSON.stringify(DEFAULTS[name as keyof typeof DEFAULTS])}\``,
        `${name} in the README`,
      );
      checked++;
    }
  }
  assert.ok(checked >= 12, `only ${checked} options found in the README's option table`);
});

Deno.test("the README's start command, `deno task start` and the bench run weft with the same V8 flag", async () => {
  const tasks = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url))).tasks;
  const start = readme.split("\n").find((line) => line.startsWith("npx -y deno@") && line.includes(" run "));
  assert.ok(start !== undefined, "the README's first lines have no start command");
  const v8Flags = (command: string) => command.split(/\s+/).filter((word) => word.startsWith("--v8-flags="));
  assert.deepEqual(v8Flags(start), [WEFT_V8_FLAGS], "the README's start command");
  assert.deepEqual(v8Flags(tasks.start), [WEFT_V8_FLAGS], "deno task start");
});
