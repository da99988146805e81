import assert from "node:assert/strict";
import { serve } from "../mod.ts";
import { curl, hasTool, makeRoot, readAll, weftArgs } from "./_helpers.ts";

const HAS_CURL = await hasTool("curl");

Deno.test("--unix: HTTP over a unix socket, by raw bytes (and curl where installed); the socket file goes at shutdown", async () => {
  const root = await makeRoot({ "index.html": "<h1>over a socket</h1>" });
  const dir = await Deno.makeTempDir({ prefix: "weft-unix-" });
  const path = `${dir}/weft.sock`;
  const controller = new AbortController();
  const app = new URL("./testdata/contract_app.ts", import.meta.url);
  const server = serve({ unix: path, root, app, signal: controller.signal });
  try {
    await server.ready;
    assert.deepEqual(server.addr, { transport: "unix", path });
    assert.equal((await Deno.lstat(path)).mode! & 0o777, 0o660);
    const conn = await Deno.connect({ transport: "unix", path });
    await conn.write(
      new TextEncoder().encode("GET /index.html HTTP/1.1\r\nHost: app.example\r\nConnection: close\r\n\r\n"),
    );
    const raw = await readAll(conn);
    conn.close();
    assert.match(raw.text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(raw.text.endsWith("<h1>over a socket</h1>"));

    if (HAS_CURL) {
      const fetched = await curl("--unix-socket", path, "http://app.example/info");
      assert.equal(fetched.code, 0, fetched.stderr);
      assert.equal(JSON.parse(fetched.stdout).url, "http://app.example/info");
    }
  } finally {
    controller.abort();
    await server.finished;
  }
  await assert.rejects(() => Deno.lstat(path), Deno.errors.NotFound);
  await Deno.remove(root, { recursive: true });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("CLI: --unix needs --allow-write; a path that exists is refused, naming the flag; not with --port", async () => {
  const dir = await Deno.makeTempDir({ prefix: "weft-unix-" });
  const path = `${dir}/left-behind.sock`;
  await Deno.writeTextFile(path, "");
  const run = (args: string[]) =>
    new Deno.Command(Deno.execPath(), { args, stdout: "null", stderr: "piped" }).output();
  const denied = await run(weftArgs("--unix", path));
  assert.equal(denied.code, 1);
  assert.match(new TextDecoder().decode(denied.stderr), /^weft: permission denied: .*--allow-write/);
  const [command, ...rest] = weftArgs("--unix", path);
  const taken = await run([command, "--allow-write", ...rest]);
  assert.equal(taken.code, 1);
  assert.match(new TextDecoder().decode(taken.stderr), /^weft: .*left-behind\.sock exists: .*\(--unix\)\n$/);
  // Deno asks for read access to the socket's path too: say so, whichever it checked first.
  const [, , , ...args] = weftArgs("--unix", `${dir}/new.sock`);
  const unreadable = await run([
    "run",
    "--allow-net",
    `--allow-read=${Deno.cwd()},${new URL("..", import.meta.url).pathname}`,
    `--allow-write=${dir}`,
    ...args,
  ]);
  assert.equal(unreadable.code, 1);
  assert.match(
    new TextDecoder().decode(unreadable.stderr),
    /^weft: permission denied: .*new\.sock.*needs --allow-read and --allow-write for its path\)\n$/,
  );
  const both = await run(weftArgs("--unix", path, "--port", "8080"));
  assert.equal(both.code, 2);
  assert.equal(new TextDecoder().decode(both.stderr), "weft: --unix cannot be combined with --port\n");
  await Deno.remove(dir, { recursive: true });
});
