// The Node `http` peer: a hand-written static server with on-the-fly gzip for .txt.
// Args: port root.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { gzip } from "node:zlib";
import { promisify } from "node:util";

const [port, root] = process.argv.slice(2);
const gz = promisify(gzip);
const TYPES = { html: "text/html; charset=utf-8", txt: "text/plain; charset=utf-8" };

const server = createServer(async (req, res) => {
  const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
  if (path.includes("..")) {
    res.writeHead(400).end("bad path");
    return;
  }
  const file = root + (path.endsWith("/") ? path + "index.html" : path);
  let body;
  try {
    body = await readFile(file);
  } catch {
    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    return;
  }
  const ext = file.slice(file.lastIndexOf(".") + 1);
  const headers = { "content-type": TYPES[ext] ?? "application/octet-stream" };
  if (ext === "txt" && /\bgzip\b/.test(req.headers["accept-encoding"] ?? "")) {
    body = await gz(body);
    headers["content-encoding"] = "gzip";
    headers["vary"] = "Accept-Encoding";
  }
  headers["content-length"] = body.length;
  res.writeHead(200, headers).end(body);
});
server.keepAliveTimeout = 300_000;
server.headersTimeout = 310_000;
server.listen(Number(port), "127.0.0.1");
