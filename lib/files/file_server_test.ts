// The file server through the socketless handler: requests parsed by the protocol core, replies read whole,
// no socket. What needs the wire (framing of 304 and HEAD, streaming, traversal over raw TCP) is in
// tests/files_test.ts.
import assert from "node:assert/strict";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { call, eventually, fileHandler } from "../_test_utils.ts";
import type { FileServerOptions } from "../config/options.ts";
import type { Handler } from "../handler.ts";

const TEXT = "The quick brown fox jumps over the lazy dog.\n".repeat(400);
const BINARY = new Uint8Array(200_000).map((_, i) => (i * 13 + (i >> 8)) % 256);
const SITE: Record<string, string | Uint8Array> = {
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
  "docs/index.html": "<h1>docs</h1>",
  "files/b.txt": "b",
  "files/a & <b>.txt": "escaped",
  "files/zdir/inner.txt": "inner",
  "files/.hidden": "hidden",
  "unicode/héllo wörld.txt": "unicode ok",
  "unicode/100% real.txt": "percent ok",
  ".env": "SECRET=1",
  ".well-known/security.txt": "Contact: mailto:security@example.com",
};

interface Site {
  handler: Handler;
  root: string;
}

/** A test with the file server on a fresh copy of SITE. */
function siteTest(name: string, fn: (site: Site) => Promise<void>, options: FileServerOptions = {}): void {
  Deno.test(name, async () => {
    const root = await Deno.makeTempDir({ prefix: "weft-files-" });
    try {
      for (const [path, content] of Object.entries(SITE)) {
        const full = `${root}/${path}`;
        await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
        await (typeof content === "string"
          ? Deno.writeTextFile(full, content)
          : Deno.writeFile(full, content));
      }
      await fn({ handler: fileHandler(root, options), root: Deno.realPathSync(root) });
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });
}

// Caching (RFC 9110 §8.8, §13) ------------------------------------------------

siteTest("ETag and Last-Modified; If-None-Match and If-Modified-Since give 304", async ({ handler }) => {
  const first = await call(handler, "/data.bin");
  const etag = first.headers.get("etag")!;
  const lastModified = first.headers.get("last-modified")!;
  assert.match(etag, /^"[0-9a-f]+-[0-9a-f]+"$/);
  assert.ok(Date.parse(lastModified) > 0);
  assert.equal(first.headers.get("cache-control"), "no-cache");
  const validating: Record<string, string>[] = [
    { "if-none-match": etag },
    { "if-none-match": `"other", W/${etag}` },
    { "if-none-match": "*" },
    { "if-modified-since": lastModified },
  ];
  for (const headers of validating) {
    const res = await call(handler, "/data.bin", { headers });
    assert.equal(res.status, 304, JSON.stringify(headers));
    assert.equal(res.body.length, 0);
    assert.equal(res.headers.get("etag"), etag);
  }
  const stale = await call(handler, "/data.bin", {
    headers: { "if-modified-since": new Date(0).toUTCString() },
  });
  assert.equal(stale.status, 200);
  // A date ahead of the server's clock is ignored, so a client whose clock runs fast still sees changes.
  const ahead = { "if-modified-since": new Date(Date.now() + 60_000).toUTCString() };
  assert.equal((await call(handler, "/data.bin", { headers: ahead })).status, 200);
  const other = await call(handler, "/data.bin", {
    headers: { "if-none-match": '"nope"', "if-modified-since": lastModified },
  });
  assert.equal(other.status, 200, "If-None-Match must take precedence over If-Modified-Since");
});

siteTest("If-Match and If-Unmodified-Since give 412 when they fail", async ({ handler }) => {
  const etag = (await call(handler, "/small.txt")).headers.get("etag")!;
  assert.equal((await call(handler, "/small.txt", { headers: { "if-match": etag } })).text, "tiny");
  const failing: Record<string, string>[] = [
    { "if-match": '"other"' },
    { "if-match": `W/${etag}` },
    { "if-unmodified-since": "Thu, 01 Jan 1970 00:00:00 GMT" },
  ];
  for (const headers of failing) {
    assert.equal((await call(handler, "/small.txt", { headers })).status, 412, JSON.stringify(headers));
  }
});

siteTest("an edited file is served with a new ETag once its metadata is looked at again", async (site) => {
  const before = await call(site.handler, "/small.txt");
  assert.equal(before.text, "tiny");
  await Deno.writeTextFile(`${site.root}/small.txt`, "edited!");
  const future = new Date(Date.now() + 5000);
  await Deno.utime(`${site.root}/small.txt`, future, future);
  await eventually(async () => (await call(site.handler, "/small.txt")).text === "edited!");
  const after = await call(site.handler, "/small.txt");
  assert.notEqual(after.headers.get("etag"), before.headers.get("etag"));
});

siteTest("cacheSeconds sets max-age", async ({ handler }) => {
  assert.equal((await call(handler, "/small.txt")).headers.get("cache-control"), "public, max-age=3600");
}, { cacheSeconds: 3600 });

siteTest("the 404 page has no validators or ranges, and is not cached", async ({ handler }) => {
  const res = await call(handler, "/missing.txt", { headers: { "if-none-match": "*", range: "bytes=0-1" } });
  assert.equal(res.status, 404);
  assert.equal(res.text, "<h1>custom 404</h1>");
  for (const name of ["etag", "last-modified", "accept-ranges", "content-range"]) {
    assert.equal(res.headers.get(name), undefined, name);
  }
  assert.equal(res.headers.get("cache-control"), "no-cache");
}, { cacheSeconds: 600 });

// Ranges (RFC 9110 §14) -------------------------------------------------------

siteTest("single ranges: first-last, open, suffix; 206 with Content-Range", async ({ handler }) => {
  const cases: [string, number, number][] = [
    ["bytes=0-99", 0, 100],
    ["bytes=1000-", 1000, BINARY.length],
    ["bytes=-500", BINARY.length - 500, BINARY.length],
    ["bytes=199990-999999", 199990, BINARY.length],
    ["bytes=5-5", 5, 6],
  ];
  for (const [range, start, end] of cases) {
    const res = await call(handler, "/data.bin", { headers: { range } });
    assert.equal(res.status, 206, range);
    assert.equal(res.headers.get("content-range"), `bytes ${start}-${end - 1}/${BINARY.length}`);
    assert.deepEqual(res.body, BINARY.subarray(start, end), range);
  }
  assert.equal((await call(handler, "/data.bin")).headers.get("accept-ranges"), "bytes");
});

siteTest("several ranges give multipart/byteranges that parses back to the parts", async ({ handler }) => {
  const res = await call(handler, "/text.txt", { headers: { range: "bytes=0-3,10-14,-4" } });
  assert.equal(res.status, 206);
  const type = res.headers.get("content-type")!;
  const boundary = /^multipart\/byteranges; boundary=(\S+)$/.exec(type)?.[1];
  assert.ok(boundary, type);
  const parts = res.text.split(`--${boundary}`).slice(1, -1).map((p) => {
    const [head, data] = p.split("\r\n\r\n");
    return [/Content-Range: (.*)/.exec(head)?.[1], data.slice(0, -2)];
  });
  const n = TEXT.length;
  assert.deepEqual(parts, [
    [`bytes 0-3/${n}`, TEXT.slice(0, 4)],
    [`bytes 10-14/${n}`, TEXT.slice(10, 15)],
    [`bytes ${n - 4}-${n - 1}/${n}`, TEXT.slice(n - 4)],
  ]);
  assert.ok(res.text.endsWith(`--${boundary}--\r\n`));
});

siteTest(
  "overlapping ranges merge; an unsatisfiable range is 416; bad syntax is ignored",
  async ({ handler }) => {
    const merged = await call(handler, "/text.txt", { headers: { range: "bytes=0-10,5-20" } });
    assert.equal(merged.headers.get("content-range"), `bytes 0-20/${TEXT.length}`);
    assert.equal(merged.text, TEXT.slice(0, 21));
    const beyond = await call(handler, "/text.txt", { headers: { range: `bytes=${TEXT.length}-` } });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get("content-range"), `bytes */${TEXT.length}`);
    for (const range of ["bytes=5-1", "items=0-5", "bytes=abc", "bytes=--5"]) {
      assert.equal((await call(handler, "/text.txt", { headers: { range } })).status, 200, range);
    }
  },
);

siteTest(
  "If-Range: a current ETag or date gives the range, a stale one the whole file",
  async ({ handler }) => {
    const head = await call(handler, "/data.bin", { method: "HEAD" });
    const etag = head.headers.get("etag")!;
    const date = head.headers.get("last-modified")!;
    for (
      const [ifRange, status] of [[etag, 206], [date, 206], ['"stale"', 200], [`W/${etag}`, 200]] as const
    ) {
      const res = await call(handler, "/data.bin", { headers: { range: "bytes=0-9", "if-range": ifRange } });
      assert.equal(res.status, status, ifRange);
    }
  },
);

// Compression (RFC 9110 §8.4, §12.5.3) ----------------------------------------

siteTest(
  "gzip, deflate and br on the fly, each decompressing to the file, with Vary",
  async ({ handler }) => {
    const decoders = { gzip: gunzipSync, deflate: inflateSync, br: brotliDecompressSync };
    for (const [coding, decode] of Object.entries(decoders)) {
      const res = await call(handler, "/text.txt", { headers: { "accept-encoding": coding } });
      assert.equal(res.headers.get("content-encoding"), coding);
      assert.equal(res.headers.get("vary"), "Accept-Encoding");
      assert.match(res.headers.get("etag")!, new RegExp(`-${coding}"$`));
      assert.ok(res.body.length < TEXT.length / 10, `${coding} did not shrink the file`);
      assert.equal(new TextDecoder().decode(decode(res.body)), TEXT);
    }
    const identity = await call(handler, "/text.txt", { headers: { "accept-encoding": "identity" } });
    assert.equal(identity.headers.get("content-encoding"), undefined);
    assert.equal(identity.text, TEXT);
  },
);

siteTest("Accept-Encoding preferences: q-values, q=0 and * are honoured", async ({ handler }) => {
  const cases: [string, string | undefined][] = [
    ["gzip, br", "br"],
    ["gzip;q=1, br;q=0.5", "gzip"],
    ["br;q=0, gzip;q=0, *;q=0.1", "deflate"],
    ["*", "br"],
    ["compress", undefined],
  ];
  for (const [accept, expected] of cases) {
    const res = await call(handler, "/text.txt", { headers: { "accept-encoding": accept } });
    assert.equal(res.headers.get("content-encoding"), expected, accept);
  }
});

siteTest("small files, non-compressible types and ranges are sent as they are", async ({ handler }) => {
  const cases: [string, Record<string, string>][] = [["/small.txt", {}], ["/data.bin", {}], ["/text.txt", {
    range: "bytes=0-9",
  }]];
  for (const [path, headers] of cases) {
    const res = await call(handler, path, { headers: { "accept-encoding": "gzip", ...headers } });
    assert.equal(res.headers.get("content-encoding"), undefined, path);
  }
});

siteTest("precompressed .br and .gz siblings are served when accepted", async ({ handler }) => {
  for (const [coding, bytes] of [["br", [4, 5, 6]], ["gzip", [1, 2, 3]]] as const) {
    const res = await call(handler, "/pre.css", { headers: { "accept-encoding": coding } });
    assert.equal(res.headers.get("content-encoding"), coding);
    assert.equal(res.headers.get("content-type"), "text/css; charset=utf-8");
    assert.deepEqual([...res.body], bytes);
  }
});

siteTest("a 304 for a compressed representation matches its own ETag", async ({ handler }) => {
  const gzip = { "accept-encoding": "gzip" };
  const etag = (await call(handler, "/app.js", { headers: gzip })).headers.get("etag")!;
  const again = await call(handler, "/app.js", { headers: { ...gzip, "if-none-match": etag } });
  assert.equal(again.status, 304);
  const identity = await call(handler, "/app.js", { headers: { "if-none-match": etag } });
  assert.equal(identity.status, 200, "the gzip ETag must not validate the identity body");
});

siteTest("compress: false turns compression off", async ({ handler }) => {
  const res = await call(handler, "/text.txt", { headers: { "accept-encoding": "gzip, br" } });
  assert.equal(res.headers.get("content-encoding"), undefined);
  assert.equal(res.headers.get("vary"), undefined);
  assert.equal(res.text, TEXT);
}, { compress: false });

// Types ------------------------------------------------------------------------

siteTest("types from the extension, charset on text, nosniff everywhere", async ({ handler }) => {
  const cases: [string, string][] = [
    ["/index.html", "text/html; charset=utf-8"],
    ["/app.js", "text/javascript; charset=utf-8"],
    ["/pre.css", "text/css; charset=utf-8"],
    ["/data.bin", "application/octet-stream"],
    ["/.well-known/security.txt", "text/plain; charset=utf-8"],
  ];
  for (const [path, type] of cases) {
    const res = await call(handler, path, { method: "HEAD" });
    assert.equal(res.headers.get("content-type"), type, path);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
  }
});

// Folders ----------------------------------------------------------------------

siteTest("listing is off by default: a folder without index.html is 404", async ({ handler }) => {
  assert.equal((await call(handler, "/files/")).status, 404);
});

siteTest("list: folders first, names escaped and linked, hidden files left out", async ({ handler }) => {
  const res = await call(handler, "/files/");
  assert.equal(res.status, 200);
  const names = [...res.text.matchAll(/<a href="([^"]+)">([^<]+)<\/a>/g)].map((m) => [m[1], m[2]]);
  assert.deepEqual(names, [
    ["../", "/"],
    ["./", "files"],
    ["../", "../"],
    ["zdir/", "zdir/"],
    ["a%20%26%20%3Cb%3E.txt", "a &amp; &lt;b&gt;.txt"],
    ["b.txt", "b.txt"],
  ]);
  assert.match(res.text, /<title>Index of \/files\/<\/title>/);
  assert.equal((await call(handler, `/files/${names[4][0]}`)).text, "escaped");
}, { list: true });

siteTest("list: a nested folder's heading links every folder above it, relative", async ({ handler }) => {
  const html = (await call(handler, "/files/zdir/")).text;
  const heading = /<h1>(.*)<\/h1>/.exec(html)![1];
  const links = [...heading.matchAll(/<a href="([^"]+)">([^<]+)<\/a>/g)].map((m) => [m[1], m[2]]);
  assert.deepEqual(links, [["../../", "/"], ["../", "files"], ["./", "zdir"]]);
  for (const [href] of links) {
    const folder = new URL(href, "http://x/files/zdir/").pathname;
    assert.equal((await call(handler, folder)).status, 200, folder);
  }
}, { list: true });

siteTest("listing links to names with spaces, unicode and % resolve", async ({ handler }) => {
  const html = (await call(handler, "/unicode/")).text;
  const hrefs = [...html.matchAll(/href="([^"]+\.txt)"/g)].map((m) => m[1]);
  assert.equal(hrefs.length, 2);
  for (const href of hrefs) assert.equal((await call(handler, `/unicode/${href}`)).status, 200, href);
  for (const [name, body] of [["héllo wörld.txt", "unicode ok"], ["100% real.txt", "percent ok"]]) {
    assert.equal((await call(handler, `/unicode/${encodeURIComponent(name)}`)).text, body, name);
  }
}, { list: true });

siteTest("folders: index.html inside; /dir redirects to /dir/ keeping the query", async ({ handler }) => {
  assert.equal((await call(handler, "/")).text, "<h1>home</h1>");
  const moved = await call(handler, "/docs?x=1");
  assert.equal(moved.status, 301);
  assert.equal(moved.headers.get("location"), "/docs/?x=1");
});

siteTest("spa: index.html for unknown paths without an extension", async ({ handler }) => {
  const route = await call(handler, "/app/users/42");
  assert.equal(route.status, 200);
  assert.equal(route.text, "<h1>home</h1>");
  assert.equal((await call(handler, "/missing.js")).status, 404);
}, { spa: true });

siteTest("cleanUrls: /about from about.html", async ({ handler }) => {
  assert.equal((await call(handler, "/about")).text, "<h1>about</h1>");
  assert.equal((await call(handler, "/docs/guide")).text, "<h1>guide</h1>");
  assert.equal((await call(handler, "/nothing")).status, 404);
}, { cleanUrls: true });

Deno.test("without a 404.html, a built-in page answers 404", async () => {
  const root = await Deno.makeTempDir({ prefix: "weft-files-" });
  try {
    const res = await call(fileHandler(root), "/missing");
    assert.equal(res.status, 404);
    assert.match(res.text, /<h1>Not found<\/h1>/);
    assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

siteTest("without cleanUrls, /about is the custom 404", async ({ handler }) => {
  const res = await call(handler, "/about");
  assert.equal(res.status, 404);
  assert.equal(res.text, "<h1>custom 404</h1>");
});

// Safety -----------------------------------------------------------------------

siteTest("dotfiles are hidden by default; /.well-known/ is served (RFC 8615)", async ({ handler }) => {
  for (const path of ["/.env", "/files/.hidden", "/%2eenv"]) {
    const res = await call(handler, path);
    assert.equal(res.status, 404, path);
    assert.doesNotMatch(res.text, /SECRET|hidden/);
  }
  assert.match((await call(handler, "/.well-known/security.txt")).text, /Contact/);
});

siteTest("dotfiles: deny answers 403", async ({ handler }) => {
  const res = await call(handler, "/.env");
  assert.equal(res.status, 403);
  assert.doesNotMatch(res.text, /SECRET/);
}, { dotfiles: "deny" });

siteTest("dotfiles: allow serves them", async ({ handler }) => {
  assert.equal((await call(handler, "/.env")).text, "SECRET=1");
}, { dotfiles: "allow" });

siteTest(
  "a symlink inside the root is served; one out of it is refused with 403",
  async ({ handler, root }) => {
    const outside = await Deno.makeTempFile({ prefix: "weft-outside-" });
    await Deno.writeTextFile(outside, "outside");
    await Deno.symlink(outside, `${root}/out.txt`);
    await Deno.symlink(`${root}/small.txt`, `${root}/in.txt`);
    try {
      assert.equal((await call(handler, "/in.txt")).text, "tiny");
      const res = await call(handler, "/out.txt");
      assert.equal(res.status, 403);
      assert.doesNotMatch(res.text, /outside$/);
    } finally {
      await Deno.remove(outside);
    }
  },
);

siteTest("followSymlinks serves a link out of the root", async ({ handler, root }) => {
  const outside = await Deno.makeTempFile({ prefix: "weft-outside-" });
  await Deno.writeTextFile(outside, "outside");
  await Deno.symlink(outside, `${root}/out.txt`);
  try {
    assert.equal((await call(handler, "/out.txt")).text, "outside");
  } finally {
    await Deno.remove(outside);
  }
}, { followSymlinks: true });

siteTest(
  "a link retargeted out of the root is refused once its trust runs out",
  async ({ handler, root }) => {
    const outside = await Deno.makeTempFile({ prefix: "weft-outside-" });
    await Deno.writeTextFile(outside, "outside");
    await Deno.symlink(`${root}/small.txt`, `${root}/moving.txt`);
    try {
      assert.equal((await call(handler, "/moving.txt")).text, "tiny");
      await Deno.remove(`${root}/moving.txt`);
      await Deno.symlink(outside, `${root}/moving.txt`);
      await eventually(async () => (await call(handler, "/moving.txt")).status === 403);
      assert.doesNotMatch((await call(handler, "/moving.txt")).text, /^outside$/);
    } finally {
      await Deno.remove(outside);
    }
  },
);

// Methods and CORS -------------------------------------------------------------

siteTest(
  "methods: OPTIONS lists Allow, known others 405 (RFC 9110 §15.5.6), unknown 501",
  async ({ handler }) => {
    const options = await call(handler, "/small.txt", { method: "OPTIONS" });
    assert.equal(options.status, 204);
    assert.equal(options.headers.get("allow"), "GET, HEAD, OPTIONS");
    for (const [method, status] of [["POST", 405], ["DELETE", 405], ["BREW", 501]] as const) {
      const res = await call(handler, "/small.txt", { method });
      assert.equal(res.status, status, method);
      assert.equal(res.headers.get("allow"), "GET, HEAD, OPTIONS");
    }
  },
);

siteTest("cors: Access-Control-Allow-Origin on responses, preflight answered", async ({ handler }) => {
  const res = await call(handler, "/small.txt", { headers: { origin: "https://example.com" } });
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
  const preflight = await call(handler, "/small.txt", {
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
}, { cors: true });

siteTest("without cors there are no CORS headers", async ({ handler }) => {
  const res = await call(handler, "/small.txt", { headers: { origin: "https://example.com" } });
  assert.equal(res.headers.get("access-control-allow-origin"), undefined);
});

// Paths (RFC 3986 §5.2.4), as nginx answers them --------------------------------

siteTest(
  "dot segments are removed after decoding once; one that climbs above the root is 400",
  async ({ handler }) => {
    for (
      const path of ["/./small.txt", "/files/../small.txt", "/files/%2e%2e/small.txt", "/files//../small.txt"]
    ) {
      const res = await call(handler, path);
      assert.equal(res.status, 200, path);
      assert.equal(res.text, "tiny", path);
    }
    for (const path of ["/../small.txt", "/files/../../small.txt", "/%2e%2e/small.txt"]) {
      assert.equal((await call(handler, path)).status, 400, path);
    }
  },
);

siteTest("a folder's redirect never names another host: //docs goes to /docs/", async ({ handler }) => {
  for (
    const [path, location] of [["//docs", "/docs/"], ["/docs", "/docs/"], [
      "/files/../docs?x=1",
      "/docs/?x=1",
    ]]
  ) {
    const res = await call(handler, path);
    assert.equal(res.status, 301, path);
    assert.equal(res.headers.get("location"), location, path);
  }
});

siteTest("a file asked for as a folder (/small.txt/) is not found", async ({ handler }) => {
  assert.equal((await call(handler, "/small.txt/")).status, 404);
});

siteTest("cleanUrls never serves the 404 page as a page: /404 is a 404", async ({ handler }) => {
  const res = await call(handler, "/404");
  assert.equal(res.status, 404);
  assert.equal(res.text, "<h1>custom 404</h1>");
}, { cleanUrls: true });
