/**
 * The `Deno.serve` peer: a plain hand-written static server over one folder,
 * the way people write one without weft. Args: port root.
 *
 * @module
 */

const [port, root] = Deno.args;
const TYPES: Record<string, string> = { html: "text/html; charset=utf-8", txt: "text/plain; charset=utf-8" };

Deno.serve({ hostname: "127.0.0.1", port: Number(port), onListen() {} }, async (req) => {
  const path = decodeURIComponent(new URL(req.url).pathname);
  if (path.includes("..")) return new Response("bad path", { status: 400 });
  const file = root + (path.endsWith("/") ? path + "index.html" : path);
  try {
    const body = await Deno.readFile(file);
    const type = TYPES[file.slice(file.lastIndexOf(".") + 1)] ?? "application/octet-stream";
    return new Response(body, { headers: { "content-type": type } });
  } catch {
    return new Response("not found", { status: 404 });
  }
});
