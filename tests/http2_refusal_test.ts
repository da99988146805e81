// With --no-http2, an HTTP/2 client with prior knowledge learns, in HTTP/2, that weft speaks HTTP/1.1 only
// (RFC 9113 §3.4 and §7): raw bytes, Node's http2 client, nghttp and curl.
import assert from "node:assert/strict";
import { curl, hasTool, readAll, serverTest, writeAll } from "./_helpers.ts";

const PREFACE = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

serverTest(
  "--no-http2: a preface gets SETTINGS, then GOAWAY with HTTP_1_1_REQUIRED and a reason, then close",
  async (t) => {
    await t.server.ready; // readAll gives up after a second of silence: a worker still loading is silent
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: t.port });
    try {
      await writeAll(conn, PREFACE);
      const { text, closed } = await readAll(conn);
      const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0));
      const view = new DataView(bytes.buffer);
      assert.deepEqual([view.getUint8(3), view.getUint32(0) >>> 8], [0x4, 0], "an empty SETTINGS first");
      assert.equal(view.getUint8(9 + 3), 0x7, "then GOAWAY");
      assert.equal(view.getUint32(9 + 9 + 4), 0xd, "HTTP_1_1_REQUIRED");
      assert.match(text.slice(9 + 9 + 8), /HTTP\/1\.1/);
      assert.ok(closed, "and the connection closes");
    } finally {
      conn.close();
    }
  },
  { options: { http2: false } },
);

serverTest(
  "--no-http2: Node's http2 client sees GOAWAY code 13; nghttp and curl report it",
  async (t) => {
    const url = `http://127.0.0.1:${t.port}/`;
    const script = `const s = require("node:http2").connect(${JSON.stringify(url)});
s.on("goaway", (code, _last, data) => { console.log(code, String(data)); s.destroy(); });
s.on("error", () => {});`;
    if (await hasTool("node")) {
      const out = await new Deno.Command("node", { args: ["-e", script], stdout: "piped" }).output();
      assert.equal(new TextDecoder().decode(out.stdout).trim(), "13 This server speaks HTTP/1.1 only");
    }
    if (await hasTool("nghttp")) {
      const out = await new Deno.Command("nghttp", { args: ["-v", url], stdout: "piped" }).output();
      assert.match(
        new TextDecoder().decode(out.stdout),
        /error_code=HTTP_1_1_REQUIRED\(0x0d\).*HTTP\/1\.1 only/,
      );
    }
    if (await hasTool("curl")) {
      const { code, stderr } = await curl("-sv", "--http2-prior-knowledge", url);
      assert.equal(code, 16, stderr); // CURLE_HTTP2: curl 7.88 prints "received GOAWAY, error=13" under -v
      assert.match(stderr, /GOAWAY, error=13/);
    }
  },
  { options: { http2: false } },
);
