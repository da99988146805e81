import assert from "node:assert/strict";
import { exchange, parseResponses, readAll, readResponses, serverTest } from "./_helpers.ts";

const FAULTY = new URL("./testdata/fault_app.ts", import.meta.url);
const enc = new TextEncoder();

/** A keep-alive connection that has been served once, so it sits idle on a worker. */
async function idleConnection(port: number): Promise<Deno.Conn> {
  const conn = await Deno.connect({ port });
  await conn.write(enc.encode("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n"));
  const [res] = await readResponses(conn, 1);
  assert.equal(res.body, "ok");
  return conn;
}

/** The idle connection still works: its worker may have changed, the client cannot tell. */
async function stillServes(conn: Deno.Conn): Promise<void> {
  await conn.write(enc.encode("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n"));
  const [res] = await readResponses(conn, 1);
  assert.equal(res.status, 200);
  assert.equal(res.body, "ok");
}

for (
  const [path, what] of [["/crash", "an uncaught error"], ["/exit", "self.close()"], [
    "/hang",
    "an endless loop",
  ]]
) {
  serverTest(`a worker lost to ${what}: its request gets 503, idle connections never notice`, async (t) => {
    const idle = await idleConnection(t.port);
    try {
      const started = Date.now();
      const { text, closed } = await exchange(t.port, `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`, 5000);
      const [res] = parseResponses(text);
      assert.equal(res?.status, 503, text);
      assert.match(res.body, /worker handling this request failed/);
      assert.equal(res.headers.get("retry-after"), "1");
      assert.ok(closed);
      assert.ok(Date.now() - started < 4500, `took ${Date.now() - started} ms`);
      await stillServes(idle);
      const fresh = await fetch(t.url("/ok"));
      assert.equal(await fresh.text(), "ok");
    } finally {
      idle.close();
    }
  }, { options: { app: FAULTY, workers: 1, handlerTimeout: 500 } });
}

serverTest(
  "a slow handler gets 503 at the handler timeout and its signal aborts; the worker stays",
  async (t) => {
    const idle = await idleConnection(t.port);
    try {
      const { text } = await exchange(t.port, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n", 3000);
      const [res] = parseResponses(text);
      assert.equal(res.status, 503);
      assert.match(res.body, /handler took too long/);
      await stillServes(idle);
    } finally {
      idle.close();
    }
  },
  { options: { app: FAULTY, workers: 1, handlerTimeout: 300 } },
);

serverTest("past maxInFlight per worker, a request gets 503 with Retry-After", async (t) => {
  const busy = await Deno.connect({ port: t.port });
  try {
    await busy.write(enc.encode("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
    await new Promise((r) => setTimeout(r, 200));
    const { text } = await exchange(t.port, "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
    const [res] = parseResponses(text);
    assert.equal(res.status, 503);
    assert.equal(res.headers.get("retry-after"), "1");
  } finally {
    busy.close();
  }
}, { options: { app: FAULTY, workers: 1, maxInFlight: 1 } });

serverTest(
  "two requests in one write, then their worker dies: the first is answered, the second gets 503",
  async (t) => {
    const conn = await Deno.connect({ port: t.port });
    try {
      await conn.write(
        enc.encode("GET /ok HTTP/1.1\r\nHost: x\r\n\r\nGET /slow HTTP/1.1\r\nHost: x\r\n\r\n"),
      );
      const [first] = await readResponses(conn, 1);
      assert.equal(first.body, "ok");
      // Another client's request brings the worker down while /slow waits on it.
      const crash = await Deno.connect({ port: t.port });
      await crash.write(enc.encode("GET /crash HTTP/1.1\r\nHost: x\r\n\r\n"));
      try {
        const { text, closed } = await readAll(conn, 5000);
        const [second] = parseResponses(text);
        assert.equal(second?.status, 503, text);
        assert.equal(second.headers.get("retry-after"), "1");
        assert.ok(closed);
      } finally {
        crash.close();
      }
    } finally {
      conn.close();
    }
  },
  { options: { app: FAULTY, workers: 1 } },
);
