// The file server over real TCP: what only the wire shows (the framing of 304 and HEAD, a compressed stream
// that is chunked, what a browser-like client decodes) and traversal attempts as raw bytes. Everything else
// about files is tested through the socketless handler in lib/files/file_server_test.ts.
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { eventually } from "../lib/_test_utils.ts";
import { exchange, parseResponses, readResponses, serverTest, startDeno, weftArgs } from "./_helpers.ts";

const TEXT = "The quick brown fox jumps over the lazy dog.\n".repeat(400);
const BINARY = new Uint8Array(200_000).map((_, i) => (i * 13 + (i >> 8)) % 256);
const SITE: Record<string, string | Uint8Array> = {
  "index.html": "<h1>home</h1>",
  "text.txt": TEXT,
  "data.bin": BINARY,
  "files/b.txt": "b",
};

serverTest(
  "a 304 carries no body and no Content-Length; HEAD with a range has the range's fields, no body",
  async (t) => {
    const first = await fetch(t.url("/data.bin"));
    await first.body?.cancel();
    const etag = first.headers.get("etag")!;
    const raw = await exchange(
      t.port,
      `GET /data.bin HTTP/1.1\r\nHost: x\r\nIf-None-Match: ${etag}\r\nConnection: close\r\n\r\n`,
    );
    assert.match(raw.text, /^HTTP\/1\.1 304 Not Modified\r\n/);
    assert.ok(raw.text.endsWith("\r\n\r\n"), "a 304 carried a body");
    assert.doesNotMatch(raw.text, /Content-Length/);
    const head = await exchange(
      t.port,
      "HEAD /data.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\nConnection: close\r\n\r\n",
    );
    assert.match(head.text, /^HTTP\/1\.1 206 /);
    assert.match(head.text, /Content-Length: 10\r\n/);
    assert.ok(head.text.endsWith("\r\n\r\n"));
  },
  { files: SITE },
);

serverTest(
  "HEAD of a large file, a streamed compressed file and a range: heads only, the connection goes on",
  async (t) => {
    const conn = await Deno.connect({ port: t.port });
    try {
      const heads = [
        "HEAD /large.bin HTTP/1.1\r\nHost: x\r\n\r\n",
        "HEAD /large.txt HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n",
        "HEAD /large.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9,20-29\r\n\r\n",
      ];
      await conn.write(new TextEncoder().encode(heads.join("")));
      // A body sent after any of these would be read as the next status line, and fail here.
      const [big, gzip, ranges] = await readResponses(conn, 3, "HEAD");
      assert.equal(big.headers.get("content-length"), String(2 * 1024 * 1024));
      assert.equal(gzip.headers.get("content-encoding"), "gzip");
      assert.equal(gzip.headers.get("content-length"), undefined);
      assert.equal(ranges.status, 206);
      assert.match(ranges.headers.get("content-type")!, /^multipart\/byteranges/);
      await conn.write(new TextEncoder().encode("GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"));
      const [page] = await readResponses(conn, 1);
      assert.equal(page.body, "<h1>home</h1>");
    } finally {
      conn.close();
    }
  },
  { files: { ...SITE, "large.bin": new Uint8Array(2 * 1024 * 1024), "large.txt": TEXT.repeat(100) } },
);

serverTest("fetch decodes a compressed file; a range of a file arrives intact", async (t) => {
  const res = await fetch(t.url("/text.txt"), { headers: { "accept-encoding": "gzip" } });
  assert.equal(res.headers.get("content-encoding"), "gzip");
  assert.equal(await res.text(), TEXT);
  const range = await fetch(t.url("/data.bin"), { headers: { range: "bytes=1000-" } });
  assert.equal(range.status, 206);
  assert.deepEqual(new Uint8Array(await range.arrayBuffer()), BINARY.subarray(1000));
}, { files: SITE });

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

Deno.test("a file or folder weft may not read is 403, a name too long for the file system 404; stderr stays quiet", async () => {
  const root = await Deno.makeTempDir({ prefix: "weft-denied-" });
  await Deno.writeTextFile(`${root}/open.txt`, "open");
  await Deno.writeTextFile(`${root}/secret.txt`, "secret");
  await Deno.mkdir(`${root}/private`);
  await Deno.writeTextFile(`${root}/private/a.txt`, "a");
  // As root the system's permissions cannot be tried; Deno's are the same refusal, one layer up.
  const args = weftArgs("--port", "0", "--root", root, "--list");
  args.splice(1, 0, `--deny-read=${root}/secret.txt,${root}/private`);
  const weft = await startDeno(args);
  try {
    const status = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${weft.port}${path}`);
      await res.body?.cancel();
      return res.status;
    };
    assert.equal(await status("/open.txt"), 200);
    assert.equal(await status("/secret.txt"), 403);
    assert.equal(await status("/private/"), 403);
    assert.equal(await status("/private/a.txt"), 403);
    assert.equal(await status(`/${"n".repeat(300)}.txt`), 404);
  } finally {
    await weft.stop();
    await Deno.remove(root, { recursive: true });
  }
  assert.doesNotMatch(weft.stderr, /\n\s+at |request failed/, weft.stderr);
});

serverTest(
  "over TCP, paths are answered as nginx answers them: dot segments, //dir, /a.txt/, a date ahead",
  async (t) => {
    const status = async (path: string, extra = "") => {
      const { text } = await exchange(
        t.port,
        `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}Connection: close\r\n\r\n`,
      );
      return parseResponses(text)[0];
    };
    for (
      const path of [
        "/./index.html",
        "/files/../index.html",
        "/files/%2e%2e/index.html",
        "/files//../index.html",
      ]
    ) {
      assert.equal((await status(path)).body, "<h1>home</h1>", path);
    }
    assert.equal((await status("/../index.html")).status, 400);
    const redirect = await status("//files");
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get("location"), "/files/");
    assert.equal((await status("/index.html/")).status, 404);
    const ahead = `If-Modified-Since: ${new Date(Date.now() + 86_400_000).toUTCString()}\r\n`;
    assert.equal((await status("/index.html", ahead)).status, 200);
  },
  { files: SITE },
);

serverTest(
  "large files downloaded at once, over and over, arrive byte for byte (buffers given back are reused)",
  async (t) => {
    const sizes = [1024 * 1024, 700_000, 100_000, 40_000];
    const random = (size: number) => {
      const bytes = new Uint8Array(size);
      for (let at = 0; at < size; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
      return bytes;
    };
    const files = sizes.map(random);
    await Promise.all(files.map((bytes, i) => Deno.writeFile(`${t.root}/big${i}.bin`, bytes)));
    for (let round = 0; round < 5; round++) {
      const got = await Promise.all(
        [...files.keys(), ...files.keys()].map(async (i) =>
          [i, await (await fetch(t.url(`/big${i}.bin`))).bytes()] as const
        ),
      );
      for (const [i, bytes] of got) assert.deepEqual(bytes, files[i], `big${i}.bin, round ${round + 1}`);
    }
  },
);

serverTest(
  "a large cached file that changes is served new: the main thread's kept copy follows the worker's cache",
  async (t) => {
    const path = `${t.root}/big.bin`;
    const versions = [1, 2, 3].map((v) => new Uint8Array(300_000).map((_, i) => (i * v + (i >> 9)) % 256));
    // Compared by hand: a failed deepEqual of 300 kB would spend minutes drawing its diff.
    const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
    const fetchBig = async () => (await fetch(t.url("/big.bin"))).bytes();
    for (const [i, bytes] of versions.entries()) {
      await Deno.writeFile(path, bytes);
      // A new mtime even on a coarse clock: the cache keys a version by size and mtime.
      await Deno.utime(path, 1_000_000 + i, 1_000_000 + i);
      // Each worker trusts a file's metadata for a moment (file_lookup.ts): wait until the edit shows on all.
      const round = async () =>
        (await Promise.all([1, 2, 3, 4].map(fetchBig))).every((body) => same(body, bytes));
      for (const deadline = Date.now() + 5000; !await round();) {
        assert.ok(Date.now() < deadline, `version ${i + 1} never served`);
      }
      for (let again = 0; again < 3; again++) {
        const got = await Promise.all([1, 2, 3, 4].map(fetchBig));
        assert.ok(got.every((body) => same(body, bytes)), `version ${i + 1}, round ${again + 1}`);
      }
    }
  },
);

serverTest(
  "a large file that shrinks while it is sent is cut off (the head promised more), and the server goes on",
  async (t) => {
    const path = `${t.root}/shrinking.bin`;
    await Deno.writeFile(path, new Uint8Array(0));
    await Deno.truncate(path, 64 * 1024 * 1024);
    const conn = await Deno.connect({ port: t.port });
    try {
      await conn.write(new TextEncoder().encode("GET /shrinking.bin HTTP/1.1\r\nHost: x\r\n\r\n"));
      const buf = new Uint8Array(64 * 1024);
      let got = 0;
      while (got < 256 * 1024) got += (await conn.read(buf)) ?? Infinity;
      // The main thread reads the file a chunk at a time as the client takes it: it cannot be far ahead.
      await Deno.truncate(path, 1024 * 1024);
      let closed = false;
      while (!closed) {
        const n = await conn.read(buf).catch(() => null);
        if (n === null) closed = true;
        else got += n;
      }
      assert.ok(got < 64 * 1024 * 1024, `the whole promised body arrived (${got} bytes)`);
    } finally {
      conn.close();
    }
    // A worker trusts a file's metadata for a moment (file_lookup.ts): then the new size is served whole.
    await eventually(async () => {
      const res = await fetch(t.url("/shrinking.bin"));
      return (await res.bytes().catch(() => new Uint8Array())).length === 1024 * 1024;
    });
  },
);

serverTest(
  "a large file from disk and a range of it, on one keep-alive connection: both answered whole, the connection kept",
  async (t) => {
    const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 11 + (i >> 12)) % 256);
    await Deno.writeFile(`${t.root}/disk.bin`, big);
    const conn = await Deno.connect({ port: t.port });
    try {
      const ask = (fields = "") =>
        conn.write(new TextEncoder().encode(`GET /disk.bin HTTP/1.1\r\nHost: x\r\n${fields}\r\n`));
      await ask();
      await ask("Range: bytes=1000-2999999\r\n");
      const [whole, range] = await readResponses(conn, 2);
      assert.deepEqual([whole.status, range.status], [200, 206]);
      // Bodies come as latin1 text: one character per byte.
      const same = (body: string, from: number, length: number) =>
        body.length === length &&
        [...Array(length).keys()].every((i) => body.charCodeAt(i) === big[from + i]);
      assert.ok(same(whole.body, 0, big.length), "the whole file, byte for byte");
      assert.ok(same(range.body, 1000, 2999000), "the range, byte for byte");
      await ask();
      assert.equal((await readResponses(conn, 1))[0].status, 200, "the connection is still open after them");
    } finally {
      conn.close();
    }
  },
);
