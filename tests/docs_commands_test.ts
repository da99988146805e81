// Every shell block in the README and docs/ is run here as written, from a folder holding what it names
// (./public, ./site, ./app.ts), with the port made free; a block that cannot run on a test machine says why in
// an HTML comment just above it, and a command another test runs says which.
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { startDeno } from "./_helpers.ts";

const top = new URL("..", import.meta.url).pathname;
/** Commands run elsewhere, and where. */
const RUN_ELSEWHERE: [RegExp, string][] = [
  [/ task test\b/, "it is this suite"],
  [/^deno install /, "tests/install_test.ts"],
];

/** Each shell command in `file`'s sh blocks (continuations joined, comments cut), or why its block is not run. */
async function commands(file: string): Promise<{ command: string; skip?: string }[]> {
  const text = await Deno.readTextFile(join(top, file));
  const found: { command: string; skip?: string }[] = [];
  for (
    const block of text.matchAll(/(?:<!-- (not run by the tests:[\s\S]*?)-->\n\n)?```sh\n([\s\S]*?)```/g)
  ) {
    const lines = block[2].replace(/\\\n\s*/g, "").split("\n").filter((line) => line.trim() !== "");
    for (const line of lines) {
      const command = line.replace(/\s+#.*$/, "").trim();
      const elsewhere = RUN_ELSEWHERE.find(([pattern]) => pattern.test(command))?.[1];
      found.push({ command, skip: block[1]?.trim() ?? elsewhere });
    }
  }
  return found;
}

const files = ["README.md", ...[...Deno.readDirSync(join(top, "docs"))].map((e) => `docs/${e.name}`).sort()];
const APP = `export default { fetch: () => new Response("from the app") };\n`;

for (const file of files) {
  for (const { command, skip } of await commands(file)) {
    Deno.test({
      name: `${file}: ${command}`,
      ignore: skip !== undefined,
      async fn() {
        const here = await Deno.makeTempDir({ prefix: "weft-docs-" });
        for (const folder of ["public", "site"]) {
          await Deno.mkdir(join(here, folder));
          await Deno.writeTextFile(join(here, folder, "index.html"), `<h1>${folder}</h1>`);
        }
        await Deno.writeTextFile(join(here, "app.ts"), APP);
        // As written, but with this Deno (the pinned one), weft's mod.ts, and a free port.
        let run = command.replace(/^npx -y deno@[\d.]+ /, "deno ").replace(
          /(^|\s)mod\.ts\b/,
          `$1${top}mod.ts`,
        );
        run = /(^|\s)(-p|--port) \d+/.test(run)
          ? run.replace(/(^|\s)(-p|--port) \d+/, "$1$2 0")
          : `${run} --port 0`;
        const env = { PATH: `${dirname(Deno.execPath())}:${Deno.env.get("PATH") ?? ""}` };
        try {
          const server = await startDeno(["-c", `cd ${here} && exec ${run}`], env, "sh");
          try {
            const res = await fetch(`http://127.0.0.1:${server.port}/`);
            await res.body?.cancel();
            assert.ok(res.status < 500, `${res.status} from ${command}`);
          } finally {
            const status = await server.stop();
            assert.equal(status.code, 0, server.text);
          }
        } finally {
          await Deno.remove(here, { recursive: true });
        }
      },
    });
  }
}
