/**
 * The ceiling for one Deno thread that does only what weft's main thread must
 * do per request: read the request's bytes and write a response's. No
 * parsing, no workers: a canned copy of the hello page's response.
 *
 *   deno run --allow-net --allow-read bench/ceiling.ts [--port 7985]
 *   wrk -t2 -c64 -d5s http://127.0.0.1:7985/
 *
 * Compared with weft and nginx in the same minute, it shows what the sockets
 * cost on their own and so what the hop to a worker and back costs.
 *
 * @module
 */

import { parseArgs } from "node:util";

const { values } = parseArgs({ args: Deno.args, options: { port: { type: "string", default: "7985" } } });
const body = await Deno.readFile(new URL("../static/index.html", import.meta.url));
const head = new TextEncoder().encode(
  "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n" +
    `Content-Length: ${body.length}\r\nDate: ${new Date().toUTCString()}\r\nServer: ceiling\r\n\r\n`,
);
const response = new Uint8Array(head.length + body.length);
response.set(head);
response.set(body, head.length);

async function answer(conn: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(4096);
  try {
    // One response per read: wrk sends one request at a time per connection.
    while ((await conn.read(buf)) !== null) await conn.write(response);
  } catch {
    // The client reset the connection.
  } finally {
    conn.close();
  }
}

const listener = Deno.listen({ hostname: "127.0.0.1", port: Number(values.port) });
console.log(`ceiling listening on http://127.0.0.1:${values.port}/`);
for await (const conn of listener) void answer(conn);
