import assert from "node:assert/strict";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { exchange, parseResponses, serverTest } from "./_helpers.ts";

const TEXT = "The quick brown fox jumps over the lazy dog.\n".repeat(400);
const BINARY = new Uint8Array(200_000).map((_, i) => (i * 13 + (i >> 8)) % 256);
const SITE = {
  "index.html": "<h1>home</h1>",
  "404.html": "<h1>custom 404</h1>",
  "text.txt": TEXT,
  "small.txt": "tiny",
  "data.bin": BINARY,
  "app.js": "console.log('x');\n".repeat(200),
  "pre.css": "body { color: red; }\n".repeat(100),
  "pre.css.gz": new Uint8Array([1, 2, 3]), // deliberately not real gzip: proves the sibling is sent as is
  "pre.css.br": new Uint8Array([4, 5, 6]),
  "about.html": "<h1>about</h1>",
  "docs/guide.html": "<h1>guide</h1>",
  "files/b.txt": "b",
  "files/a & <b>.txt": "escaped",
  "files/zdir/inner.txt": "inner",
  "files/.hidden": "hidden",
  "unicode/héllo wörld.txt": "unicode ok",
  "unicode/100% real.txt": "percent ok",
  ".env": "SECRET=1",
  ".well-known/security.txt": "Contact: mailto:security@example.com",
};

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers });

// Caching --------------------------------------------------------------------

serverTest(
  "ETag and Last-Modified; If-None-Match and If-Modified-Since give 304 without a body",
  async (t) => {
    const first = await get(t.url("/data.bin"));
    await first.body?.cancel();
    const etag = first.headers.get("etag")!;
    const lastModified = first.headers.get("last-modified")!;
    assert.match(etag, /^"[0-9a-f]+-[0-9a-f]+"$/);
    assert.ok(Date.parse(lastModified) > 0);
    assert.equal(first.headers.get("cache-control"), "no-cache");

    for (
      const headers of <Record<string, string>[]> [
        { "if-none-match": etag },
        { "if-none-match": `"other", W/${etag}` },
        { "if-none-match": "*" },
        { "if-modified-since": lastModified },
        { "if-modified-since": new Date(Date.now() + 60_000).toUTCString() },
      ]
    ) {
      const res = await get(t.url("/data.bin"), headers);
      assert.equal(res.status, 304, JSON.stringify(headers));
      assert.equal(await res.text(), "");
      assert.equal(res.headers.get("etag"), etag);
    }
    const stale = await get(t.url("/data.bin"), { "if-modified-since": "Thu, 01 Jan 1970 00:00:00 GMT" });
    assert.equal(stale.status, 200);
    await stale.body?.cancel();
    const other = await get(t.url("/data.bin"), {
      "if-none-match": '"nope"',
      "if-modified-since": lastModified,
    });
    assert.equal(other.status, 200, "If-None-Match must take precedence over If-Modified-Since");
    await other.body?.cancel();
    const raw = await exchange(
      t.port,
      `GET /data.bin HTTP/1.1\r\nHost: x\r\nIf-None-Match: ${etag}\r\nConnection: close\r\n\r\n`,
    );
    assert.match(raw.text, /^HTTP\/1\.1 304 Not Modified\r\n/);
    assert.ok(raw.text.endsWith("\r\n\r\n"), "a 304 carried a body");
    assert.doesNotMatch(raw.text, /Content-Length/);
  },
  { files: SITE },
);

serverTest("If-Match and If-Unmodified-Since give 412 when they fail", async (t) => {
  const first = await get(t.url("/small.txt"));
  await first.body?.cancel();
  const etag = first.headers.get("etag")!;
  const ok = await get(t.url("/small.txt"), { "if-match": etag });
  assert.equal(await ok.text(), "tiny");
  for (
    const headers of <Record<string, string>[]> [
      { "if-match": '"other"' },
      { "if-match": `W/${etag}` },
      { "if-unmodified-since": "Thu, 01 Jan 1970 00:00:00 GMT" },
    ]
  ) {
    const res = await get(t.url("/small.txt"), headers);
    assert.equal(res.status, 412, JSON.stringify(headers));
    await res.body?.cancel();
  }
}, { files: SITE });

serverTest("an edited file is served within 100 ms, with a new ETag", async (t) => {
  const before = await get(t.url("/small.txt"));
  assert.equal(await before.text(), "tiny");
  await Deno.writeTextFile(`${t.root}/small.txt`, "edited!");
  const future = new Date(Date.now() + 5000);
  await Deno.utime(`${t.root}/small.txt`, future, future);
  // Metadata is trusted for 100 ms per worker; past that the edit must show.
  await new Promise((resolve) => setTimeout(resolve, 150));
  const after = await get(t.url("/small.txt"));
  assert.equal(await after.text(), "edited!");
  assert.notEqual(after.headers.get("etag"), before.headers.get("etag"));
}, { files: SITE });

serverTest("--cache sets max-age", async (t) => {
  const res = await get(t.url("/small.txt"));
  await res.body?.cancel();
  assert.equal(res.headers.get("cache-control"), "public, max-age=3600");
}, { files: SITE, options: { cacheSeconds: 3600 } });

// Ranges ---------------------------------------------------------------------

serverTest("single ranges: first-last, open, suffix; 206 with Content-Range", async (t) => {
  const cases: [string, number, number][] = [
    ["bytes=0-99", 0, 100],
    ["bytes=1000-", 1000, BINARY.length],
    ["bytes=-500", BINARY.length - 500, BINARY.length],
    ["bytes=199990-999999", 199990, BINARY.length],
    ["bytes=5-5", 5, 6],
  ];
  for (const [range, start, end] of cases) {
    const res = await get(t.url("/data.bin"), { range });
    assert.equal(res.status, 206, range);
    assert.equal(res.headers.get("content-range"), `bytes ${start}-${end - 1}/${BINARY.length}`);
    assert.equal(res.headers.get("content-length"), String(end - start));
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), BINARY.subarray(start, end), range);
  }
  const plain = await get(t.url("/data.bin"));
  await plain.body?.cancel();
  assert.equal(plain.headers.get("accept-ranges"), "bytes");
}, { files: SITE });

serverTest("several ranges give multipart/byteranges that parses back to the parts", async (t) => {
  const res = await get(t.url("/text.txt"), { range: "bytes=0-3,10-14,-4" });
  assert.equal(res.status, 206);
  const type = res.headers.get("content-type")!;
  const boundary = /^multipart\/byteranges; boundary=(\S+)$/.exec(type)?.[1];
  assert.ok(boundary, type);
  const body = await res.text();
  assert.equal(Number(res.headers.get("content-length")), new TextEncoder().encode(body).length);
  const parts = body.split(`--${boundary}`).slice(1, -1).map((p) => {
    const [head, data] = p.split("\r\n\r\n");
    return [/Content-Range: (.*)/.exec(head)?.[1], data.slice(0, -2)];
  });
  const n = TEXT.length;
  assert.deepEqual(parts, [
    [`bytes 0-3/${n}`, TEXT.slice(0, 4)],
    [`bytes 10-14/${n}`, TEXT.slice(10, 15)],
    [`bytes ${n - 4}-${n - 1}/${n}`, TEXT.slice(n - 4)],
  ]);
  assert.ok(body.endsWith(`--${boundary}--\r\n`));
}, { files: SITE });

serverTest(
  "overlapping ranges are merged; an unsatisfiable range is 416; bad syntax is ignored",
  async (t) => {
    const merged = await get(t.url("/text.txt"), { range: "bytes=0-10,5-20" });
    assert.equal(merged.headers.get("content-range"), `bytes 0-20/${TEXT.length}`);
    assert.equal(await merged.text(), TEXT.slice(0, 21));
    const beyond = await get(t.url("/text.txt"), { range: `bytes=${TEXT.length}-` });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get("content-range"), `bytes */${TEXT.length}`);
    await beyond.body?.cancel();
    for (const range of ["bytes=5-1", "items=0-5", "bytes=abc", "bytes=--5"]) {
      const res = await get(t.url("/text.txt"), { range });
      assert.equal(res.status, 200, range);
      await res.body?.cancel();
    }
  },
  { files: SITE },
);

serverTest("If-Range: a current ETag or date gives the range, a stale one the whole file", async (t) => {
  const head = await fetch(t.url("/data.bin"), { method: "HEAD" });
  const etag = head.headers.get("etag")!;
  const date = head.headers.get("last-modified")!;
  for (const [ifRange, status] of [[etag, 206], [date, 206], ['"stale"', 200], [`W/${etag}`, 200]] as const) {
    const res = await get(t.url("/data.bin"), { range: "bytes=0-9", "if-range": ifRange });
    assert.equal(res.status, status, ifRange);
    await res.body?.cancel();
  }
}, { files: SITE });

serverTest("HEAD with a range has the range's headers and no body", async (t) => {
  const raw = await exchange(
    t.port,
    "HEAD /data.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\nConnection: close\r\n\r\n",
  );
  assert.match(raw.text, /^HTTP\/1\.1 206 /);
  assert.match(raw.text, /Content-Length: 10\r\n/);
  assert.ok(raw.text.endsWith("\r\n\r\n"));
}, { files: SITE });

// Compression ------------------------------------------------------------------

serverTest("gzip, deflate and br on the fly, each decompressing to the file, with Vary", async (t) => {
  const decoders = { gzip: gunzipSync, deflate: inflateSync, br: brotliDecompressSync };
  for (const [coding, decode] of Object.entries(decoders)) {
    const { text } = await exchange(
      t.port,
      `GET /text.txt HTTP/1.1\r\nHost: x\r\nAccept-Encoding: ${coding}\r\nConnection: close\r\n\r\n`,
    );
    const [res] = parseResponses(text);
    assert.equal(res.headers.get("content-encoding"), coding);
    assert.equal(res.headers.get("vary"), "Accept-Encoding");
    assert.match(res.headers.get("etag")!, new RegExp(`-${coding}"$`));
    const body = Uint8Array.from(res.body, (c) => c.charCodeAt(0));
    assert.ok(body.length < TEXT.length / 10, `${coding} did not shrink the file`);
    assert.equal(new TextDecoder().decode(decode(body)), TEXT);
  }
  const identity = await get(t.url("/text.txt"), { "accept-encoding": "identity" });
  assert.equal(identity.headers.get("content-encoding"), null);
  assert.equal(await identity.text(), TEXT);
}, { files: SITE });

serverTest("Accept-Encoding preferences: q-values, q=0 and * are honoured", async (t) => {
  const cases: [string, string | null][] = [
    ["gzip, br", "br"],
    ["gzip;q=1, br;q=0.5", "gzip"],
    ["br;q=0, gzip;q=0, *;q=0.1", "deflate"],
    ["*", "br"],
    ["compress", null],
  ];
  for (const [accept, expected] of cases) {
    const res = await get(t.url("/text.txt"), { "accept-encoding": accept });
    assert.equal(res.headers.get("content-encoding"), expected, accept);
    await res.body?.cancel();
  }
}, { files: SITE });

serverTest("small files, non-compressible types and ranges are sent as they are", async (t) => {
  for (
    const [path, headers] of [["/small.txt", {}], ["/data.bin", {}], ["/text.txt", {
      range: "bytes=0-9",
    }]] as const
  ) {
    const res = await get(t.url(path), { "accept-encoding": "gzip", ...headers });
    assert.equal(res.headers.get("content-encoding"), null, path);
    await res.body?.cancel();
  }
}, { files: SITE });

serverTest("precompressed .br and .gz siblings are served when accepted", async (t) => {
  for (const [coding, bytes] of [["br", [4, 5, 6]], ["gzip", [1, 2, 3]]] as const) {
    const { text } = await exchange(
      t.port,
      `GET /pre.css HTTP/1.1\r\nHost: x\r\nAccept-Encoding: ${coding}\r\nConnection: close\r\n\r\n`,
    );
    const [res] = parseResponses(text);
    assert.equal(res.headers.get("content-encoding"), coding);
    assert.equal(res.headers.get("content-type"), "text/css; charset=utf-8");
    assert.deepEqual([...res.body].map((c) => c.charCodeAt(0)), bytes);
  }
}, { files: SITE });

serverTest("a 304 for a compressed representation matches its own ETag", async (t) => {
  const gz = await get(t.url("/app.js"), { "accept-encoding": "gzip" });
  await gz.body?.cancel();
  const etag = gz.headers.get("etag")!;
  const again = await get(t.url("/app.js"), { "accept-encoding": "gzip", "if-none-match": etag });
  assert.equal(again.status, 304);
  const identity = await get(t.url("/app.js"), { "if-none-match": etag });
  assert.equal(identity.status, 200, "the gzip ETag must not validate the identity body");
  await identity.body?.cancel();
}, { files: SITE });

serverTest("--no-compress turns compression off", async (t) => {
  const res = await get(t.url("/text.txt"), { "accept-encoding": "gzip, br" });
  assert.equal(res.headers.get("content-encoding"), null);
  assert.equal(res.headers.get("vary"), null);
  assert.equal(await res.text(), TEXT);
}, { files: SITE, options: { compress: false } });

serverTest("a large text file streams compressed (chunked) and decompresses to the file", async (t) => {
  const { text } = await exchange(
    t.port,
    "GET /large.txt HTTP/1.1\r\nHost: x\r\nAccept-Encoding: br, gzip\r\nConnection: close\r\n\r\n",
    3000,
  );
  const [res] = parseResponses(text);
  assert.equal(res.headers.get("content-encoding"), "gzip");
  assert.equal(res.headers.get("transfer-encoding"), "chunked");
  const body = Uint8Array.from(res.body, (c) => c.charCodeAt(0));
  assert.equal(new TextDecoder().decode(gunzipSync(body)), TEXT.repeat(100));
}, { files: { "large.txt": TEXT.repeat(100) } });

// Types ----------------------------------------------------------------------

serverTest("types from the extension, charset on text, nosniff everywhere", async (t) => {
  const cases: [string, string][] = [
    ["/index.html", "text/html; charset=utf-8"],
    ["/app.js", "text/javascript; charset=utf-8"],
    ["/pre.css", "text/css; charset=utf-8"],
    ["/data.bin", "application/octet-stream"],
    ["/.well-known/security.txt", "text/plain; charset=utf-8"],
  ];
  for (const [path, type] of cases) {
    const res = await fetch(t.url(path), { method: "HEAD" });
    assert.equal(res.headers.get("content-type"), type, path);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
  }
}, { files: SITE });

// Folders --------------------------------------------------------------------

serverTest("listing is off by default: a folder without index.html is 404", async (t) => {
  const res = await get(t.url("/files/"));
  assert.equal(res.status, 404);
  await res.body?.cancel();
}, { files: SITE });

serverTest("--list: folders first, names escaped and linked, hidden files left out", async (t) => {
  const res = await get(t.url("/files/"));
  assert.equal(res.status, 200);
  const html = await res.text();
  const names = [...html.matchAll(/<a href="([^"]+)">([^<]+)<\/a>/g)].map((m) => [m[1], m[2]]);
  assert.deepEqual(names, [
    ["../", "../"],
    ["zdir/", "zdir/"],
    ["a%20%26%20%3Cb%3E.txt", "a &amp; &lt;b&gt;.txt"],
    ["b.txt", "b.txt"],
  ]);
  assert.match(html, /<title>Index of \/files\/<\/title>/);
  const followed = await get(new URL(names[2][0], t.url("/files/")).href);
  assert.equal(await followed.text(), "escaped");
}, { files: SITE, options: { list: true } });

serverTest("--spa serves index.html for unknown paths without an extension", async (t) => {
  const route = await get(t.url("/app/users/42"));
  assert.equal(route.status, 200);
  assert.equal(await route.text(), "<h1>home</h1>");
  const asset = await get(t.url("/missing.js"));
  assert.equal(asset.status, 404);
  await asset.body?.cancel();
}, { files: SITE, options: { spa: true } });

serverTest("--clean-urls maps /about to about.html", async (t) => {
  assert.equal(await (await get(t.url("/about"))).text(), "<h1>about</h1>");
  assert.equal(await (await get(t.url("/docs/guide"))).text(), "<h1>guide</h1>");
  const missing = await get(t.url("/nothing"));
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
}, { files: SITE, options: { cleanUrls: true } });

serverTest("without --clean-urls, /about is 404", async (t) => {
  const res = await get(t.url("/about"));
  assert.equal(res.status, 404);
  assert.equal(await res.text(), "<h1>custom 404</h1>");
}, { files: SITE });

// Safety ---------------------------------------------------------------------

serverTest("dotfiles are hidden by default, /.well-known/ is served", async (t) => {
  for (const path of ["/.env", "/files/.hidden", "/%2eenv"]) {
    const res = await get(t.url(path));
    assert.equal(res.status, 404, path);
    assert.doesNotMatch(await res.text(), /SECRET|hidden/);
  }
  assert.match(await (await get(t.url("/.well-known/security.txt"))).text(), /Contact/);
}, { files: SITE });

serverTest("--dotfiles deny answers 403", async (t) => {
  const res = await get(t.url("/.env"));
  assert.equal(res.status, 403);
  assert.doesNotMatch(await res.text(), /SECRET/);
}, { files: SITE, options: { dotfiles: "deny" } });

serverTest("--dotfiles allow serves them", async (t) => {
  assert.equal(await (await get(t.url("/.env"))).text(), "SECRET=1");
}, { files: SITE, options: { dotfiles: "allow" } });

serverTest("names with spaces, unicode and % work both ways", async (t) => {
  const dir = await get(t.url("/unicode/"));
  await dir.body?.cancel();
  for (const [name, body] of [["héllo wörld.txt", "unicode ok"], ["100% real.txt", "percent ok"]]) {
    const res = await get(t.url(`/unicode/${encodeURIComponent(name)}`));
    assert.equal(await res.text(), body, name);
  }
}, { files: SITE, options: { list: true } });

serverTest("listing links to names with spaces, unicode and % resolve", async (t) => {
  const html = await (await get(t.url("/unicode/"))).text();
  const hrefs = [...html.matchAll(/href="([^"]+\.txt)"/g)].map((m) => m[1]);
  assert.equal(hrefs.length, 2);
  for (const href of hrefs) {
    const res = await get(new URL(href, t.url("/unicode/")).href);
    assert.equal(res.status, 200, href);
    await res.body?.cancel();
  }
}, { files: SITE, options: { list: true } });

const secretName = "outside-secret.txt";

/** Hostile request targets; each must get 400/403/404 and never the secret. */
const HOSTILE = [
  `/../${secretName}`,
  `/../../../../etc/passwd`,
  `/%2e%2e/${secretName}`,
  `/%2E%2E/${secretName}`,
  `/.%2e/${secretName}`,
  `/%2e./${secretName}`,
  `/%2e%2e%2f${secretName}`,
  `/%2e%2e%2F${secretName}`,
  `/..%2f${secretName}`,
  `/..%2F..%2F..%2Fetc%2Fpasswd`,
  `/%252e%252e/${secretName}`,
  `/%252e%252e%252f${secretName}`,
  `/..%5c${secretName}`,
  `/..%5C..%5Cetc%5Cpasswd`,
  `/%5c..%5c${secretName}`,
  `/files/../../${secretName}`,
  `/files/%2e%2e/%2e%2e/${secretName}`,
  `/./../${secretName}`,
  `/%2e/%2e%2e/${secretName}`,
  `/..%00/${secretName}`,
  `/%00../${secretName}`,
  `/index.html%00.txt`,
  `/%c0%ae%c0%ae/${secretName}`,
  `/%c0%ae%c0%ae%c0%af${secretName}`,
  `/%e0%80%ae%e0%80%ae/${secretName}`,
  `/%c1%9c..%c1%9c${secretName}`,
  `/%u002e%u002e/${secretName}`,
  `/..;/${secretName}`,
  `//..//..//${secretName}`,
  `/...//${secretName}`,
  `http://x/../${secretName}`,
  `http://x/%2e%2e/${secretName}`,
  `/link-out`,
  `/link-out-dir/${secretName}`,
];

serverTest(`${HOSTILE.length} traversal attempts never leave the root`, async (t) => {
  const outside = t.root.slice(0, t.root.lastIndexOf("/"));
  const secret = `${outside}/${secretName}`;
  await Deno.writeTextFile(secret, "TOP SECRET");
  await Deno.symlink(secret, `${t.root}/link-out`);
  await Deno.symlink(outside, `${t.root}/link-out-dir`);
  try {
    for (const path of HOSTILE) {
      const { text } = await exchange(t.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assert.doesNotMatch(text, /TOP SECRET|root:/, path);
      assert.match(text, /^HTTP\/1\.1 (400|403|404) /, `${path}: ${text.slice(0, 40)}`);
    }
  } finally {
    await Deno.remove(secret);
  }
}, { files: SITE });

serverTest("a symlink inside the root is served; one out of it is refused with 403", async (t) => {
  const outside = await Deno.makeTempFile({ prefix: "weft-outside-" });
  await Deno.writeTextFile(outside, "outside");
  await Deno.symlink(outside, `${t.root}/out.txt`);
  await Deno.symlink(`${t.root}/small.txt`, `${t.root}/in.txt`);
  try {
    assert.equal(await (await get(t.url("/in.txt"))).text(), "tiny");
    const res = await get(t.url("/out.txt"));
    assert.equal(res.status, 403);
    assert.doesNotMatch(await res.text(), /outside$/);
  } finally {
    await Deno.remove(outside);
  }
}, { files: SITE });

serverTest("--follow-symlinks serves a link out of the root", async (t) => {
  const outside = await Deno.makeTempFile({ prefix: "weft-outside-" });
  await Deno.writeTextFile(outside, "outside");
  await Deno.symlink(outside, `${t.root}/out.txt`);
  try {
    assert.equal(await (await get(t.url("/out.txt"))).text(), "outside");
  } finally {
    await Deno.remove(outside);
  }
}, { files: SITE, options: { followSymlinks: true } });

// CORS -----------------------------------------------------------------------

serverTest("--cors: Access-Control-Allow-Origin on responses, preflight answered", async (t) => {
  const res = await get(t.url("/small.txt"), { origin: "https://example.com" });
  await res.body?.cancel();
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
  const preflight = await fetch(t.url("/small.txt"), {
    method: "OPTIONS",
    headers: {
      origin: "https://example.com",
      "access-control-request-method": "GET",
      "access-control-request-headers": "x-custom, content-type",
    },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("access-control-allow-origin"), "*");
  assert.equal(preflight.headers.get("access-control-allow-methods"), "GET, HEAD, OPTIONS");
  assert.equal(preflight.headers.get("access-control-allow-headers"), "x-custom, content-type");
  assert.equal(preflight.headers.get("access-control-max-age"), "86400");
}, { files: SITE, options: { cors: true } });

serverTest("without --cors there are no CORS headers", async (t) => {
  const res = await get(t.url("/small.txt"), { origin: "https://example.com" });
  await res.body?.cancel();
  assert.equal(res.headers.get("access-control-allow-origin"), null);
}, { files: SITE });

serverTest("the 404 page has no validators or ranges, and is not cached", async (t) => {
  const res = await get(t.url("/missing.txt"), { "if-none-match": "*", range: "bytes=0-1" });
  assert.equal(res.status, 404);
  assert.equal(await res.text(), "<h1>custom 404</h1>");
  for (const name of ["etag", "last-modified", "accept-ranges", "content-range"]) {
    assert.equal(res.headers.get(name), null, name);
  }
  assert.equal(res.headers.get("cache-control"), "no-cache");
}, { files: SITE, options: { cacheSeconds: 600 } });

serverTest("a link retargeted out of the root is refused once its second of trust is over", async (t) => {
  const outside = await Deno.makeTempFile({ prefix: "weft-outside-" });
  await Deno.writeTextFile(outside, "outside");
  await Deno.symlink(`${t.root}/small.txt`, `${t.root}/moving.txt`);
  try {
    assert.equal(await (await get(t.url("/moving.txt"))).text(), "tiny");
    await Deno.remove(`${t.root}/moving.txt`);
    await Deno.symlink(outside, `${t.root}/moving.txt`);
    await new Promise((r) => setTimeout(r, 1100));
    const res = await get(t.url("/moving.txt"));
    assert.equal(res.status, 403);
    assert.doesNotMatch(await res.text(), /^outside$/);
  } finally {
    await Deno.remove(outside);
  }
}, { files: SITE });
