import assert from "node:assert/strict";
import { eventually } from "../lib/_test_utils.ts";
import { exchange, parseResponses, readAll, readResponses, serverTest } from "./_helpers.ts";

const enc = new TextEncoder();
const SITE = { "index.html": "<h1>home</h1>", "big.bin": new Uint8Array(32 * 1024 * 1024) };

serverTest("size limits are flags: 414, 431 (size and count) and 413, each with a close", async (t) => {
  const cases: [string, number][] = [
    [`GET /${"a".repeat(200)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414],
    [`GET / HTTP/1.1\r\nHost: x\r\nX: ${"b".repeat(600)}\r\n\r\n`, 431],
    [`GET / HTTP/1.1\r\nHost: x\r\n${"X: 1\r\n".repeat(6)}\r\n`, 431],
    ["POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n", 413],
  ];
  for (const [request, status] of cases) {
    const { text, closed } = await exchange(t.port, request);
    const responses = parseResponses(text);
    assert.equal(responses.at(-1)?.status, status, request.slice(0, 30));
    assert.ok(closed);
  }
  // A chunked body is counted as it arrives; passing the limit gets 413 and a close.
  const chunked = await exchange(
    t.port,
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n" + "z".repeat(100) +
      "\r\n1\r\nz\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
  );
  assert.deepEqual(parseResponses(chunked.text).map((r) => r.status), [413]);
  assert.ok(chunked.closed);
  const fine = await exchange(t.port, "GET / HTTP/1.1\r\nHost: x\r\nX: 1\r\nConnection: close\r\n\r\n");
  assert.equal(parseResponses(fine.text)[0].status, 200);
}, {
  files: SITE,
  options: { maxRequestLine: 100, maxHeaderSize: 512, maxHeaderCount: 5, maxBodySize: 100 },
});

serverTest("a head that does not arrive in time gets 408 and a close (slowloris)", async (t) => {
  const conn = await Deno.connect({ port: t.port });
  try {
    await conn.write(enc.encode("GET / HTTP/1.1\r\nHost: x\r\n"));
    // Keep trickling fields: each is progress, but the head as a whole is late.
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await conn.write(enc.encode(`X-${i}: y\r\n`)).catch(() => 0);
    }
    const { text, closed } = await readAll(conn, 2000);
    assert.match(text, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.ok(closed);
  } finally {
    conn.close();
  }
}, { files: SITE, options: { headerTimeout: 300 } });

serverTest("a connection that sends nothing is closed after the header timeout", async (t) => {
  const conn = await Deno.connect({ port: t.port });
  try {
    const started = Date.now();
    const { text, closed } = await readAll(conn, 3000);
    assert.ok(closed);
    assert.equal(text, "");
    assert.ok(Date.now() - started >= 250);
  } finally {
    conn.close();
  }
}, { files: SITE, options: { headerTimeout: 300 } });

serverTest("an idle keep-alive connection is closed after the idle timeout, a busy one is not", async (t) => {
  const conn = await Deno.connect({ port: t.port });
  try {
    // Four requests, each sent as soon as the one before is answered: a busy connection stays open.
    for (let i = 0; i < 4; i++) {
      await conn.write(enc.encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
      assert.equal((await readResponses(conn, 1))[0].status, 200);
    }
    // Then it sits idle, and is closed.
    const { text, closed } = await readAll(conn, 5000);
    assert.equal(text, "");
    assert.ok(closed, "idle connection left open");
  } finally {
    conn.close();
  }
}, { files: SITE, options: { idleTimeout: 400 } });

serverTest("a request body that stops arriving ends the connection after the body timeout", async (t) => {
  const conn = await Deno.connect({ port: t.port });
  try {
    await conn.write(enc.encode("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
    const started = Date.now();
    const { text, closed } = await readAll(conn, 3000);
    assert.ok(closed);
    assert.ok(Date.now() - started >= 250);
    // The file server answers a POST at once (405); the unread body then times out.
    assert.deepEqual(parseResponses(text).map((r) => r.status), [405]);
  } finally {
    conn.close();
  }
}, { files: SITE, options: { bodyTimeout: 300 } });

serverTest("a client that stops reading is dropped after the send timeout; others are served", async (t) => {
  const stalled = await Deno.connect({ port: t.port });
  try {
    await stalled.write(enc.encode("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"));
    // Dropped: a write to the socket fails once the server has closed it (empty lines between requests
    // are allowed, RFC 9112 §2.2, so they change nothing while it is open).
    await eventually(() => stalled.write(enc.encode("\r\n")).then(() => false, () => true), 15_000);
    const other = await fetch(t.url("/"));
    assert.equal(await other.text(), "<h1>home</h1>");
    // Whatever reached the socket buffers can still be read, then the stream ends early.
    let got = 0;
    const buf = new Uint8Array(1 << 20);
    for (let n; (n = await stalled.read(buf).catch(() => null)) !== null;) got += n;
    assert.ok(got < SITE["big.bin"].length, `got all ${got} bytes`);
  } finally {
    stalled.close();
  }
}, { files: SITE, options: { sendTimeout: 400 } });

serverTest("past maxConnections a new connection gets 503 with Retry-After, then a close", async (t) => {
  const held = [await Deno.connect({ port: t.port }), await Deno.connect({ port: t.port })];
  try {
    // Both are accepted (and served) before the third comes.
    for (const conn of held) {
      await conn.write(enc.encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
      assert.equal((await readResponses(conn, 1))[0].status, 200);
    }
    const { text, closed } = await exchange(t.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const [res] = parseResponses(text);
    assert.equal(res.status, 503);
    assert.equal(res.headers.get("retry-after"), "1");
    assert.ok(closed);
    held.pop()!.close();
    // Once the server has seen the close, there is room again.
    await eventually(async () => {
      const again = await exchange(t.port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      return parseResponses(again.text)[0]?.status === 200;
    });
  } finally {
    for (const c of held) c.close();
  }
}, { files: SITE, options: { maxConnections: 2 } });

serverTest(
  "a download cut off by the body timeout frees its place: the next request is served, not refused",
  async (t) => {
    // The body never finishes and the client never reads, so the download waits on a full socket when
    // the body timeout ends the connection. With one place per worker, a stuck exchange would turn the
    // next request away with 503.
    await Deno.writeFile(`${t.root}/big.bin`, new Uint8Array(0));
    await Deno.truncate(`${t.root}/big.bin`, 64 * 1024 * 1024);
    const stalled = await Deno.connect({ port: t.port });
    try {
      await stalled.write(
        new TextEncoder().encode("GET /big.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345"),
      );
      // Until the body timeout ends the download, its place is taken (503); then the next request is served.
      await eventually(async () => {
        const [next] = parseResponses(
          (await exchange(t.port, "GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n")).text,
        );
        return next?.status === 200;
      });
    } finally {
      stalled.close();
    }
  },
  { options: { workers: 1, maxInFlight: 1, bodyTimeout: 300 } },
);
