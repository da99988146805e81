// The README's install line, run as written but into a temporary root: it gives a `weft` command that prints
// its version and help and serves a folder.
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { startDeno } from "./_helpers.ts";

const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
const top = new URL("..", import.meta.url).pathname;

Deno.test("install: the README's `deno install` line gives a weft command that serves a folder", async () => {
  const line = /^deno install .*?(?=\s+#|$)/m.exec(readme)?.[0];
  assert.ok(line !== undefined, "the README has no `deno install` line");
  const root = await Deno.makeTempDir({ prefix: "weft-install-" });
  const site = await Deno.makeTempDir({ prefix: "weft-site-" });
  // The installed script runs `deno` from PATH: this one.
  const env = { PATH: `${dirname(Deno.execPath())}:${Deno.env.get("PATH") ?? ""}` };
  try {
    const args = ["install", "--root", root, ...line.split(/\s+/).slice(2)];
    const installed = await new Deno.Command(Deno.execPath(), { args, cwd: top, env, stderr: "piped" })
      .output();
    assert.ok(installed.success, new TextDecoder().decode(installed.stderr));
    const weft = `${root}/bin/weft`;
    const run = async (...flags: string[]) =>
      new TextDecoder().decode((await new Deno.Command(weft, { args: flags, env }).output()).stdout);
    assert.match(await run("--version"), /^weft \d+\.\d+\.\d+/);
    assert.match(await run("--help"), /--root DIR/);
    await Deno.writeTextFile(`${site}/index.html`, "<h1>installed</h1>");
    const server = await startDeno([site, "--port", "0"], env, weft);
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/`);
      assert.equal(await res.text(), "<h1>installed</h1>");
    } finally {
      await server.stop();
    }
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(site, { recursive: true });
  }
});
