import assert from "node:assert/strict";
import { serve } from "../mod.ts";
import { ErrorCode, FrameType } from "../lib/http2/frame.ts";
import { TestClient } from "../lib/http2/_test_utils.ts";
import { curl, hasTool, http2Frames, makeRoot, startDeno, weftArgs } from "./_helpers.ts";
import { makeCertificate } from "./_tls.ts";

const HAS_OPENSSL = await hasTool("openssl", ["version"]);
const HAS_CURL = await hasTool("curl");

Deno.test({
  name:
    "HTTPS: files and an app over TLS, checked by fetch trusting the CA (and by curl --cacert where installed)",
  ignore: !HAS_OPENSSL,
  async fn() {
    const tls = await makeCertificate();
    const root = await makeRoot({ "index.html": "<h1>secure hello</h1>" });
    const app = new URL("./testdata/contract_app.ts", import.meta.url);
    const controller = new AbortController();
    const server = serve({ port: 0, root, app, cert: tls.cert, key: tls.key, signal: controller.signal });
    const client = Deno.createHttpClient({ caCerts: [tls.ca] });
    try {
      await server.ready;
      assert.equal(server.secure, true);
      const port = (server.addr as Deno.NetAddr).port;
      if (HAS_CURL) {
        const fetched = await curl("--cacert", tls.caFile, `https://localhost:${port}/index.html`);
        assert.equal(fetched.code, 0, fetched.stderr);
        assert.equal(fetched.stdout, "<h1>secure hello</h1>");
      }

      const info = await fetch(`https://127.0.0.1:${port}/info`, { client });
      assert.equal((await info.json()).url, `https://127.0.0.1:${port}/info`);

      // Plain HTTP to the TLS port fails that connection only.
      const plain = await Deno.connect({ hostname: "127.0.0.1", port });
      await plain.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
      const buf = new Uint8Array(1024);
      const answer = await plain.read(buf).catch(() => null);
      assert.ok(
        answer === null || !new TextDecoder().decode(buf.subarray(0, answer)).startsWith("HTTP/1.1 200"),
      );
      plain.close();
      const again = await fetch(`https://localhost:${port}/index.html`, { client });
      assert.equal(await again.text(), "<h1>secure hello</h1>");
    } finally {
      client.close();
      controller.abort();
      await server.finished;
      await Deno.remove(root, { recursive: true });
      await Deno.remove(tls.dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "HTTPS offers h2 by ALPN: curl --http2 and Node's http2 speak HTTP/2 (and HTTP/1 bytes after h2 get GOAWAY); with http2: false, HTTP/1.1",
  ignore: !HAS_OPENSSL || !HAS_CURL,
  async fn() {
    const tls = await makeCertificate();
    const root = await makeRoot({ "index.html": "<h1>secure hello</h1>" });
    const servers = [true, false].map((http2) => {
      const controller = new AbortController();
      const server = serve({
        port: 0,
        root,
        cert: tls.cert,
        key: tls.key,
        http2,
        workers: 1,
        signal: controller.signal,
      });
      return {
        server,
        controller,
        url: `https://localhost:${(server.addr as Deno.NetAddr).port}/index.html`,
      };
    });
    try {
      const [h2, h1] = servers;
      const version = async (url: string) =>
        (await curl("-s", "--http2", "--cacert", tls.caFile, "-w", "%{http_version}", url)).stdout;
      assert.equal(await version(h2.url), "<h1>secure hello</h1>2");
      assert.equal(await version(h1.url), "<h1>secure hello</h1>1.1");
      // A client that agreed on h2 and then speaks HTTP/1.1 gets HTTP/2's answer: GOAWAY, PROTOCOL_ERROR.
      const port = Number(new URL(h2.url).port);
      const conn = await Deno.connectTls({
        hostname: "localhost",
        port,
        caCerts: [tls.ca],
        alpnProtocols: ["h2"],
      });
      const http1 = new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      const isGoaway = (f: { type: number }) => f.type === FrameType.GOAWAY;
      const { frames } = await http2Frames(conn, new TestClient(), http1, (f) => f.some(isGoaway));
      conn.close();
      const goaway = frames.find(isGoaway);
      assert.equal(goaway && new DataView(goaway.payload.buffer).getUint32(4), ErrorCode.PROTOCOL_ERROR);
      if (await hasTool("node")) {
        const script = `const s = require("node:http2").connect(${JSON.stringify(h2.url)}, { ca: ${
          JSON.stringify(tls.ca)
        } });
const r = s.request({ ":path": "/index.html" }); let t = ""; r.setEncoding("utf8");
r.on("data", (c) => t += c); r.on("end", () => { console.log(s.alpnProtocol, t); s.close(); });`;
        const out = await new Deno.Command("node", { args: ["-e", script], stdout: "piped" }).output();
        assert.equal(new TextDecoder().decode(out.stdout).trim(), "h2 <h1>secure hello</h1>");
      }
    } finally {
      for (const { controller, server } of servers) {
        controller.abort();
        await server.finished;
      }
      await Deno.remove(root, { recursive: true });
      await Deno.remove(tls.dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "CLI: --cert/--key print an https URL; a missing key file is named; --cert alone is refused",
  ignore: !HAS_OPENSSL,
  async fn() {
    const tls = await makeCertificate();
    try {
      const weft = await startDeno(weftArgs("--port", "0", "--cert", tls.certFile, "--key", tls.keyFile));
      try {
        assert.match(weft.text, /weft listening on https:\/\/127\.0\.0\.1:\d+\//);
        const client = Deno.createHttpClient({ caCerts: [tls.ca] });
        const res = await fetch(`https://127.0.0.1:${weft.port}/`, { client });
        assert.equal(res.status, 200);
        await res.body?.cancel();
        client.close();
      } finally {
        await weft.stop();
      }
      const run = (args: string[]) =>
        new Deno.Command(Deno.execPath(), { args: weftArgs(...args), stdout: "null", stderr: "piped" })
          .output();
      const missing = await run(["--port", "0", "--cert", tls.certFile, "--key", `${tls.dir}/nope.pem`]);
      assert.equal(missing.code, 2);
      assert.match(new TextDecoder().decode(missing.stderr), /^weft: --key .*nope\.pem: /);
      const alone = await run(["--cert", tls.certFile]);
      assert.equal(alone.code, 2);
      assert.equal(new TextDecoder().decode(alone.stderr), "weft: --cert needs --key\n");
      const wrong = await run(["--port", "0", "--cert", tls.keyFile, "--key", tls.keyFile]);
      assert.equal(wrong.code, 1);
      assert.match(
        new TextDecoder().decode(wrong.stderr),
        /^weft: cannot use the certificate or key: .*\(--cert, --key\)\n$/,
      );
    } finally {
      await Deno.remove(tls.dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "HTTPS: silent clients that never start a handshake, one past --max-connections, do not hold up shutdown",
  ignore: !HAS_OPENSSL,
  async fn() {
    const tls = await makeCertificate();
    const controller = new AbortController();
    const server = serve({
      port: 0,
      cert: tls.cert,
      key: tls.key,
      maxConnections: 1,
      signal: controller.signal,
    });
    const silent: Deno.Conn[] = [];
    try {
      await server.ready;
      const port = (server.addr as Deno.NetAddr).port;
      silent.push(await Deno.connect({ port }), await Deno.connect({ port }));
      await new Promise((resolve) => setTimeout(resolve, 200));
      controller.abort();
      const outcome = await Promise.race([
        server.finished.then(() => "finished"),
        new Promise((resolve) => setTimeout(() => resolve("still draining after 5 s"), 5000)),
      ]);
      assert.equal(outcome, "finished");
    } finally {
      for (const conn of silent) conn.close();
      controller.abort();
      await server.finished;
      await Deno.remove(tls.dir, { recursive: true });
    }
  },
});
