/**
 * The ceiling for one Deno thread that does only what weft's main thread must
 * do per request: read the request's bytes and write a response's. No
 * parsing beyond finding the path, no workers: canned responses, made at
 * start from the folder the bench serves (`--root`), with the same bodies
 * nginx sends: each file, `index.html` for `/`, the 64 KiB text gzipped when
 * the request asks for gzip, and a small 404 for anything else.
 *
 *   deno run --allow-net --allow-read bench/ceiling.ts --root DIR [--port 7985]
 *   wrk -t2 -c64 -d5s http://127.0.0.1:7985/
 *
 * Compared with weft and nginx in the same minute, it shows what the sockets
 * cost on their own and so what the hop to a worker and back costs.
 *
 * @module
 */

import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Deno.args,
  options: { port: { type: "string", default: "7985" }, root: { type: "string" } },
});
const root = values.root ?? new URL("../static", import.meta.url).pathname;
const enc = new TextEncoder();

function canned(status: string, type: string, body: Uint8Array, extra = ""): Uint8Array {
  const head = enc.encode(
    `HTTP/1.1 ${status}\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n${extra}` +
      `Date: ${new Date().toUTCString()}\r\nServer: ceiling\r\n\r\n`,
  );
  const response = new Uint8Array(head.length + body.length);
  response.set(head);
  response.set(body, head.length);
  return response;
}

const TYPES: Record<string, string> = { html: "text/html; charset=utf-8", txt: "text/plain; charset=utf-8" };
const plain = new Map<string, Uint8Array>();
const gzipped = new Map<string, Uint8Array>();
for await (const entry of Deno.readDir(root)) {
  if (!entry.isFile) continue;
  const body = await Deno.readFile(`${root}/${entry.name}`);
  const type = TYPES[entry.name.slice(entry.name.lastIndexOf(".") + 1)] ?? "application/octet-stream";
  plain.set(`/${entry.name}`, canned("200 OK", type, body));
  if (entry.name.endsWith(".txt")) {
    const packed = new Uint8Array(
      await new Response(new Blob([body]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer(),
    );
    gzipped.set(
      `/${entry.name}`,
      canned("200 OK", type, packed, "Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n"),
    );
  }
}
if (plain.has("/index.html")) plain.set("/", plain.get("/index.html")!);
const notFound = canned("404 Not Found", "text/html", enc.encode("<h1>404 Not Found</h1>\n"));

/** The canned answer to each request in `text` (pipelined requests get one each). */
function answers(text: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; (at = text.indexOf(" ", at)) !== -1;) {
    const path = text.slice(at + 1, text.indexOf(" ", at + 1));
    const end = text.indexOf("\r\n\r\n", at);
    if (end === -1) break;
    const gzip = /accept-encoding:[^\r]*gzip/i.test(text.slice(at, end));
    out.push((gzip ? gzipped.get(path) : undefined) ?? plain.get(path) ?? notFound);
    at = end + 4;
  }
  return out;
}

function joined(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}

async function answer(conn: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(4096);
  const latin1 = new TextDecoder("latin1");
  try {
    // wrk writes whole requests, so each read holds whole requests.
    for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
      const responses = answers(latin1.decode(buf.subarray(0, n)));
      await writeAll(conn, responses.length === 1 ? responses[0] : joined(responses));
    }
  } catch {
    // The client reset the connection.
  } finally {
    conn.close();
  }
}

const listener = Deno.listen({ hostname: "127.0.0.1", port: Number(values.port) });
console.log(`ceiling listening on http://127.0.0.1:${values.port}/`);
for await (const conn of listener) void answer(conn);
