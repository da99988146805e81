/**
 * HTTP/2 over TLS, side by side: h2load against weft, nginx (one worker,
 * `http2`) and `Deno.serve`, all with the same certificate. A small page at
 * 1, 4, 16, 64 and 256 connections of 10 streams each (req/s, and p50 and p99
 * from h2load's per-request log), and a 1 MiB file at 16 × 10. Each run is
 * timed (`--seconds` after a second's warm-up, so no run is too short to
 * measure past its connections' handshakes); medians of the rounds; RSS of
 * each server after its runs.
 *
 *   deno task bench:h2 [--rounds 3] [--seconds 2] [--connections 1,4,16,64,256]
 *
 * Needs h2load and nginx (apt-get install nghttp2-client nginx-full) and
 * openssl. Only 127.0.0.1 is targeted.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { makeCertificate } from "../tests/_tls.ts";
import { median, rssMiB, spawn, stop, waitForPort, WEFT_V8_FLAGS } from "./_shared.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "2" },
    connections: { type: "string", default: "1,4,16,64,256" },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const LEVELS = values.connections.split(",").map(Number);
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

/** One timed h2load run: req/s, and the p50 and p99 of its requests' times (ms). */
interface Run {
  rps: number;
  p50: number;
  p99: number;
}

async function h2load(port: number, path: string, connections: number): Promise<Run> {
  const log = await Deno.makeTempFile({ prefix: "weft-h2load-" });
  try {
    const out = await new Deno.Command("h2load", {
      args: [
        ...["-D", String(SECONDS), "--warm-up-time", "1", "-c", String(connections), "-m", "10"],
        ...["-t", "1", "--log-file", log, `https://127.0.0.1:${port}${path}`],
      ],
      stdout: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    const failed = /(\d+) failed/.exec(text)?.[1];
    if (failed !== "0") throw new Error(`h2load against ${port}${path}: ${text}`);
    // Each line: start (µs since the epoch), status, µs until the response ended.
    const times = (await Deno.readTextFile(log)).trim().split("\n").map((line) =>
      Number(line.split("\t")[2]) / 1000
    )
      .sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
    return {
      rps: Number(/finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(text)![1]),
      p50: at(0.5),
      p99: at(0.99),
    };
  } finally {
    await Deno.remove(log);
  }
}

/** The median of each measure over `runs`. */
function medianRun(runs: Run[]): Run {
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
  };
}

const results: Record<string, { page: Run[]; file: Run; rss: number }> = {};
for (const [name, port, start] of peers) {
  const child = start();
  try {
    await waitForPort(port);
    const page = [];
    for (const connections of LEVELS) {
      const runs = [];
      for (let round = 0; round < ROUNDS; round++) runs.push(await h2load(port, "/", connections));
      page.push(medianRun(runs));
    }
    const file = [];
    for (let round = 0; round < ROUNDS; round++) file.push(await h2load(port, "/1m.bin", 16));
    results[name] = { page, file: medianRun(file), rss: await rssMiB(child.pid) };
  } finally {
    await stop(child);
  }
}

const names = Object.keys(results);
const others = names.filter((name) => name !== "weft");
const { weft } = results;
const cell = (r: Run) => `${r.rps.toFixed(0)} (${r.p50.toFixed(2)} / ${r.p99.toFixed(2)})`;
console.log(`h2load over TLS, 10 streams a connection, ${SECONDS} s runs, medians of ${ROUNDS} rounds\n`);
console.log("Page, req/s (p50 / p99 ms):\n");
console.log(`| connections | ${names.join(" | ")} | ${others.map((name) => `weft ÷ ${name}`).join(" | ")} |`);
console.log(`| --- | ${[...names, ...others].map(() => "---").join(" | ")} |`);
LEVELS.forEach((connections, i) => {
  const ratios = others.map((name) => (weft.page[i].rps / results[name].page[i].rps).toFixed(2));
  console.log(
    `| ${connections} | ${names.map((name) => cell(results[name].page[i])).join(" | ")} | ${
      ratios.join(" | ")
    } |`,
  );
});
console.log("\n1 MiB file at 16 connections, and RSS after the runs:\n");
console.log("| server | req/s (p50 / p99 ms) | RSS MiB | weft ÷ it |");
console.log("| --- | --- | --- | --- |");
for (const name of names) {
  const { file, rss } = results[name];
  const ratio = name === "weft" ? "" : (weft.file.rps / file.rps).toFixed(2);
  console.log(`| ${name} | ${cell(file)} | ${rss.toFixed(0)} | ${ratio} |`);
}
await Deno.remove(root, { recursive: true });
await Deno.remove(tls.dir, { recursive: true });
for (const extra of [nginxConf, denoServe]) await Deno.remove(extra);
