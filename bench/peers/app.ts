/**
 * The app every app scenario of the bench runs, unchanged, under weft
 * `--app`, `deno serve` and `deno serve --parallel`:
 *
 *   GET  /json         a small JSON object
 *   GET  /cpu?rows=N   an HTML table with a SHA-256 per row (N = 600: about 2 ms of CPU here)
 *   GET  /spin?ms=N    holds the thread N ms before answering (a slow handler, for the mixed load)
 *   GET  /stream       32 KiB as a stream of 8 chunks, each produced after the one before is taken
 *   POST /upload       reads the whole body and answers its length
 *
 * @module
 */

import { createHash } from "node:crypto";

const chunk = new TextEncoder().encode("x".repeat(4096));

function render(rows: number): string {
  let html = "<!doctype html><title>report</title><table>";
  for (let i = 0; i < rows; i++) {
    const name = `item ${i} ${(i * 7919) % 1000}`;
    html += `<tr><td>${i}</td><td>${name}</td><td>${
      createHash("sha256").update(name).digest("hex")
    }</td></tr>`;
  }
  return html + "</table>";
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/json":
        return Response.json({ id: 42, name: "weft", tags: ["http", "workers"], ok: true });
      case "/cpu":
        return new Response(render(Number(url.searchParams.get("rows") ?? 600)), {
          headers: { "content-type": "text/html; charset=utf-8" },
        });
      case "/spin": {
        const until = performance.now() + Number(url.searchParams.get("ms") ?? 20);
        while (performance.now() < until);
        return new Response("spun\n");
      }
      case "/stream": {
        let sent = 0;
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent++ === 8) controller.close();
            else controller.enqueue(chunk);
          },
        });
        return new Response(body, { headers: { "content-type": "application/octet-stream" } });
      }
      case "/upload":
        return Response.json({ bytes: (await request.arrayBuffer()).byteLength });
      default:
        return new Response("not found", { status: 404 });
    }
  },
} satisfies Deno.ServeDefaultExport;
