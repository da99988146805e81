/**
 * The `Deno.serve` peer: a hand-written static server over one folder, the
 * way people write one without weft, with on-the-fly gzip for `.txt`.
 * Args: port root.
 *
 * @module
 */

const [port, root] = Deno.args;
const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  bin: "application/octet-stream",
};

Deno.serve({ hostname: "127.0.0.1", port: Number(port), onListen() {} }, async (req) => {
  const path = decodeURIComponent(new URL(req.url).pathname);
  if (path.includes("..")) return new Response("bad path", { status: 400 });
  const file = root + (path.endsWith("/") ? path + "index.html" : path);
  let body: Uint8Array<ArrayBuffer>;
  try {
    body = await Deno.readFile(file);
  } catch {
    return new Response("not found", { status: 404 });
  }
  const ext = file.slice(file.lastIndexOf(".") + 1);
  const headers = new Headers({ "content-type": TYPES[ext] ?? "application/octet-stream" });
  if (ext === "txt" && /\bgzip\b/.test(req.headers.get("accept-encoding") ?? "")) {
    headers.set("content-encoding", "gzip");
    headers.set("vary", "Accept-Encoding");
    return new Response(new Blob([body]).stream().pipeThrough(new CompressionStream("gzip")), { headers });
  }
  return new Response(body, { headers });
});
