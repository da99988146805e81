import assert from "node:assert/strict";
import { serve } from "../mod.ts";
import { weftArgs } from "./_helpers.ts";

const testdata = new URL("./testdata/", import.meta.url);

/** A port nothing listens on now. */
function freePort(): number {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  probe.close();
  return probe.addr.port;
}

for (
  const [file, how] of [["close_on_load_app.ts", /self\.close\(\)/], [
    "exit_on_load_app.ts",
    /Deno\.exit\(3\)/,
  ]] as const
) {
  Deno.test(`an app that ends its worker while loading (${how.source}): ready rejects, and the command exits 1`, async () => {
    const app = new URL(file, testdata);
    const server = serve({ port: 0, workers: 1, app });
    await assert.rejects(server.ready, new RegExp(`the app ended its worker \\(${how.source}\\)`));
    await server.finished;
    const out = await new Deno.Command(Deno.execPath(), {
      args: weftArgs("--port", "0", "--app", app.pathname),
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr).trim();
    assert.equal(out.code, 1);
    assert.match(stderr, new RegExp(`^weft: the app ended its worker \\(${how.source}\\)$`));
    assert.equal(new TextDecoder().decode(out.stdout), "", "it announced a URL it does not serve");
  });
}

Deno.test("a client that connects while a broken app loads is refused, and the command exits 1", async () => {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    // A long drain timeout: a held connection would keep weft from exiting for half a minute.
    args: weftArgs(
      "--port",
      String(port),
      "--drain-timeout",
      "30",
      "--app",
      new URL("slow_broken_app.ts", testdata).pathname,
    ),
    env: { NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  let conn: Deno.Conn | null = null;
  // The port is bound at once; the app takes half a second to fail.
  for (const deadline = Date.now() + 5000; conn === null && Date.now() < deadline;) {
    conn = await Deno.connect({ port }).catch(() => null);
    if (conn === null) await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(conn, "weft never listened");
  try {
    await conn.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n")).catch(() => 0);
    // No answer, and no socket held open: the read ends (EOF or reset) when weft gives up.
    const read = await conn.read(new Uint8Array(1024)).catch(() => null);
    assert.equal(read, null);
    const connected = Date.now();
    const status = await child.status;
    assert.equal(status.code, 1);
    assert.ok(Date.now() - connected < 10_000, `weft took ${Date.now() - connected} ms to give up`);
    const lines = (await stderr).trim().split("\n");
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(lines[0], /^weft: cannot load app .*slow_broken_app\.ts: .*the database is not there/);
  } finally {
    conn.close();
  }
});
