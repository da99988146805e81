import assert from "node:assert/strict";
import { eventually } from "../lib/_test_utils.ts";
import {
  exchange,
  type ParsedResponse,
  parseResponses,
  readAll,
  readResponses,
  serverTest,
  startDeno,
  startServer,
  weftArgs,
} from "./_helpers.ts";

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
    "/deno-exit",
    "Deno.exit()",
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
      // The worker says it closed, or throws: it is replaced at once, not after a silence.
      assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
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
    // Once the slow request holds the only place, the next is turned away.
    let res: ParsedResponse | undefined;
    await eventually(async () => {
      [res] = parseResponses((await exchange(t.port, "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")).text);
      return res?.status === 503;
    });
    assert.equal(res!.headers.get("retry-after"), "1");
    assert.match(res!.body, /at capacity/);
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

serverTest(
  "a handler that never settles gives its in-flight place back at the handler timeout",
  async (t) => {
    const [timedOut] = parseResponses(
      (await exchange(t.port, "GET /never HTTP/1.1\r\nHost: x\r\n\r\n", 3000)).text,
    );
    assert.equal(timedOut.status, 503);
    assert.match(timedOut.body, /handler took too long/);
    const after = await fetch(t.url("/ok"));
    assert.equal(after.status, 200, "the only in-flight place is still taken");
    assert.equal(await after.text(), "ok");
  },
  { options: { app: FAULTY, workers: 1, maxInFlight: 1, handlerTimeout: 300 } },
);

serverTest(
  "a client that leaves a stalled stream: its place is given back and the stream is cancelled",
  async (t) => {
    const conn = await Deno.connect({ port: t.port });
    await conn.write(enc.encode("GET /stalled-stream HTTP/1.1\r\nHost: x\r\n\r\n"));
    const buf = new Uint8Array(1024);
    let seen = "";
    while (!seen.includes("first")) {
      seen += new TextDecoder().decode(
        buf.subarray(0, (await conn.read(buf))!),
      );
    }
    conn.close();
    await eventually(async () => {
      const res = await fetch(t.url("/cancelled"));
      return res.status === 200 && await res.text() === "1";
    });
  },
  { options: { app: FAULTY, workers: 1, maxInFlight: 1 } },
);

serverTest(
  "a body stream that yields a string after bytes is cut off, never sent as NUL bytes",
  async (t) => {
    const { text, closed } = await exchange(t.port, "GET /string-chunk HTTP/1.1\r\nHost: x\r\n\r\n", 3000);
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(
      text,
      /\r\n\r\n4\r\nfine\r\n$/,
      "anything after the good chunk, a last chunk above all, was sent",
    );
    assert.ok(closed);
  },
  { options: { app: FAULTY, workers: 1 } },
);

Deno.test("a worker stuck in an endless loop: its request gets 503, weft drains and finished rejects", async () => {
  const t = await startServer(undefined, { app: FAULTY, workers: 2, handlerTimeout: 500 });
  try {
    const idle = await idleConnection(t.port);
    const { text } = await exchange(t.port, "GET /hang HTTP/1.1\r\nHost: x\r\n\r\n", 5000);
    const [res] = parseResponses(text);
    assert.equal(res?.status, 503, text);
    assert.match(res.body, /worker handling this request failed/);
    await assert.rejects(
      t.server.finished,
      /worker \d has answered nothing for .*Deno cannot stop it; weft must be restarted/,
    );
    assert.equal((await readAll(idle, 2000)).closed, true, "an idle connection outlived the drain");
    idle.close();
    await assert.rejects(Deno.connect({ port: t.port }), "weft still accepts connections");
  } finally {
    await Deno.remove(t.root, { recursive: true });
  }
});

/** A copy of the flaky app in a folder of its own, with its state file. */
async function flakyApp(): Promise<{ app: URL; setState: (state: string) => Promise<void>; dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "weft-flaky-" });
  await Deno.copyFile(new URL("./testdata/flaky_load_app.ts", import.meta.url), `${dir}/app.ts`);
  const setState = (state: string) => Deno.writeTextFile(`${dir}/state.txt`, state);
  await setState("ok");
  return { app: new URL(`file://${dir}/app.ts`), setState, dir };
}

Deno.test("a replacement whose app cannot load is retried, and gets no connection until it is ready", async () => {
  const flaky = await flakyApp();
  const t = await startServer(undefined, { app: flaky.app, workers: 2, metrics: "/metrics" });
  try {
    await t.server.ready;
    await flaky.setState("broken");
    await exchange(t.port, "GET /crash HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    await eventually(async () =>
      /^weft_worker_restarts_total 1$/m.test(await (await fetch(t.url("/metrics"))).text())
    );
    // Every new connection is served by the worker that still runs, none waits on the one that cannot load.
    for (let i = 0; i < 10; i++) {
      const { text } = await exchange(
        t.port,
        "GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        5000,
      );
      assert.equal(parseResponses(text)[0]?.body, "ok", `connection ${i}: ${JSON.stringify(text)}`);
    }
    await flaky.setState("ok");
    await eventually(
      async () => /^weft_workers 2$/m.test(await (await fetch(t.url("/metrics"))).text()),
      20_000,
    );
  } finally {
    await t.close();
    await Deno.remove(flaky.dir, { recursive: true });
  }
});

Deno.test("when no worker can load its app any more, weft stops and finished rejects", async () => {
  const flaky = await flakyApp();
  const t = await startServer(undefined, { app: flaky.app, workers: 1 });
  try {
    await t.server.ready;
    await flaky.setState("broken");
    const crash = await fetch(t.url("/crash"));
    await crash.body?.cancel();
    await assert.rejects(t.server.finished, /no worker can start: .*cannot start now/);
  } finally {
    await Deno.remove(t.root, { recursive: true });
    await Deno.remove(flaky.dir, { recursive: true });
  }
});

Deno.test("CLI: a worker stuck in a loop makes weft drain and exit 1, with one line saying why", async () => {
  const weft = await startDeno(
    weftArgs("--port", "0", "--app", FAULTY.pathname, "--workers", "2", "--handler-timeout", "0.5"),
  );
  const { text } = await exchange(weft.port, "GET /hang HTTP/1.1\r\nHost: x\r\n\r\n", 5000);
  assert.equal(parseResponses(text)[0]?.status, 503, text);
  const status = await weft.child.status;
  await weft.rest();
  assert.equal(status.code, 1);
  // The start-up notice that app state is per worker aside, one line after the banner says why it stopped.
  const lines = weft.stderr.split("\n").filter((line) =>
    line.startsWith("weft:") && !/each load the app/.test(line)
  );
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.match(
    lines[0],
    /^weft: worker \d has answered nothing for .*Deno cannot stop it; weft must be restarted: it takes no more/,
  );
});
