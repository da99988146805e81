/**
 * A CPU-bound endpoint: GET /render?rows=N renders an HTML table of N rows
 * (default 2000) with a SHA-256-based checksum per row, the kind of work that
 * keeps one core busy and that a pool of workers spreads over all of them.
 *
 *   deno run --allow-net --allow-read mod.ts --app examples/cpu.ts
 *   deno serve --parallel examples/cpu.ts
 *
 * @module
 */

import { createHash } from "node:crypto";

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

export default {
  fetch(request: Request): Response {
    const url = new URL(request.url);
    if (url.pathname !== "/render") return new Response("not found", { status: 404 });
    const rows = Math.min(20_000, Math.max(1, Number(url.searchParams.get("rows") ?? 2000) || 2000));
    let html = "<!doctype html><title>report</title><table><tr><th>#</th><th>name</th><th>checksum</th></tr>";
    for (let i = 0; i < rows; i++) {
      const name = `item <${i}> & "${(i * 7919) % 1000}"`;
      const checksum = createHash("sha256").update(name).digest("hex").slice(0, 16);
      html += `<tr><td>${i}</td><td>${escape(name)}</td><td>${checksum}</td></tr>`;
    }
    html += "</table>";
    return new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } });
  },
} satisfies Deno.ServeDefaultExport;
