import assert from "node:assert/strict";
import { curl, hasTool, SITE, startServer } from "./_helpers.ts";
import { gzipSync } from "node:zlib";

const hasCurl = await hasTool("curl");

Deno.test({
  name: "curl: GET, HEAD, 404 and HTTP/1.0",
  ignore: !hasCurl,
  async fn() {
    const t = await startServer();
    try {
      const get = await curl("-i", t.url("/a.txt"));
      assert.match(get.stdout, /^HTTP\/1\.1 200 OK\r\n/);
      assert.ok(get.stdout.endsWith("\r\n\r\nfile a\n"));
      const head = await curl("-I", t.url("/a.txt"));
      assert.match(head.stdout, /^HTTP\/1\.1 200 OK\r\n[^]*Content-Length: 7\r\n/);
      const missing = await curl("-w", "%{http_code}", "-o", "/dev/null", t.url("/nope"));
      assert.equal(missing.stdout, "404");
      const old = await curl("--http1.0", "-i", t.url("/b.txt"));
      assert.match(old.stdout, /Connection: close\r\n/);
      assert.ok(old.stdout.endsWith("file b\n"));
    } finally {
      await t.close();
    }
  },
});

Deno.test({
  name: "curl: reuses one keep-alive connection for several URLs",
  ignore: !hasCurl,
  async fn() {
    const t = await startServer();
    try {
      const r = await curl("-v", t.url("/a.txt"), t.url("/b.txt"), t.url("/"));
      assert.equal(r.stdout, "file a\nfile b\n" + SITE["index.html"]);
      assert.match(r.stderr, /Re-using existing connection|Reusing existing/i);
      assert.equal(r.stderr.match(/Connected to/g)?.length, 1, r.stderr);
    } finally {
      await t.close();
    }
  },
});

Deno.test({
  name: "curl: a POST with a body gets 405 and Allow",
  ignore: !hasCurl,
  async fn() {
    const t = await startServer();
    try {
      const r = await curl("-i", "--data-binary", "x".repeat(5000), t.url("/a.txt"));
      assert.match(r.stdout, /^HTTP\/1\.1 405 Method Not Allowed\r\n/);
      assert.match(r.stdout, /Allow: GET, HEAD, OPTIONS\r\n/);
      const chunked = await curl(
        "-i",
        "-H",
        "Transfer-Encoding: chunked",
        "--data-binary",
        "hello",
        t.url("/"),
      );
      assert.match(chunked.stdout, /^HTTP\/1\.1 405 /);
    } finally {
      await t.close();
    }
  },
});

const TEXT = "curl fetches this text, compressed or in ranges.\n".repeat(300);

Deno.test({
  name: "curl: -r ranges, --compressed and -z (If-Modified-Since)",
  ignore: !hasCurl,
  async fn() {
    const t = await startServer({ "t.txt": TEXT, "t.txt.gz": gzipSync(new TextEncoder().encode(TEXT)) });
    try {
      const range = await curl("-r", "5-14", t.url("/t.txt"));
      assert.equal(range.stdout, TEXT.slice(5, 15));
      const multi = await curl("-i", "-r", "0-1,20-21", t.url("/t.txt"));
      assert.match(
        multi.stdout,
        /^HTTP\/1\.1 206 Partial Content\r\n[^]*Content-Type: multipart\/byteranges; boundary=/,
      );
      const compressed = await curl("--compressed", "-D", "-", t.url("/t.txt"));
      assert.match(compressed.stdout, /Content-Encoding: (br|gzip)\r\n/);
      assert.ok(compressed.stdout.endsWith(TEXT), "--compressed body did not decompress to the file");
      const later = new Date(Date.now() + 86_400_000).toUTCString();
      const notModified = await curl("-o", "/dev/null", "-w", "%{http_code}", "-z", later, t.url("/t.txt"));
      assert.equal(notModified.stdout, "304");
      const modified = await curl(
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-z",
        "1 Jan 2000",
        t.url("/t.txt"),
      );
      assert.equal(modified.stdout, "200");
    } finally {
      await t.close();
    }
  },
});
