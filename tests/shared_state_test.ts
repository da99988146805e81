// State an app shares across workers: examples/visits.ts and examples/json_api.ts keep their data in Deno KV at
// one path, so requests on connections held by four different workers see the same data (module state would be
// per worker). Each runs in a temporary folder, where its KV file goes.
import assert from "node:assert/strict";
import { join } from "node:path";
import { eventually } from "../lib/_test_utils.ts";
import { type ParsedResponse, readResponses, startDeno, type StartedProcess, writeAll } from "./_helpers.ts";

const top = new URL("..", import.meta.url).pathname;
const enc = new TextEncoder();

interface FourWorkers {
  weft: StartedProcess;
  /** Eight connections, opened together, so two are held by each worker. */
  conns: Deno.Conn[];
  /** Sends one request on `conn` and reads its response. */
  ask: (conn: Deno.Conn, method: string, path: string, body?: string) => Promise<ParsedResponse>;
}

/** Runs weft with `example` under 4 workers in a fresh folder (with `flags` added), then closes it all. */
async function withFourWorkers(
  example: string,
  flags: string[],
  body: (run: FourWorkers) => Promise<void>,
): Promise<void> {
  const here = await Deno.makeTempDir({ prefix: "weft-kv-" });
  const weft = await startDeno(
    ["run", "--unstable-kv", "--allow-net", "--allow-read", "--allow-write=.", join(top, "mod.ts")]
      .concat(["--app", join(top, "examples", example), "--workers", "4", "--port", "0", ...flags]),
    {},
    Deno.execPath(),
    here,
  );
  const conns: Deno.Conn[] = [];
  const ask = async (conn: Deno.Conn, method: string, path: string, body = "") => {
    const length = method === "GET" || method === "DELETE"
      ? ""
      : `Content-Length: ${enc.encode(body).length}\r\n`;
    await writeAll(conn, enc.encode(`${method} ${path} HTTP/1.1\r\nHost: x\r\n${length}\r\n${body}`));
    return (await readResponses(conn, 1, method))[0];
  };
  try {
    await eventually(() =>
      /4 workers each load the app, so its module state .* is per worker/.test(weft.stderr)
    );
    for (let i = 0; i < 8; i++) conns.push(await Deno.connect({ hostname: "127.0.0.1", port: weft.port }));
    await body({ weft, conns, ask });
  } finally {
    for (const conn of conns) conn.close();
    await weft.stop();
    await Deno.remove(here, { recursive: true });
  }
}

Deno.test("examples/visits.ts: one count across 4 workers, through Deno KV at one path", async () => {
  await withFourWorkers("visits.ts", [], async ({ conns, ask }) => {
    const seen: string[] = [];
    for (const conn of conns) seen.push((await ask(conn, "GET", "/")).body.trim());
    assert.deepEqual(seen, Array.from({ length: 8 }, (_, i) => `visit ${i + 1}`));
    // Eight at once, through every worker, five times: their writes meet, and each is still counted once.
    for (let round = 0; round < 5; round++) await Promise.all(conns.map((conn) => ask(conn, "GET", "/")));
    assert.equal((await ask(conns[0], "GET", "/")).body, "visit 49\n");
  });
});

Deno.test("examples/json_api.ts: a todo POSTed through one worker comes back through all four", async () => {
  await withFourWorkers("json_api.ts", [], async ({ conns, ask }) => {
    const created = await ask(conns[0], "POST", "/api/todos", JSON.stringify({ title: " write tests " }));
    assert.equal(created.status, 201, created.body);
    assert.deepEqual(JSON.parse(created.body), { id: 1, title: "write tests", done: false });
    for (const conn of conns) {
      assert.deepEqual(JSON.parse((await ask(conn, "GET", "/api/todos")).body), [JSON.parse(created.body)]);
    }
    // Eight POSTs at once, through every worker: each gets its own id (a clash is retried, not lost).
    const many = await Promise.all(
      conns.map((conn, i) => ask(conn, "POST", "/api/todos", JSON.stringify({ title: `todo ${i}` }))),
    );
    const ids = many.map((res) => JSON.parse(res.body).id).sort((a, b) => a - b);
    assert.deepEqual(ids, [2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(JSON.parse((await ask(conns[5], "GET", "/api/todos")).body).length, 9);
    const done = await ask(conns[3], "PATCH", "/api/todos/1", JSON.stringify({ done: true }));
    assert.deepEqual(JSON.parse(done.body), { id: 1, title: "write tests", done: true });
    assert.equal(JSON.parse((await ask(conns[6], "GET", "/api/todos/1")).body).done, true);
    assert.equal((await ask(conns[2], "DELETE", "/api/todos/1")).status, 204);
    assert.equal((await ask(conns[7], "GET", "/api/todos/1")).status, 404);
  });
});

Deno.test("examples/json_api.ts: bad input gets 400, 422 or 405; files are served outside /api", async () => {
  const root = await Deno.makeTempDir({ prefix: "weft-files-" });
  await Deno.writeTextFile(join(root, "index.html"), "<h1>from files</h1>");
  try {
    await withFourWorkers("json_api.ts", ["--root", root], async ({ conns: [conn], ask }) => {
      const cases: [string, string, string, number, RegExp][] = [
        ["POST", "/api/todos", "{", 400, /must be a JSON object/],
        ["POST", "/api/todos", "[1]", 400, /must be a JSON object/],
        ["POST", "/api/todos", '{"title": "  "}', 422, /title must be a non-empty string/],
        ["PATCH", "/api/todos/9", '{"done": true}', 404, /no such todo/],
        ["PUT", "/api/todos", "{}", 405, /PUT is not allowed here/],
        ["GET", "/api/nothing", "", 404, /no route for \/api\/nothing/],
      ];
      for (const [method, path, body, status, error] of cases) {
        const res = await ask(conn, method, path, body);
        assert.equal(res.status, status, `${method} ${path}`);
        assert.match(res.headers.get("content-type")!, /json/);
        assert.match(JSON.parse(res.body).error, error);
      }
      assert.equal((await ask(conn, "PUT", "/api/todos/1", "{}")).headers.get("allow"), "GET, PATCH, DELETE");
      assert.equal((await ask(conn, "GET", "/index.html")).body, "<h1>from files</h1>");
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
