import assert from "node:assert/strict";
import { serve } from "../mod.ts";
import { startDeno } from "./_helpers.ts";

Deno.test("weft runs from a remote URL with only --allow-net, an app from a URL too", async () => {
  // This repository served over HTTP stands in for jsr.io, which these machines cannot reach.
  // jsr.io is on Deno's default import list; a local host must be named with --allow-import.
  const repository = new URL("..", import.meta.url).pathname;
  const controller = new AbortController();
  const origin = serve({ port: 0, root: repository, dotfiles: "deny", signal: controller.signal });
  const denoDir = await Deno.makeTempDir({ prefix: "weft-deno-dir-" });
  try {
    const host = `127.0.0.1:${(origin.addr as Deno.NetAddr).port}`;
    const weft = await startDeno(
      [
        "run",
        "--quiet",
        "--allow-net",
        `--allow-import=${host}`,
        `http://${host}/mod.ts`,
        "--port",
        "0",
        "--app",
        `http://${host}/examples/cpu.ts`,
      ],
      { DENO_DIR: denoDir },
    );
    try {
      const res = await fetch(`http://127.0.0.1:${weft.port}/render?rows=2`);
      assert.equal((await res.text()).match(/<tr><td>/g)?.length, 2);
    } finally {
      await weft.stop();
    }
  } finally {
    controller.abort();
    await origin.finished;
    await Deno.remove(denoDir, { recursive: true });
  }
});
