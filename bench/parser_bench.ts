/**
 * `deno bench bench/parser_bench.ts`: the sans-I/O core alone, per request:
 * parsing a typical browser request with 12 header fields (whole, and split
 * in three reads), and serializing a response head.
 *
 * @module
 */

import { ServerConnection } from "../lib/http/connection.ts";
import { DEFAULT_LIMITS } from "../lib/http/limits.ts";
import { RequestHeadParser } from "../lib/http/request_head.ts";
import { serializeResponseHead } from "../lib/http/response.ts";

const BROWSER = new TextEncoder().encode(
  "GET /assets/app.js?v=3 HTTP/1.1\r\n" +
    "Host: localhost:7878\r\n" +
    "Connection: keep-alive\r\n" +
    'sec-ch-ua: "Chromium";v="156", "Not-A.Brand";v="24"\r\n' +
    "sec-ch-ua-mobile: ?0\r\n" +
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36\r\n" +
    'sec-ch-ua-platform: "Linux"\r\n' +
    "Accept: */*\r\n" +
    "Sec-Fetch-Site: same-origin\r\n" +
    "Sec-Fetch-Mode: no-cors\r\n" +
    "Referer: http://localhost:7878/\r\n" +
    "Accept-Encoding: gzip, deflate, br, zstd\r\n" +
    "Accept-Language: en-US,en;q=0.9\r\n" +
    "\r\n",
);

Deno.bench("parse a 12-field browser request head", { group: "parse", baseline: true }, () => {
  const parser = new RequestHeadParser(DEFAULT_LIMITS);
  if (parser.parse(BROWSER, 0, BROWSER.length) === null) throw new Error("incomplete");
});

Deno.bench("parse it arriving in three pieces", { group: "parse" }, () => {
  const parser = new RequestHeadParser(DEFAULT_LIMITS);
  parser.parse(BROWSER, 0, 100);
  parser.parse(BROWSER, 0, 300);
  if (parser.parse(BROWSER, 0, BROWSER.length) === null) throw new Error("incomplete");
});

Deno.bench("connection: request in, 200 head and body out", { group: "connection" }, () => {
  const conn = new ServerConnection();
  conn.receive(BROWSER);
  conn.nextEvent();
  conn.nextEvent();
  conn.respond({
    status: 200,
    headers: [["Content-Type", "text/javascript; charset=utf-8"]],
    contentLength: 5,
  });
  conn.sendBody(new Uint8Array(5));
  conn.endResponse();
});

Deno.bench("serialize a response head with 8 fields", { group: "serialize" }, () => {
  serializeResponseHead({
    status: 200,
    headers: [
      ["Content-Type", "text/html; charset=utf-8"],
      ["Last-Modified", "Tue, 24 Nov 2026 18:00:00 GMT"],
      ["Cache-Control", "no-cache"],
      ["Accept-Ranges", "bytes"],
      ["X-Content-Type-Options", "nosniff"],
      ["ETag", '"f9-18bcfe56a7b"'],
      ["Date", "Tue, 24 Nov 2026 18:00:00 GMT"],
      ["Server", "weft"],
    ],
  });
});
