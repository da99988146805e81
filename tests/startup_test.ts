import assert from "node:assert/strict";
import { serve } from "../mod.ts";
import { eventually } from "../lib/_test_utils.ts";
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

/**
 * Starts weft on `app` (with `flags`) and connects while it loads: the connection waits unanswered in the
 * kernel's queue, and ends (EOF or reset, no socket held open) when weft gives up, which it does within
 * 10 s, exiting 1 with one line matching `line`.
 */
async function failedStart(app: string, flags: string[], line: RegExp): Promise<void> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    // A long drain timeout: a held connection would keep weft from exiting for half a minute.
    args: weftArgs(
      "--port",
      String(port),
      "--drain-timeout",
      "30",
      ...flags,
      "--app",
      new URL(app, testdata).pathname,
    ),
    env: { NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  // The port is bound at once; the app takes a while to fail.
  const conn = await connectWhenListening(port);
  try {
    await conn.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n")).catch(() => 0);
    const read = await conn.read(new Uint8Array(1024)).catch(() => null);
    assert.equal(read, null);
    const connected = Date.now();
    assert.equal((await child.status).code, 1);
    assert.ok(Date.now() - connected < 10_000, `weft took ${Date.now() - connected} ms to give up`);
    const lines = (await stderr).trim().split("\n");
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(lines[0], line);
  } finally {
    conn.close();
  }
}

Deno.test("a client that connects while a broken app loads is refused, and the command exits 1", () =>
  failedStart(
    "slow_broken_app.ts",
    [],
    /^weft: cannot load app .*slow_broken_app\.ts: .*the database is not there/,
  ));

Deno.test("an app that never finishes loading stops the start at --load-timeout, in one line; clients are let go", () =>
  failedStart(
    "hang_on_load_app.ts",
    ["--load-timeout", "2"],
    /^weft: cannot start the workers: the app did not load within 2 s \(--load-timeout\)$/,
  ));

Deno.test("a SIGHUP while the app loads is kept for when it has loaded, not fatal", async () => {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: weftArgs("--port", String(port), "--app", new URL("slow_load_app.ts", testdata).pathname),
    env: { NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const reading = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (text) => void (stderr += text) }),
  );
  // Listening means serve() has returned, and the SIGHUP handler is installed with it.
  (await connectWhenListening(port)).close();
  child.kill("SIGHUP");
  try {
    await eventually(() => stderr.includes("weft: reloaded\n"), 15_000);
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), "loaded");
  } finally {
    child.kill("SIGTERM");
    assert.equal((await child.status).code, 0, stderr);
    await reading;
  }
  assert.match(stderr, /weft listening on/);
});

/** A connection to `port` once something listens there (5 s at most). */
async function connectWhenListening(port: number): Promise<Deno.Conn> {
  for (const deadline = Date.now() + 5000; Date.now() < deadline;) {
    const conn = await Deno.connect({ port }).catch(() => null);
    if (conn !== null) return conn;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`nothing listened on ${port} within 5 s`);
}
