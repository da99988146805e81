/**
 * POST /upload: hashes the request body with SHA-256 as it streams in, so an
 * upload larger than memory passes through, and answers with its size and
 * digest.
 *
 *   deno run --allow-net --allow-read mod.ts --app examples/upload_hash.ts --max-body-size 10000000000
 *   curl -T big.iso http://127.0.0.1:7878/upload
 *
 * (Bodies above --max-body-size, 10 MiB by default, get 413.)
 *
 * @module
 */

import { createHash } from "node:crypto";

export default {
  async fetch(request: Request): Promise<Response> {
    if (new URL(request.url).pathname !== "/upload") return new Response("not found", { status: 404 });
    if (request.method !== "POST" && request.method !== "PUT") {
      return new Response("use POST or PUT\n", { status: 405, headers: { allow: "POST, PUT" } });
    }
    const hash = createHash("sha256");
    let bytes = 0;
    for await (const chunk of request.body ?? []) {
      hash.update(chunk);
      bytes += chunk.length;
    }
    return Response.json({ bytes, sha256: hash.digest("hex") });
  },
} satisfies Deno.ServeDefaultExport;
