// HTTP/2 with prior knowledge (RFC 9113 §3.4) over TCP, with real clients: curl, nghttp, h2load and Node's http2
// client, on files and an app; a stream the client resets aborts its handler; a broken frame gets GOAWAY and the
// server goes on; shutdown sends GOAWAY and lets a stream in flight finish.
import assert from "node:assert/strict";
import { eventually } from "../lib/_test_utils.ts";
import { encodeFrame, ErrorCode, Flag, FrameType, Setting, words } from "../lib/http2/frame.ts";
import { join, requestFields, type ServerFrame, TestClient } from "../lib/http2/_test_utils.ts";
import {
  curl,
  hasTool,
  http2Frames,
  makeRoot,
  serverTest,
  startDeno,
  startServer,
  weftArgs,
} from "./_helpers.ts";

const CONTRACT = new URL("./testdata/contract_app.ts", import.meta.url);
const BIG = Uint8Array.from({ length: 3_000_000 }, (_, i) => (i * 7919) % 251);
const FILES = { "index.html": "<h1>home</h1>", "big.bin": BIG, "notes.txt": "hello world\n".repeat(500) };
const GET_PAGE = requestFields("/");
const hasCurl = await hasTool("curl");
const hasNghttp = await hasTool("nghttp", ["--version"]);
const hasNode = await hasTool("node");

/**
 * Runs an ES module in Node after a prelude: `client`, an HTTP/2 session to `url`, and `get(path, headers, body)`,
 * which resolves to the response's head and body bytes. Returns its stdout, trimmed.
 */
async function node(url: string, code: string): Promise<string> {
  const prelude = `import http2 from "node:http2";
const client = http2.connect(${JSON.stringify(url)});
const get = (path, headers = {}, body) => new Promise((resolve, reject) => {
  const req = client.request({ ":path": path, ":method": body ? "POST" : "GET", ...headers });
  const chunks = []; let head; req.on("response", (h) => head = h); req.on("data", (c) => chunks.push(c));
  req.on("end", () => resolve({ head, body: Buffer.concat(chunks) })); req.on("error", reject);
  req.end(body);
});
`;
  const out = await new Deno.Command("node", {
    args: ["--input-type=module", "-e", prelude + code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test(
  "HTTP/2 with curl: a page (Server-Timing, a --header field), gzip, a 304, a range, HEAD, a 404; the log says HTTP/2.0",
  { ignore: !hasCurl },
  async () => {
    const root = await makeRoot(FILES);
    const weft = await startDeno(
      weftArgs(root, "--port", "0", "--server-timing", "-H", "X-Frame-Options: DENY"),
    );
    try {
      const url = `http://127.0.0.1:${weft.port}`;
      const page = await curl("-si", "--http2-prior-knowledge", `${url}/`);
      assert.match(page.stdout, /^HTTP\/2 200 \r\n/);
      assert.match(page.stdout, /\r\ncontent-type: text\/html; charset=utf-8\r\n/);
      assert.match(page.stdout, /\r\ncontent-length: 13\r\n/);
      assert.match(page.stdout, /\r\n\r\n<h1>home<\/h1>$/);
      assert.match(
        page.stdout,
        /\r\nserver-timing: queued;dur=[\d.]+, worker;dur=[\d.]+, fs;dur=[\d.]+, total;dur=/,
      );
      assert.match(page.stdout, /\r\nx-frame-options: DENY\r\n/);
      // Compression and a conditional request, as over HTTP/1.
      const gzip = await curl(
        "-sI",
        "--http2-prior-knowledge",
        "-H",
        "Accept-Encoding: gzip",
        `${url}/notes.txt`,
      );
      assert.match(gzip.stdout, /\r\ncontent-encoding: gzip\r\n/);
      assert.match(gzip.stdout, /\r\nvary: Accept-Encoding\r\n/i);
      const etag = /\r\netag: ("[^"]+")\r\n/.exec(gzip.stdout)![1];
      const unchanged = await curl(
        ...["-s", "-o", "/dev/null", "-w", "%{http_code}", "--http2-prior-knowledge"],
        ...["-H", "Accept-Encoding: gzip", "-H", `If-None-Match: ${etag}`, `${url}/notes.txt`],
      );
      assert.equal(unchanged.stdout, "304");
      const range = await curl("-si", "--http2-prior-knowledge", "-r", "10-19", `${url}/big.bin`);
      assert.match(range.stdout, /^HTTP\/2 206 /);
      assert.match(range.stdout, /\r\ncontent-range: bytes 10-19\/3000000\r\n/);
      const head = await curl("-sI", "--http2-prior-knowledge", `${url}/big.bin`);
      assert.match(head.stdout, /\r\ncontent-length: 3000000\r\n/);
      const missing = await curl(
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code} %{http_version}",
        "--http2-prior-knowledge",
        `${url}/nope`,
      );
      assert.equal(missing.stdout, "404 2");
      await eventually(() => /"GET \/big\.bin HTTP\/2\.0" 206 10\n/.test(weft.stdout));
    } finally {
      await weft.stop();
      await Deno.remove(root, { recursive: true });
    }
  },
);

serverTest(
  "HTTP/2 with Node's client: 20 streams at once, a 3 MB file whole, a body up to the app",
  async (t) => {
    const out = await node(
      `http://127.0.0.1:${t.port}`,
      `const pages = (await Promise.all(Array.from({ length: 20 }, () => get("/")))).map((r) => r.body);
const big = (await get("/big.bin")).body;
let sum = 0; for (const b of big) sum = (sum + b) % 1000003;
console.log(JSON.stringify({ pages: new Set(pages.map(String)).size, first: String(pages[0]), big: big.length, sum }));
client.close();`,
    );
    let sum = 0;
    for (const b of BIG) sum = (sum + b) % 1000003;
    assert.deepEqual(JSON.parse(out), { pages: 1, first: "<h1>home</h1>", big: 3_000_000, sum });
  },
  { files: FILES, ignore: !hasNode },
);

serverTest(
  "HTTP/2 to an app: the Request, a posted body, cookies, a stream; a reset aborts request.signal",
  async (t) => {
    const out = await node(
      `http://127.0.0.1:${t.port}`,
      `const info = JSON.parse((await get("/info?x=1", { "x-custom": "yes" })).body);
const echo = (await get("/echo", {}, "x".repeat(200000))).body;
const cookies = (await get("/cookies")).head["set-cookie"];
const stream = String((await get("/slow-stream")).body);
const waiting = client.request({ ":path": "/wait-for-abort" });
waiting.on("error", () => {});
// A PING's answer comes after the server has read the request before it: the handler is under way.
await new Promise((r) => client.ping(r));
waiting.close(http2.constants.NGHTTP2_CANCEL);
let aborted = "0";
for (let i = 0; i < 50 && aborted === "0"; i++) {
  await new Promise((r) => setTimeout(r, 50));
  aborted = String((await get("/aborted")).body);
}
console.log(JSON.stringify({ info, echo: echo.length, cookies, stream, aborted }));
client.close();`,
    );
    const result = JSON.parse(out);
    assert.equal(result.info.url, `http://127.0.0.1:${t.port}/info?x=1`);
    assert.deepEqual([result.info.method, result.info.custom, result.info.remote], [
      "GET",
      "yes",
      "127.0.0.1",
    ]);
    assert.equal(result.echo, 200000);
    assert.deepEqual(result.cookies, ["a=1; Path=/", "b=2; Path=/; HttpOnly"]);
    assert.equal(result.stream, "first second");
    assert.equal(result.aborted, "1", "RST_STREAM aborted the handler's signal");
  },
  { ignore: !hasNode, options: { app: CONTRACT } },
);

serverTest(
  "HTTP/2 with nghttp and h2load: concurrent streams all answered, and counted by protocol",
  async (t) => {
    const url = `http://127.0.0.1:${t.port}`;
    const nghttp = await new Deno.Command("nghttp", {
      args: ["-n", "-s", `${url}/`, `${url}/big.bin`, `${url}/nope`],
      stdout: "piped",
    }).output();
    const table = new TextDecoder().decode(nghttp.stdout);
    assert.match(table, / 200 +13 \/\n/);
    assert.match(table, / 200 +2M \/big\.bin\n/);
    assert.match(table, / 404 .* \/nope\n/);
    // Counted by protocol: the three streams, over HTTP/1.1 the metrics page itself.
    await eventually(async () => {
      const page = await (await fetch(t.url("/metrics"))).text();
      return page.includes('weft_requests_total{protocol="HTTP/2"} 3\n') &&
        page.includes("weft_http2_connections_open 0\n");
    }, 5000);
    if (!await hasTool("h2load", ["--version"])) return;
    const load = await new Deno.Command("h2load", {
      args: ["-n", "2000", "-c", "4", "-m", "10", `${url}/`],
      stdout: "piped",
    })
      .output();
    assert.match(new TextDecoder().decode(load.stdout), /2000 succeeded, 0 failed, 0 errored/);
  },
  { files: FILES, ignore: !hasNghttp, options: { metrics: "/metrics" } },
);

serverTest(
  "HTTP/2: a frame out of place gets GOAWAY with PROTOCOL_ERROR, and the server goes on",
  async (t) => {
    await t.server.ready;
    const client = new TestClient();
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: t.port });
    try {
      // DATA on a stream never opened (RFC 9113 §5.1: a connection error).
      const bytes = join(client.preface(), new Uint8Array([0, 0, 1, FrameType.DATA, 0, 0, 0, 0, 1, 0x61]));
      const { frames, closed } = await http2Frames(conn, client, bytes);
      const goaway = frames.find((f) => f.type === FrameType.GOAWAY)!;
      assert.equal(new DataView(goaway.payload.buffer).getUint32(4), ErrorCode.PROTOCOL_ERROR);
      assert.match(new TextDecoder().decode(goaway.payload.subarray(8)), /RFC 9113 §5\.1/);
      assert.ok(closed);
    } finally {
      conn.close();
    }
    const after = await fetch(t.url("/"));
    assert.equal(await after.text(), "<h1>home</h1>");
  },
  { files: FILES },
);

Deno.test(
  "HTTP/2: shutdown sends GOAWAY, and a download in flight finishes",
  { ignore: !hasNode },
  async () => {
    const t = await startServer(FILES);
    const script = `import http2 from "node:http2";
const client = http2.connect(${JSON.stringify(`http://127.0.0.1:${t.port}`)});
let goaway = null; client.on("goaway", (code) => goaway = code);
const req = client.request({ ":path": "/big.bin" });
let bytes = 0; req.on("data", (c) => { if (bytes === 0) console.log("started"); bytes += c.length; req.pause(); setTimeout(() => req.resume(), 5); });
req.on("end", () => { console.log(JSON.stringify({ bytes, goaway })); client.close(); });
req.on("error", (e) => console.log(JSON.stringify({ error: String(e), bytes })));`;
    const child = new Deno.Command("node", { args: ["--input-type=module", "-e", script], stdout: "piped" })
      .spawn();
    let printed = "";
    const reading = (async () => {
      for await (const text of child.stdout.pipeThrough(new TextDecoderStream())) printed += text;
    })();
    try {
      await eventually(() => printed.includes("started"), 10_000);
      await t.close(); // aborts, and waits until every connection is closed
      await reading;
      assert.deepEqual(JSON.parse(printed.trim().split("\n").at(-1)!), { bytes: 3_000_000, goaway: 0 });
    } finally {
      await child.status;
    }
  },
);

serverTest("HTTP/2 maxStreams (--max-streams): a stream past the limit gets REFUSED_STREAM", async (t) => {
  await t.server.ready;
  const client = new TestClient();
  const post = requestFields("/", "POST");
  // Two requests whose bodies have not come: both streams stay open.
  const bytes = join(
    client.preface(),
    client.headers(1, post, Flag.END_HEADERS),
    client.headers(3, post, Flag.END_HEADERS),
  );
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: t.port });
  try {
    const { frames } = await http2Frames(
      conn,
      client,
      bytes,
      (f) => f.some((x) => x.type === FrameType.RST_STREAM),
    );
    const reset = frames.find((f) => f.type === FrameType.RST_STREAM)!;
    assert.deepEqual([reset.stream, new DataView(reset.payload.buffer).getUint32(0)], [
      3,
      ErrorCode.REFUSED_STREAM,
    ]);
    assert.equal(sentSettings(frames).get(Setting.MAX_CONCURRENT_STREAMS), 1);
  } finally {
    conn.close();
  }
}, { files: FILES, options: { maxStreams: 1 } });

/** The server's SETTINGS (the first that is not an ACK), by identifier. */
function sentSettings(frames: ServerFrame[]): Map<number, number> {
  const settings = frames.find((f) => f.type === FrameType.SETTINGS && f.payload.length > 0)!;
  const view = new DataView(settings.payload.buffer);
  return new Map(
    Array.from(
      { length: settings.payload.length / 6 },
      (_, i) => [view.getUint16(i * 6), view.getUint32(i * 6 + 2)],
    ),
  );
}

serverTest(
  "HTTP/2 maxFrameSize (--max-frame-size): a frame up to it is read, a larger one gets GOAWAY FRAME_SIZE_ERROR",
  async (t) => {
    await t.server.ready;
    const client = new TestClient();
    const post = (path: string) => requestFields(path, "POST");
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: t.port });
    try {
      // 20,000 bytes: over the default 16,384, under the 32,768 set here; the files answer a POST with 405.
      const first = await http2Frames(
        conn,
        client,
        join(
          client.preface(),
          client.headers(1, post("/"), Flag.END_HEADERS),
          encodeFrame(FrameType.DATA, Flag.END_STREAM, 1, new Uint8Array(20_000)),
        ),
        (f) => f.some((x) => x.type === FrameType.HEADERS && x.stream === 1),
      );
      assert.equal(sentSettings(first.frames).get(Setting.MAX_FRAME_SIZE), 32_768);
      const answer = first.frames.find((f) => f.type === FrameType.HEADERS)!;
      assert.equal(new Map(answer.fields).get(":status"), "405");
      const second = await http2Frames(
        conn,
        client,
        join(
          client.headers(3, post("/"), Flag.END_HEADERS),
          encodeFrame(FrameType.DATA, Flag.END_STREAM, 3, new Uint8Array(40_000)),
        ),
        (f) => f.some((x) => x.type === FrameType.GOAWAY),
      );
      const goaway = second.frames.find((f) => f.type === FrameType.GOAWAY);
      assert.ok(goaway, "a GOAWAY for the 40,000-byte frame");
      assert.equal(new DataView(goaway.payload.buffer).getUint32(4), ErrorCode.FRAME_SIZE_ERROR);
    } finally {
      conn.close();
    }
  },
  { files: FILES, options: { maxFrameSize: 32_768 } },
);

serverTest(
  "HTTP/2 on reload: GOAWAY, the stream in flight finishes, the next request goes on a new connection",
  async (t) => {
    await t.server.ready;
    const url = `http://127.0.0.1:${t.port}`;
    const script = `import http2 from "node:http2";
const first = http2.connect(${JSON.stringify(url)});
let goaway = null; first.on("goaway", (code, last, data) => goaway = [code, String(data)]);
const req = first.request({ ":path": "/big.bin" });
let bytes = 0; req.on("data", (c) => { if (bytes === 0) console.log("started"); bytes += c.length; req.pause(); setTimeout(() => req.resume(), 5); });
req.on("end", () => {
  const again = http2.connect(${JSON.stringify(url)});
  const next = again.request({ ":path": "/" }); let text = ""; next.setEncoding("utf8");
  next.on("data", (c) => text += c);
  next.on("end", () => { console.log(JSON.stringify({ bytes, goaway, text })); again.close(); first.close(); });
});`;
    const child = new Deno.Command("node", { args: ["--input-type=module", "-e", script], stdout: "piped" })
      .spawn();
    let printed = "";
    const reading = (async () => {
      for await (const text of child.stdout.pipeThrough(new TextDecoderStream())) printed += text;
    })();
    await eventually(() => printed.includes("started"), 10_000);
    await t.server.reload();
    await reading;
    await child.status;
    assert.deepEqual(JSON.parse(printed.trim().split("\n").at(-1)!), {
      bytes: 3_000_000,
      goaway: [0, "the server is reloading"],
      text: "<h1>home</h1>",
    });
  },
  { files: FILES, ignore: !hasNode },
);

/** A Python with the h2 package (Debian's python3-h2 is for /usr/bin/python3), or null. */
async function pythonWithH2(): Promise<string | null> {
  if (await hasTool("python3", ["-c", "import h2"], null)) return "python3";
  return await hasTool("/usr/bin/python3", ["-c", "import h2"], "python3-h2") ? "/usr/bin/python3" : null;
}
const python = await pythonWithH2();

serverTest("HTTP/2 with python's h2: a request on stream 1, its status and body", async (t) => {
  await t.server.ready;
  const script = `
import socket, h2.connection, h2.events
sock = socket.create_connection(("127.0.0.1", ${t.port}))
conn = h2.connection.H2Connection()
conn.initiate_connection()
conn.send_headers(1, [(":method", "GET"), (":path", "/"), (":scheme", "http"), (":authority", "x")], end_stream=True)
sock.sendall(conn.data_to_send())
status, body, done = None, b"", False
while not done:
    data = sock.recv(65536)
    if not data:
        break
    for event in conn.receive_data(data):
        if isinstance(event, h2.events.ResponseReceived):
            status = dict(event.headers)[b":status"].decode()
        elif isinstance(event, h2.events.DataReceived):
            body += event.data
            conn.acknowledge_received_data(len(event.data), event.stream_id)
        elif isinstance(event, h2.events.StreamEnded):
            done = True
    sock.sendall(conn.data_to_send())
conn.close_connection()
sock.sendall(conn.data_to_send())
print(status, body.decode())
`;
  const out = await new Deno.Command(python!, { args: ["-c", script], stdout: "piped", stderr: "piped" })
    .output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.equal(new TextDecoder().decode(out.stdout).trim(), "200 <h1>home</h1>");
}, { files: FILES, ignore: python === null });

serverTest(
  "HTTP/2: a connection with no stream open for the idle timeout gets GOAWAY and is closed",
  async (t) => {
    await t.server.ready;
    const client = new TestClient();
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: t.port });
    try {
      const { frames, closed } = await http2Frames(
        conn,
        client,
        join(client.preface(), client.headers(1, GET_PAGE)),
      );
      assert.ok(frames.some((f) => f.stream === 1 && f.flags & Flag.END_STREAM), "the request was answered");
      const goaway = frames.find((f) => f.type === FrameType.GOAWAY)!;
      assert.deepEqual(
        [
          new DataView(goaway.payload.buffer).getUint32(4),
          new TextDecoder().decode(goaway.payload.subarray(8)),
        ],
        [ErrorCode.NO_ERROR, "idle"],
      );
      assert.ok(closed);
    } finally {
      conn.close();
    }
  },
  { files: FILES, options: { idleTimeout: 500 } },
);

serverTest(
  "HTTP/2: a file waits for a window the client keeps shut, and goes whole once it opens",
  async (t) => {
    await t.server.ready;
    const client = new TestClient();
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: t.port });
    try {
      const request = join(
        client.preface([[Setting.INITIAL_WINDOW_SIZE, 0]]),
        client.headers(1, requestFields("/big.bin")),
      );
      const head = await http2Frames(conn, client, request, (f) => f.some((x) => x.stream === 1 && x.fields));
      assert.equal(head.frames.filter((f) => f.type === FrameType.DATA).length, 0, "data past a shut window");
      // The window opens: the stream's to the most, the connection's by the file's size.
      const open = join(
        encodeFrame(FrameType.SETTINGS, 0, 0, Uint8Array.of(0, 4, 0x7f, 0xff, 0xff, 0xff)),
        encodeFrame(FrameType.WINDOW_UPDATE, 0, 0, words([BIG.length])),
      );
      const ended = (f: ServerFrame[]) => f.some((x) => x.stream === 1 && x.flags & Flag.END_STREAM);
      const body = await http2Frames(conn, client, open, ended, 10_000);
      const data = body.frames.filter((f) => f.type === FrameType.DATA);
      assert.equal(data.reduce((n, f) => n + f.payload.length, 0), BIG.length);
      assert.ok(ended(body.frames), "the stream did not end");
    } finally {
      conn.close();
    }
  },
  { files: FILES },
);

serverTest(
  "HTTP/2 Expect: 100-continue gets a 100 field block when the app reads, then the answer; another expectation 417",
  async (t) => {
    await t.server.ready;
    const client = new TestClient();
    const post = (path: string, expect: string): [string, string][] => [
      ...requestFields(path, "POST"),
      ["content-length", "4"],
      ["expect", expect],
    ];
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: t.port });
    try {
      const heads = (f: ServerFrame[]) => f.filter((x) => x.fields !== undefined);
      const first = await http2Frames(
        conn,
        client,
        join(client.preface(), client.headers(1, post("/echo", "100-continue"), Flag.END_HEADERS)),
        (f) => heads(f).length > 0,
      );
      assert.deepEqual(heads(first.frames).map((f) => [f.stream, f.fields, f.flags]), [
        [1, [[":status", "100"]], Flag.END_HEADERS],
      ]);
      const ended = (stream: number) => (f: ServerFrame[]) =>
        f.some((x) => x.stream === stream && x.flags & Flag.END_STREAM && x.type !== FrameType.SETTINGS);
      const rest = await http2Frames(
        conn,
        client,
        join(
          encodeFrame(FrameType.DATA, Flag.END_STREAM, 1, new TextEncoder().encode("ping")),
          client.headers(3, post("/echo", "the-unexpected").filter(([name]) => name !== "content-length")),
        ),
        (f) => ended(1)(f) && ended(3)(f),
      );
      const fieldsOf = (stream: number) =>
        new Map(heads(rest.frames).find((f) => f.stream === stream)?.fields);
      const bodyOf = (stream: number) =>
        rest.frames.filter((f) => f.stream === stream && f.type === FrameType.DATA)
          .map((f) => new TextDecoder().decode(f.payload)).join("");
      assert.equal(fieldsOf(1).get(":status"), "200");
      assert.equal(bodyOf(1), "ping");
      assert.equal(fieldsOf(3).get(":status"), "417");
      assert.equal(bodyOf(3), "417 Expectation Failed: Unsupported expectation\n");
    } finally {
      conn.close();
    }
  },
  { options: { app: CONTRACT } },
);

serverTest(
  "HTTP/2: an answer complete in the worker but held by a small window finishes once it opens; one never let out is reset",
  async (t) => {
    await t.server.ready;
    const client = new TestClient();
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: t.port });
    const data = (frames: ServerFrame[], stream: number) =>
      frames.filter((f) => f.type === FrameType.DATA && f.stream === stream);
    try {
      // A window of 10 bytes: each 13-byte page sends 10, and its last 3 and its end wait.
      const first = await http2Frames(
        conn,
        client,
        join(
          client.preface([[Setting.INITIAL_WINDOW_SIZE, 10]]),
          client.headers(1, GET_PAGE),
          client.headers(3, GET_PAGE),
        ),
        (f) => data(f, 1).length > 0 && data(f, 3).length > 0,
      );
      assert.ok(
        !first.frames.some((f) => f.type === FrameType.RST_STREAM),
        "a stream reset while its answer waited",
      );
      const opened = await http2Frames(
        conn,
        client,
        encodeFrame(FrameType.WINDOW_UPDATE, 0, 1, words([100])),
        (f) => f.some((x) => x.type === FrameType.RST_STREAM),
        5000,
      );
      const frames = [...first.frames, ...opened.frames];
      assert.equal(data(frames, 1).map((f) => new TextDecoder().decode(f.payload)).join(""), "<h1>home</h1>");
      assert.ok(data(frames, 1).at(-1)!.flags & Flag.END_STREAM);
      // Stream 3's window stayed shut past the body timeout.
      const reset = frames.find((f) => f.type === FrameType.RST_STREAM)!;
      assert.deepEqual([reset.stream, new DataView(reset.payload.buffer).getUint32(0)], [
        3,
        ErrorCode.CANCEL,
      ]);
    } finally {
      conn.close();
    }
  },
  { files: FILES, options: { bodyTimeout: 300 } },
);

Deno.test(
  "HTTP/2 with --dev: the live-reload stream stays open and tells of a change",
  { ignore: !hasCurl },
  async () => {
    const root = await makeRoot({ "index.html": "<h1>one</h1>" });
    const weft = await startDeno(weftArgs(root, "--port", "0", "--dev"));
    const stream = new Deno.Command("curl", {
      args: [
        "-sN",
        "--http2-prior-knowledge",
        "--max-time",
        "20",
        `http://127.0.0.1:${weft.port}/__weft/livereload`,
      ],
      stdout: "piped",
    }).spawn();
    let seen = "";
    const reading = (async () => {
      for await (const text of stream.stdout.pipeThrough(new TextDecoderStream())) seen += text;
    })();
    try {
      await eventually(() => seen.includes(": weft live reload"), 10_000);
      await Deno.writeTextFile(`${root}/index.html`, "<h1>two</h1>");
      await eventually(() => seen.includes('data: {"cssOnly":false}'), 10_000);
    } finally {
      stream.kill();
      await reading;
      await stream.status;
      await weft.stop();
      await Deno.remove(root, { recursive: true });
    }
  },
);

serverTest("HTTP/2: two answers with large fields in one turn each arrive whole", async (t) => {
  await t.server.ready;
  const client = new TestClient();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: t.port });
  try {
    const cookie = (frames: ServerFrame[], stream: number) =>
      new Map(frames.find((f) => f.stream === stream && f.fields)?.fields).get("set-cookie");
    const { frames } = await http2Frames(
      conn,
      client,
      join(
        client.preface(),
        client.headers(1, requestFields("/big-cookie?v=a")),
        client.headers(3, requestFields("/big-cookie?v=b")),
      ),
      (f) => cookie(f, 1) !== undefined && cookie(f, 3) !== undefined,
    );
    assert.equal(cookie(frames, 1), `v=${"a".repeat(3000)}`);
    assert.equal(cookie(frames, 3), `v=${"b".repeat(3000)}`);
  } finally {
    conn.close();
  }
}, { options: { app: CONTRACT } });
