import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { serve } from "../mod.ts";
import { eventually } from "../lib/_test_utils.ts";
import {
  exchange,
  parseResponses,
  readAll,
  readResponses,
  serverTest,
  startDeno,
  weftArgs,
} from "./_helpers.ts";

const EXAMPLES = new URL("../examples/", import.meta.url);
const CONTRACT = new URL("./testdata/contract_app.ts", import.meta.url);
const enc = new TextEncoder();

serverTest("the app sees method, URL with Host, fields, and the client address", async (t) => {
  const res = await fetch(t.url("/info?x=1"), { headers: { "x-custom": "yes" } });
  const info = await res.json();
  assert.equal(info.url, `http://127.0.0.1:${t.port}/info?x=1`);
  assert.equal(info.method, "GET");
  assert.equal(info.custom, "yes");
  assert.equal(info.remote, "127.0.0.1");
  assert.equal(info.hasSignal, true);
}, { options: { app: CONTRACT } });

serverTest(
  "fixed bodies get Content-Length; Set-Cookie stays separate; reasons and 204 pass through",
  async (t) => {
    const { text } = await exchange(t.port, "GET /cookies HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert.match(text, /Content-Length: 7\r\n/);
    assert.match(text, /set-cookie: a=1; Path=\/\r\nset-cookie: b=2; Path=\/; HttpOnly\r\n/);
    const reason = await exchange(t.port, "GET /reason HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert.match(reason.text, /^HTTP\/1\.1 299 Fine Indeed\r\n/);
    const empty = await exchange(t.port, "GET /empty HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert.match(empty.text, /^HTTP\/1\.1 204 No Content\r\n/);
    assert.doesNotMatch(empty.text, /Content-Length|Transfer-Encoding/);
    const head = await exchange(t.port, "HEAD /cookies HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert.ok(head.text.endsWith("\r\n\r\n"), "a HEAD response carried a body");
  },
  { options: { app: CONTRACT } },
);

serverTest(
  "bodies complete at once (a blob, a 3 MB string) get Content-Length; a stream still producing is chunked",
  async (t) => {
    const blob = await exchange(t.port, "GET /blob HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert.match(blob.text, /Content-Length: 11\r\n/);
    assert.ok(blob.text.endsWith("\r\n\r\nfrom a blob"));
    const big = await fetch(t.url("/big"));
    assert.equal(big.headers.get("content-length"), "3000000");
    assert.equal(await big.text(), "0123456789".repeat(300_000));
    const slow = await exchange(t.port, "GET /slow-stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert.match(slow.text, /Transfer-Encoding: chunked\r\n/);
    assert.ok(slow.text.endsWith("6\r\nfirst \r\n6\r\nsecond\r\n0\r\n\r\n"), slow.text);
  },
  { options: { app: CONTRACT } },
);

serverTest("a streamed body of 10 B, 0 B, 200 KiB and 10 B arrives whole", async (t) => {
  const res = await fetch(t.url("/gappy-stream"), { signal: AbortSignal.timeout(10_000) });
  assert.equal(res.headers.get("transfer-encoding"), "chunked");
  const body = new Uint8Array(await res.arrayBuffer());
  assert.equal(body.length, 10 + 200 * 1024 + 10);
  assert.equal(body[0], 0x61);
  assert.equal(body[10], 0x63);
  assert.equal(body[body.length - 1], 0x64);
}, { options: { app: CONTRACT } });

serverTest("a streamed request body comes back streamed (chunked), byte for byte", async (t) => {
  const body = new Uint8Array(3_000_000).map((_, i) => (i * 17) % 251);
  const res = await fetch(t.url("/echo"), { method: "POST", body });
  assert.deepEqual(new Uint8Array(await res.arrayBuffer()), body);
  const { text } = await exchange(
    t.port,
    "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
  );
  const [echo] = parseResponses(text);
  assert.equal(echo.body, "hello");
}, { options: { app: CONTRACT } });

serverTest("Expect: 100-continue is answered when the app reads the body", async (t) => {
  const conn = await Deno.connect({ port: t.port });
  try {
    await conn.write(
      enc.encode("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"),
    );
    const buf = new Uint8Array(1024);
    const n = await conn.read(buf);
    assert.equal(new TextDecoder().decode(buf.subarray(0, n!)), "HTTP/1.1 100 Continue\r\n\r\n");
    await conn.write(enc.encode("ping"));
    const { text } = await readAll(conn, 500);
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(text.includes("ping"));
  } finally {
    conn.close();
  }
}, { options: { app: CONTRACT } });

serverTest(
  "an app that throws or returns no Response gets 500 (no stack); the server goes on",
  async (t) => {
    const res = await fetch(t.url("/throw"));
    assert.equal(res.status, 500);
    const body = await res.text();
    assert.doesNotMatch(body, /secret|at /);
    const bad = await fetch(t.url("/not-a-response"));
    assert.equal(bad.status, 500);
    await bad.body?.cancel();
    const ok = await fetch(t.url("/info"));
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
  },
  { options: { app: CONTRACT } },
);

serverTest("server-sent events are flushed as produced", async (t) => {
  const res = await fetch(t.url("/events"));
  assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const started = Date.now();
  const first = await reader.read();
  const firstAt = Date.now() - started;
  assert.match(first.value!, /^id: 1\nevent: tick\ndata: \{"tick":1\}\n\n/);
  let all = first.value!;
  for (let step = await reader.read(); !step.done; step = await reader.read()) all += step.value;
  assert.equal(all.match(/event: tick/g)?.length, 10);
  // The whole stream takes about a second; the first event must not wait for the end.
  assert.ok(firstAt < Date.now() - started - 300, `first event after ${firstAt} ms`);
}, { options: { app: new URL("sse.ts", EXAMPLES) } });

serverTest("upload example: a 20 MB body is hashed as it streams", async (t) => {
  const body = new Uint8Array(20 * 1024 * 1024).map((_, i) => i % 253);
  const res = await fetch(t.url("/upload"), { method: "POST", body });
  const result = await res.json();
  assert.equal(result.bytes, body.length);
  assert.equal(result.sha256, createHash("sha256").update(body).digest("hex"));
}, { options: { app: new URL("upload_hash.ts", EXAMPLES), maxBodySize: 64 * 1024 * 1024 } });

serverTest("CPU example renders its table", async (t) => {
  const res = await fetch(t.url("/render?rows=50"));
  const html = await res.text();
  assert.equal(html.match(/<tr><td>/g)?.length, 50);
  assert.match(html, /item &lt;49&gt; &amp;/);
}, { options: { app: new URL("cpu.ts", EXAMPLES) } });

Deno.test("an app without fetch: ready rejects naming the module, and the server shuts down", async () => {
  const server = serve({ port: 0, workers: 1, app: new URL("./testdata/no_fetch_app.ts", import.meta.url) });
  await assert.rejects(server.ready, /no_fetch_app\.ts has no default export with a fetch/);
  await server.finished;
});

Deno.test("an app that cannot be imported: ready rejects naming the module", async () => {
  const server = serve({ port: 0, workers: 1, app: new URL("./testdata/missing_app.ts", import.meta.url) });
  await assert.rejects(server.ready, /cannot load app .*missing_app\.ts/);
  await server.finished;
});

Deno.test("CLI --app serves an app; files stay off unless --root is given", async () => {
  const weft = await startDeno(weftArgs("--port", "0", "--app", new URL("cpu.ts", EXAMPLES).pathname));
  try {
    const page = await fetch(`http://127.0.0.1:${weft.port}/render?rows=2`);
    assert.equal((await page.text()).match(/<tr><td>/g)?.length, 2);
    const hello = await fetch(`http://127.0.0.1:${weft.port}/index.html`);
    assert.equal(hello.status, 404, "static/ was served although no --root was given");
    await hello.body?.cancel();
  } finally {
    await weft.stop();
  }
});

Deno.test("CLI --app with a broken module exits 1 with one line naming it", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: weftArgs("--port", "0", "--app", "tests/testdata/no_fetch_app.ts"),
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr).trim();
  assert.equal(out.code, 1);
  assert.equal(stderr.split("\n").length, 1, stderr);
  assert.match(stderr, /^weft: app file:\/\/.*no_fetch_app\.ts has no default export with a fetch/);
  assert.equal(new TextDecoder().decode(out.stdout), "", "it announced a URL it does not serve");
});

Deno.test("every example runs unchanged under deno serve", async () => {
  const checks: [string, string, (res: Response) => Promise<void>][] = [
    ["json_api.ts", "/api/todos", async (res) => assert.deepEqual(await res.json(), [])],
    ["visits.ts", "/", async (res) => assert.equal(await res.text(), "visit 1\n")],
    ["sse.ts", "/events", async (res) => assert.match(await res.text(), /data: \{"tick":10\}/)],
    ["upload_hash.ts", "/upload", async (res) => assert.equal(res.status, 405, await res.text())],
    [
      "cpu.ts",
      "/render?rows=3",
      async (res) => assert.equal((await res.text()).match(/<tr><td>/g)?.length, 3),
    ],
  ];
  // The examples that keep data in Deno KV write it to the folder they run in: a fresh one.
  const here = await Deno.makeTempDir({ prefix: "weft-serve-" });
  const kvFlags = ["--unstable-kv", "--allow-read", "--allow-write=."];
  const KV_EXAMPLES = ["json_api.ts", "visits.ts"];
  try {
    for (const [file, path, check] of checks) {
      const served = await startDeno(
        [
          "serve",
          ...(KV_EXAMPLES.includes(file) ? kvFlags : []),
          "--allow-net",
          "--host",
          "127.0.0.1",
          "--port",
          "0",
          new URL(file, EXAMPLES).pathname,
        ],
        {},
        Deno.execPath(),
        here,
      );
      try {
        await check(await fetch(`http://127.0.0.1:${served.port}${path}`));
      } finally {
        await served.stop();
      }
    }
  } finally {
    await Deno.remove(here, { recursive: true });
  }
});

serverTest(
  "a handler that throws gets a 500, and its keep-alive connection goes on (as under deno serve)",
  async (t) => {
    const conn = await Deno.connect({ port: t.port });
    try {
      await conn.write(
        enc.encode("GET /throw HTTP/1.1\r\nHost: x\r\n\r\nGET /teapot HTTP/1.1\r\nHost: x\r\n\r\n"),
      );
      const [thrown, teapot] = await readResponses(conn, 2);
      assert.equal(thrown.status, 500);
      assert.equal(thrown.headers.get("connection"), undefined);
      assert.doesNotMatch(thrown.body, /secret/);
      assert.equal(teapot.status, 418);
    } finally {
      conn.close();
    }
    const { text } = await exchange(t.port, "GET /teapot HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert.match(text, /^HTTP\/1\.1 418 I'm a teapot\r\n/);
  },
  { options: { app: CONTRACT } },
);

Deno.test("CLI: a client that closes normally aborts request.signal, and the access log says 499", async () => {
  const weft = await startDeno(weftArgs("--port", "0", "--workers", "1", "--app", CONTRACT.pathname));
  try {
    const conn = await Deno.connect({ port: weft.port });
    await conn.write(enc.encode("GET /wait-for-abort HTTP/1.1\r\nHost: x\r\n\r\n"));
    // A normal close (FIN), not a reset: what curl --max-time and a browser navigating away do.
    conn.close();
    await eventually(async () =>
      (await (await fetch(`http://127.0.0.1:${weft.port}/aborted`)).text()) === "1"
    );
    await eventually(() => / "GET \/wait-for-abort HTTP\/1\.1" 499 /.test(weft.text));
  } finally {
    await weft.stop();
  }
});

serverTest(
  "HEAD to an app: the length GET would send, or none for a stream; never Content-Length: 0 by default",
  async (t) => {
    const get = await fetch(t.url("/cookies"));
    const length = get.headers.get("content-length");
    await get.body?.cancel();
    const head = await exchange(t.port, "HEAD /cookies HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert.match(head.text, new RegExp(`\r\nContent-Length: ${length}\r\n`));
    assert.ok(head.text.endsWith("\r\n\r\n"), "a HEAD response carried a body");
    for (const path of ["/slow-stream", "/empty"]) {
      const { text } = await exchange(
        t.port,
        `HEAD ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      assert.match(text, /^HTTP\/1\.1 20[04] /, path);
      assert.doesNotMatch(text, /Content-Length|Transfer-Encoding/i, path);
    }
  },
  { options: { app: CONTRACT } },
);

serverTest("a chunk line past the limit is refused (400) whether it arrives whole or split", async (t) => {
  // An app reading the body, so the answer waits for it: the parser's verdict is the answer.
  const head = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  const line = `5;ext=${"e".repeat(5000)}\r\nhello\r\n0\r\n\r\n`;
  for (const pieces of [[head + line], [head + line.slice(0, 2000), line.slice(2000)]]) {
    const conn = await Deno.connect({ port: t.port });
    try {
      for (const piece of pieces) await conn.write(enc.encode(piece)).catch(() => 0);
      const { text } = await readAll(conn, 3000);
      assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n/, `${pieces.length} piece(s)`);
    } finally {
      conn.close();
    }
  }
}, { options: { app: CONTRACT } });

serverTest(
  "headers and serverTiming: the fields reach an app's responses (replacing the app's own), timed as app",
  async (t) => {
    const res = await fetch(t.url("/info"));
    await res.body?.cancel();
    assert.equal(res.headers.get("x-served-by"), "weft");
    assert.equal(res.headers.get("content-type"), "application/json; profile=test", "replaced");
    assert.match(
      res.headers.get("server-timing") ?? "",
      /^queued;dur=[\d.]+, worker;dur=[\d.]+, app;dur=[\d.]+, total/,
    );
  },
  {
    options: {
      app: CONTRACT,
      headers: [["X-Served-By", "weft"], ["Content-Type", "application/json; profile=test"]],
      serverTiming: true,
    },
  },
);

Deno.test("headers: a framing field or a split value is refused at once, naming the option", () => {
  assert.throws(
    () => serve({ port: 0, headers: { "Transfer-Encoding": "gzip" } }),
    /headers: Transfer-Encoding cannot/,
  );
  assert.throws(() => serve({ port: 0, headers: { "X-Split": "a\r\nSet-Cookie: b" } }), TypeError);
});
