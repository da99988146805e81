// State an app shares across workers: examples/visits.ts counts in Deno KV at one path, so requests on
// connections held by four different workers see one count (module state would count per worker).
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { eventually } from "../lib/_test_utils.ts";
import { readResponses, startDeno, writeAll } from "./_helpers.ts";

const top = new URL("..", import.meta.url).pathname;

Deno.test("examples/visits.ts: one count across 4 workers, through Deno KV at one path", async () => {
  const here = await Deno.makeTempDir({ prefix: "weft-kv-" });
  const env = { PATH: `${dirname(Deno.execPath())}:${Deno.env.get("PATH") ?? ""}` };
  const run = `deno run --unstable-kv --allow-net --allow-read --allow-write=. ${top}mod.ts ` +
    `--app ${join(top, "examples/visits.ts")} --workers 4 --port 0`;
  const weft = await startDeno(["-c", `cd ${here} && exec ${run}`], env, "sh");
  const conns: Deno.Conn[] = [];
  try {
    await eventually(() =>
      /4 workers each load the app, so its module state .* is per worker/.test(weft.stderr)
    );
    // Open together, eight connections spread over the four workers (two each).
    for (let i = 0; i < 8; i++) conns.push(await Deno.connect({ hostname: "127.0.0.1", port: weft.port }));
    const seen: string[] = [];
    for (let round = 0; round < 2; round++) {
      for (const conn of conns) {
        await writeAll(conn, new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        seen.push((await readResponses(conn, 1))[0].body.trim());
      }
    }
    assert.deepEqual(seen, Array.from({ length: 16 }, (_, i) => `visit ${i + 1}`));
  } finally {
    for (const conn of conns) conn.close();
    await weft.stop();
    await Deno.remove(here, { recursive: true });
  }
});
