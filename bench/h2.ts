/**
 * HTTP/2 over TLS, side by side: h2load with 16 connections × 10 streams
 * against weft, nginx (one worker, `http2`) and `Deno.serve`, all with the
 * same certificate, for a small page and a 1 MiB file. Medians of the
 * rounds; RSS of each server after its runs.
 *
 *   deno task bench:h2 [--rounds 3] [--requests 20000]
 *
 * Needs h2load and nginx (apt-get install nghttp2-client nginx-full) and
 * openssl. Only 127.0.0.1 is targeted.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { makeCertificate } from "../tests/_tls.ts";
import { median, spawn, stop, waitForPort, WEFT_V8_FLAGS } from "./_shared.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { rounds: { type: "string", default: "3" }, requests: { type: "string", default: "20000" } },
});
const ROUNDS = Number(values.rounds);
const REQUESTS = Number(values.requests);
const top = new URL("..", import.meta.url).pathname;

const tls = await makeCertificate();
const root = await Deno.makeTempDir({ prefix: "weft-h2-bench-" });
await Deno.writeTextFile(`${root}/index.html`, "<!doctype html><title>hello</title><h1>hello</h1>\n");
await Deno.writeFile(`${root}/1m.bin`, new Uint8Array(1 << 20).fill(120));
await Deno.chmod(root, 0o755);

const nginxConf = `${root}.nginx.conf`;
await Deno.writeTextFile(
  nginxConf,
  `daemon off; worker_processes 1; pid ${root}.nginx.pid; error_log /dev/null;
events { worker_connections 1024; }
http { access_log off; server_tokens off; include /etc/nginx/mime.types; keepalive_requests 1000000;
  server { listen 127.0.0.1:9311 ssl http2; ssl_certificate ${tls.certFile}; ssl_certificate_key ${tls.keyFile};
    root ${root}; } }`,
);
const denoServe = `${root}.deno_serve.ts`;
await Deno.writeTextFile(
  denoServe,
  `const root = ${JSON.stringify(root)};
Deno.serve({ hostname: "127.0.0.1", port: 9312, cert: Deno.readTextFileSync(${JSON.stringify(tls.certFile)}),
  key: Deno.readTextFileSync(${JSON.stringify(tls.keyFile)}), onListen() {} }, async (req) => {
  const path = new URL(req.url).pathname === "/" ? "/index.html" : new URL(req.url).pathname;
  const file = await Deno.open(root + path);
  return new Response(file.readable);
});`,
);

const peers: [string, number, () => Deno.ChildProcess][] = [
  ["weft", 9310, () =>
    spawn(Deno.execPath(), [
      "run",
      WEFT_V8_FLAGS,
      "--allow-net",
      "--allow-read",
      `${top}mod.ts`,
      root,
      "--port",
      "9310",
      "--quiet",
      "--cert",
      tls.certFile,
      "--key",
      tls.keyFile,
    ])],
  ["nginx (1 worker)", 9311, () => spawn("nginx", ["-c", nginxConf])],
  ["Deno.serve", 9312, () => spawn(Deno.execPath(), ["run", "--allow-net", "--allow-read", denoServe])],
];

/** req/s of one h2load run. */
async function h2load(port: number, path: string, requests: number): Promise<number> {
  const out = await new Deno.Command("h2load", {
    args: ["-n", String(requests), "-c", "16", "-m", "10", `https://127.0.0.1:${port}${path}`],
    stdout: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const failed = /(\d+) failed/.exec(text)?.[1];
  if (failed !== "0") throw new Error(`h2load against ${port}${path}: ${text}`);
  return Number(/finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(text)![1]);
}

async function rssMiB(pid: number): Promise<number> {
  // The server's process and its children (nginx's worker).
  const out = await new Deno.Command("ps", { args: ["-o", "rss=", "--ppid", String(pid), "-p", String(pid)] })
    .output();
  return new TextDecoder().decode(out.stdout).trim().split(/\s+/).reduce((n, kb) => n + Number(kb), 0) / 1024;
}

const results: Record<string, Record<string, number>> = {};
for (const [name, port, start] of peers) {
  const child = start();
  try {
    await waitForPort(port);
    await h2load(port, "/", 2000); // warm-up
    const page: number[] = [];
    const file: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      page.push(await h2load(port, "/", REQUESTS));
      file.push(await h2load(port, "/1m.bin", Math.max(200, REQUESTS / 20)));
    }
    results[name] = { page: median(page), file: median(file), rss: await rssMiB(child.pid) };
  } finally {
    await stop(child);
  }
}

console.log(`h2load -c 16 -m 10 over TLS, medians of ${ROUNDS} rounds\n`);
console.log("| server | page req/s | 1 MiB req/s | RSS MiB | weft ÷ it, page | weft ÷ it, file |");
console.log("| --- | --- | --- | --- | --- | --- |");
const weft = results.weft;
for (const [name, r] of Object.entries(results)) {
  const ratios = name === "weft"
    ? ["", ""]
    : [(weft.page / r.page).toFixed(2), (weft.file / r.file).toFixed(2)];
  console.log(
    `| ${name} | ${r.page.toFixed(0)} | ${r.file.toFixed(0)} | ${r.rss.toFixed(0)} | ${ratios.join(" | ")} |`,
  );
}
await Deno.remove(root, { recursive: true });
await Deno.remove(tls.dir, { recursive: true });
for (const extra of [nginxConf, denoServe]) await Deno.remove(extra);
