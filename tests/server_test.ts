import assert from "node:assert/strict";
import { exchange, parseResponses, readResponses, serverTest, SITE } from "./_helpers.ts";

const enc = new TextEncoder();

serverTest("GET / serves index.html with Date, Server, Content-Length and a type", async (t) => {
  const res = await fetch(t.url("/"));
  const body = await res.text();
  assert.equal(res.status, 200);
  assert.equal(body, SITE["index.html"]);
  assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(res.headers.get("content-length"), String(body.length));
  assert.equal(res.headers.get("server"), "weft");
  assert.ok(Math.abs(Date.parse(res.headers.get("date")!) - Date.now()) < 5000);
});

serverTest("HEAD has GET's headers and no body", async (t) => {
  const get = await fetch(t.url("/sub/data.json"));
  await get.body?.cancel();
  const head = await fetch(t.url("/sub/data.json"), { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), "");
  for (const name of ["content-type", "content-length", "server"]) {
    assert.equal(head.headers.get(name), get.headers.get(name), name);
  }
  const raw = await exchange(t.port, "HEAD /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  assert.match(raw.text, /Content-Length: 7\r\n/);
  assert.ok(raw.text.endsWith("\r\n\r\n"), "a body followed the HEAD response");
});

serverTest("keep-alive: one connection serves several requests", async (t) => {
  const conn = await Deno.connect({ port: t.port });
  try {
    for (const name of ["a", "b", "c"]) {
      await conn.write(enc.encode(`GET /${name}.txt HTTP/1.1\r\nHost: x\r\n\r\n`));
      const [res] = await readResponses(conn, 1);
      assert.equal(res.status, 200);
      assert.equal(res.body, `file ${name}\n`);
      assert.equal(res.headers.get("connection"), undefined);
    }
  } finally {
    conn.close();
  }
});

serverTest("three pipelined requests in one write are answered in order", async (t) => {
  const requests = ["c", "a", "b"].map((n) => `GET /${n}.txt HTTP/1.1\r\nHost: x\r\n\r\n`).join("");
  const { text } = await exchange(t.port, requests, 500);
  const responses = parseResponses(text);
  assert.deepEqual(responses.map((r) => r.body), ["file c\n", "file a\n", "file b\n"]);
});

serverTest("POST with Content-Length and chunked bodies, then GET, on one connection", async (t) => {
  const conn = await Deno.connect({ port: t.port });
  try {
    await conn.write(enc.encode("POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world"));
    await conn.write(enc.encode("POST /a.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
    await conn.write(enc.encode("5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n"));
    await conn.write(enc.encode("GET /b.txt HTTP/1.1\r\nHost: x\r\n\r\n"));
    const [first, second, third] = await readResponses(conn, 3);
    assert.equal(first.status, 405);
    assert.equal(first.headers.get("allow"), "GET, HEAD, OPTIONS");
    assert.equal(second.status, 405);
    assert.equal(third.status, 200);
    assert.equal(third.body, "file b\n");
  } finally {
    conn.close();
  }
});

serverTest("malformed requests get a 4xx/5xx with a reason, then the connection closes", async (t) => {
  const cases: [string, number, RegExp][] = [
    ["GET / HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n", 400, /Invalid field name/],
    ["GET / HTTP/1.1\nHost: x\n\n", 400, /bare LF/],
    ["GET / HTTP/1.1\r\n\r\n", 400, /without Host/],
    ["GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400, /Both/],
    ["POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, /coding/],
    ["GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, /HTTP\/1\.x/],
    ["GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400, /target/],
    [`GET /${"a".repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414, /too long/],
  ];
  for (const [request, status, reason] of cases) {
    const { text, closed } = await exchange(t.port, request + "GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    const responses = parseResponses(text);
    assert.equal(responses.length, 1, `one response to ${JSON.stringify(request.slice(0, 40))}`);
    assert.equal(responses[0].status, status, request.slice(0, 40));
    assert.match(responses[0].body, reason);
    assert.equal(responses[0].headers.get("connection"), "close");
    assert.ok(closed, "connection left open after an error");
  }
});

serverTest(
  "an invalid chunk gets 400 and a close; nothing after it is answered",
  async (t) => {
    const { text, closed } = await exchange(
      t.port,
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\nGET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    assert.deepEqual(parseResponses(text).map((r) => r.status), [400]);
    assert.ok(closed);
  },
);

serverTest("HTTP/1.0: closes after the response unless keep-alive is asked", async (t) => {
  const plain = await exchange(t.port, "GET /a.txt HTTP/1.0\r\n\r\n");
  assert.ok(plain.closed);
  assert.match(plain.text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(plain.text, /Connection: close\r\n/);
  const kept = await exchange(
    t.port,
    "GET /a.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b.txt HTTP/1.0\r\n\r\n",
  );
  assert.deepEqual(parseResponses(kept.text).map((r) => [r.body, r.headers.get("connection")]), [
    ["file a\n", "keep-alive"],
    ["file b\n", "close"],
  ]);
  assert.ok(kept.closed);
});

serverTest("Expect: 100-continue on a refused POST gets the final status and a close", async (t) => {
  const { text, closed } = await exchange(
    t.port,
    "POST /a.txt HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 100000\r\n\r\n",
  );
  assert.match(text, /^HTTP\/1\.1 405 /);
  assert.doesNotMatch(text, /100 Continue/);
  assert.ok(closed);
});

serverTest("traversal attempts over raw TCP never reach a file outside the root", async (t) => {
  const secret = `${t.root}-secret.txt`;
  await Deno.writeTextFile(secret, "TOP SECRET");
  try {
    const name = secret.slice(secret.lastIndexOf("/") + 1);
    const attempts = [
      `/../${name}`,
      `/%2e%2e/${name}`,
      `/%2e%2e%2f${name}`,
      `/..%5c${name}`,
      `/a/../../${name}`,
      `/%252e%252e/${name}`,
      `/%c0%ae%c0%ae/${name}`,
      `/..%00/${name}`,
      `http://x/../${name}`,
    ];
    for (const path of attempts) {
      const { text } = await exchange(t.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assert.doesNotMatch(text, /TOP SECRET/, path);
      assert.match(text, /^HTTP\/1\.1 (400|404) /, path);
    }
  } finally {
    await Deno.remove(secret);
  }
});

serverTest("absolute-form targets are served by their path", async (t) => {
  const { text } = await exchange(
    t.port,
    "GET http://example.com/b.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
  );
  assert.equal(parseResponses(text)[0].body, "file b\n");
});

serverTest("many concurrent clients all get their own file", async (t) => {
  const names = ["a", "b", "c"];
  const results = await Promise.all(
    Array.from({ length: 300 }, async (_, i) => {
      const name = names[i % 3];
      const res = await fetch(t.url(`/${name}.txt`));
      return (await res.text()) === `file ${name}\n`;
    }),
  );
  assert.ok(results.every(Boolean));
});

const BIG = new Uint8Array(3 * 1024 * 1024 + 7).map((_, i) => (i * 31) % 256);

serverTest("a large file streams intact", async (t) => {
  const res = await fetch(t.url("/big.bin"));
  assert.equal(res.headers.get("content-length"), String(BIG.length));
  assert.equal(res.headers.get("content-type"), "application/octet-stream");
  assert.deepEqual(new Uint8Array(await res.arrayBuffer()), BIG);
}, { files: { "big.bin": BIG } });
