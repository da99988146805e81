/**
 * Load bench: weft against its peers on loopback, driven by wrk in
 * interleaved rounds (A B C D, B C D A …) so drift on a noisy machine hits
 * every server alike. Prints per scenario the median requests/s, p99 latency,
 * errors and weft's ratio to each peer, then the targets.
 *
 *   deno task bench                              all scenarios, 3 rounds × 5 s
 *   deno task bench --scenario hello,gzip        some of them
 *   deno task bench --rounds 5 --duration 10 --json
 *   deno task bench --base ../weft-old           also weft from another checkout (A/B a change)
 *   deno task bench --std ../std                 std's file server from a local copy of denoland/std
 *
 * Scenarios: hello, 404, gzip, 1m, pipeline, idle (files); json, cpu, stream,
 * upload (apps). Peers for files: nginx from Debian (1 worker and auto), a
 * Deno.serve script, Node's http module, std's file server
 * (`jsr:@std/http/file-server`, or with `--std DIR` the one in a local copy of
 * denoland/std, for machines that cannot reach JSR), and the `ceiling`:
 * bench/ceiling.ts, one Deno thread that only reads requests and writes canned
 * responses with the same bodies. For apps, bench/peers/app.ts run unchanged
 * by `deno serve` and `deno serve --parallel`. A peer that does not start is
 * left out with a note.
 * Needs wrk and nginx (apt-get install wrk nginx; it installs them when run as
 * root). Only 127.0.0.1 is ever targeted.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { median, spawn, stop, waitForPort, WEFT_V8_FLAGS } from "./_shared.ts";
import { ensureInstalled, nginx as startNginx, rssMiB, wrk as runWrk } from "./_load.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    scenario: { type: "string", default: "hello,404,gzip,1m,64m,pipeline,idle,json,cpu,stream,upload" },
    std: { type: "string" },
    rounds: { type: "string", default: "3" },
    duration: { type: "string", default: "5" },
    json: { type: "boolean", default: false },
    base: { type: "string" },
  },
});
const rounds = Number(values.rounds);
const duration = Number(values.duration);
const chosen = values.scenario.split(",").map((s) => s.trim());
const log = (line: string) => values.json ? console.error(line) : console.log(line);

await ensureInstalled("wrk", "wrk");
await ensureInstalled("nginx", "nginx");

const here = new URL(".", import.meta.url).pathname;
const mod = new URL("../mod.ts", import.meta.url).pathname;
const benchApp = new URL("./peers/app.ts", import.meta.url).pathname;
const root = await Deno.makeTempDir({ prefix: "weft-bench-" });
await Deno.copyFile(new URL("../static/index.html", import.meta.url).pathname, `${root}/index.html`);
const words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor ".repeat(1000);
await Deno.writeTextFile(`${root}/text.txt`, words.slice(0, 64 * 1024));
const oneMiB = new Uint8Array(1024 * 1024);
for (let i = 0; i < oneMiB.length; i += 65536) crypto.getRandomValues(oneMiB.subarray(i, i + 65536));
await Deno.writeFile(`${root}/one.bin`, oneMiB);
// 64 MiB, beyond the workers' caches: streamed from disk by every server.
const big = await Deno.open(`${root}/big.bin`, { write: true, create: true });
for (let i = 0; i < 64; i++) {
  const chunk = oneMiB.map((b) => b ^ i);
  for (let at = 0; at < chunk.length;) at += await big.write(chunk.subarray(at));
}
big.close();
await new Deno.Command("chmod", { args: ["-R", "a+rX", root] }).output();

interface Peer {
  name: string;
  port: number;
  start: () => Deno.ChildProcess;
}

const deno = Deno.execPath();
/** weft serving the generated folder on `port`; idle connections are kept for the idle scenario. */
function weftPeer(port: number, name = "weft", entry = mod): Peer {
  const args = [
    entry,
    "--port",
    String(port),
    "--root",
    root,
    "--quiet",
    "--idle-timeout",
    "600",
    ...METRICS,
  ];
  return {
    name,
    port,
    start: () => spawn(deno, ["run", WEFT_V8_FLAGS, "--allow-net", "--allow-read", ...args]),
  };
}
/** weft's counters, read around each run: how many messages crossed between threads per request. */
const METRICS = ["--metrics", "/metrics"];
/** With `--base DIR`: weft as another checkout has it, measured in the same rounds. */
const basePeers = values.base === undefined
  ? []
  : [weftPeer(7906, `weft at ${values.base}`, `${Deno.realPathSync(values.base)}/mod.ts`)];

const filePeers: Peer[] = [
  weftPeer(7901),
  ...basePeers,
  { name: "nginx (1 worker)", port: 7902, start: () => startNginx(root, 7902, "1") },
  { name: "nginx (auto)", port: 7903, start: () => startNginx(root, 7903, "auto") },
  {
    name: "Deno.serve",
    port: 7904,
    start: () =>
      spawn(deno, ["run", "--allow-net", "--allow-read", `${here}peers/deno_serve.ts`, "7904", root]),
  },
  { name: "Node http", port: 7905, start: () => spawn("node", [`${here}peers/node_http.mjs`, "7905", root]) },
  {
    name: "std file server",
    port: 7907,
    start: () =>
      spawn(deno, [
        "run",
        "--allow-net",
        "--allow-read",
        "--allow-sys",
        "--allow-env",
        values.std === undefined ? "jsr:@std/http/file-server" : `${values.std}/http/file_server.ts`,
        "--host",
        "127.0.0.1",
        "--port",
        "7907",
        root,
      ]),
  },
  // One Deno thread that only reads requests and writes canned responses (bench/ceiling.ts): what the
  // sockets cost alone, and so what weft's hop to a worker and back costs.
  {
    name: "ceiling",
    port: 7908,
    start: () =>
      spawn(deno, [
        "run",
        "--allow-net",
        "--allow-read",
        `${here}ceiling.ts`,
        "--port",
        "7908",
        "--root",
        root,
      ]),
  },
];
/** One app module, run unchanged by each: weft --app, deno serve (one isolate) and deno serve --parallel. */
function weftAppPeer(port: number, name: string, entry: string): Peer {
  const args = [
    "run",
    WEFT_V8_FLAGS,
    "--allow-net",
    "--allow-read",
    entry,
    "--port",
    String(port),
    "--app",
    benchApp,
    "--quiet",
    ...METRICS,
  ];
  return { name, port, start: () => spawn(deno, args) };
}
const appPeers: Peer[] = [
  weftAppPeer(7911, "weft --app", mod),
  ...(values.base === undefined
    ? []
    : [weftAppPeer(7914, `weft --app at ${values.base}`, `${Deno.realPathSync(values.base)}/mod.ts`)]),
  {
    name: "deno serve",
    port: 7912,
    start: () => spawn(deno, ["serve", "--allow-net", "--host", "127.0.0.1", "--port", "7912", benchApp]),
  },
  {
    name: "deno serve --parallel",
    port: 7913,
    start: () =>
      spawn(deno, ["serve", "--parallel", "--allow-net", "--host", "127.0.0.1", "--port", "7913", benchApp]),
  },
];

interface Scenario {
  name: string;
  path: string;
  connections: number;
  headers?: string[];
  script?: string;
  peers: Peer[];
}

const SCENARIOS: Scenario[] = [
  { name: "hello", path: "/", connections: 64, peers: filePeers },
  { name: "404", path: "/missing", connections: 64, peers: filePeers },
  { name: "gzip", path: "/text.txt", connections: 16, headers: ["Accept-Encoding: gzip"], peers: filePeers },
  { name: "1m", path: "/one.bin", connections: 16, peers: filePeers },
  { name: "64m", path: "/big.bin", connections: 4, peers: filePeers },
  { name: "pipeline", path: "/", connections: 64, script: `${here}peers/pipeline.lua`, peers: filePeers },
  { name: "json", path: "/json", connections: 64, peers: appPeers },
  { name: "cpu", path: "/cpu?rows=600", connections: 16, peers: appPeers },
  { name: "stream", path: "/stream", connections: 64, peers: appPeers },
  { name: "upload", path: "/upload", connections: 16, script: `${here}peers/upload.lua`, peers: appPeers },
];

interface Row {
  scenario: string;
  server: string;
  rps: number;
  p99_ms: number;
  errors: number;
  weft_ratio: number;
  note?: string;
}
const rows: Row[] = [];
const children: Deno.ChildProcess[] = [];

try {
  for (const group of [filePeers, appPeers]) {
    const scenarios = SCENARIOS.filter((s) => s.peers === group && chosen.includes(s.name));
    const wantIdle = group === filePeers && chosen.includes("idle");
    if (scenarios.length === 0 && !wantIdle) continue;
    const started = group.map((p) => p.start());
    children.push(...started);
    for (const p of [...group]) {
      try {
        await waitForPort(p.port);
      } catch {
        log(`${p.name} did not start: left out${p.port === 7907 ? " (without JSR, pass --std DIR)" : ""}`);
        group.splice(group.indexOf(p), 1);
      }
    }
    for (const scenario of scenarios) await runScenario(scenario);
    if (wantIdle) await idleScenario(group.filter((p) => p.name !== "nginx (auto)"));
    for (const c of started) await stop(c);
  }
  report();
} finally {
  for (const c of children) await stop(c);
  await Deno.remove(root, { recursive: true });
}

async function runScenario(s: Scenario): Promise<void> {
  const samples = new Map(
    s.peers.map((p) => [p.name, { rps: [] as number[], p99: [] as number[], errors: 0 }]),
  );
  const hops = new Map<string, { requests: number; toWorkers: number; toMain: number }>();
  for (let round = 0; round < rounds; round++) {
    // Each round starts with the next server, so no server always runs right after a given other.
    for (const p of [...s.peers.slice(round % s.peers.length), ...s.peers.slice(0, round % s.peers.length)]) {
      const before = p.name.startsWith("weft") ? await threadMessages(p.port) : null;
      const r = await wrk(
        `http://127.0.0.1:${p.port}${s.path}`,
        s.connections,
        s.headers,
        s.script,
        s.name === "404",
      );
      const entry = samples.get(p.name)!;
      entry.rps.push(r.rps);
      entry.p99.push(r.p99);
      entry.errors += r.errors;
      const after = before === null ? null : await threadMessages(p.port);
      if (before !== null && after !== null) {
        const sum = hops.get(p.name) ?? { requests: 0, toWorkers: 0, toMain: 0 };
        sum.requests += after.requests - before.requests;
        sum.toWorkers += after.toWorkers - before.toWorkers;
        sum.toMain += after.toMain - before.toMain;
        hops.set(p.name, sum);
      }
      log(`${s.name} round ${round + 1}: ${p.name} ${r.rps.toFixed(0)} req/s`);
    }
  }
  const weft = median(samples.get(s.peers[0].name)!.rps);
  for (const [server, r] of samples) {
    rows.push({
      scenario: s.name,
      server,
      rps: Math.round(median(r.rps)),
      p99_ms: Number(median(r.p99).toFixed(2)),
      errors: r.errors,
      weft_ratio: Number((weft / median(r.rps)).toFixed(2)),
      note: hopsNote(hops.get(server)),
    });
  }
}

/** weft's requests answered and messages between its threads so far, from its metrics page; null if it has none. */
async function threadMessages(
  port: number,
): Promise<{ requests: number; toWorkers: number; toMain: number } | null> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const sum = (pattern: RegExp) => [...text.matchAll(pattern)].reduce((n, m) => n + Number(m[1]), 0);
    const toWorkers = /^weft_thread_messages_total\{direction="to_workers"\} (\d+)$/m.exec(text);
    const toMain = /^weft_thread_messages_total\{direction="to_main"\} (\d+)$/m.exec(text);
    if (toWorkers === null || toMain === null) return null;
    return {
      requests: sum(/^weft_responses_total\{code="\d+"\} (\d+)$/gm),
      toWorkers: Number(toWorkers[1]),
      toMain: Number(toMain[1]),
    };
  } catch {
    return null;
  }
}

function hopsNote(
  hops: { requests: number; toWorkers: number; toMain: number } | undefined,
): string | undefined {
  if (hops === undefined || hops.requests === 0) return undefined;
  const per = (n: number) => (n / hops.requests).toFixed(3);
  return `messages per request: ${per(hops.toWorkers)} to workers, ${per(hops.toMain)} to main`;
}

/** Opens 10,000 keep-alive connections (one request each), then measures RSS growth and hello throughput. */
async function idleScenario(peers: Peer[]): Promise<void> {
  const COUNT = 10_000;
  const results: Row[] = [];
  for (const p of peers) {
    const before = await wrk(`http://127.0.0.1:${p.port}/`, 64);
    const rssBefore = await rssMiB(p.port);
    const conns: Deno.Conn[] = [];
    let answered = 0;
    const request = new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    for (let i = 0; i < COUNT; i += 250) {
      await Promise.all(Array.from({ length: Math.min(250, COUNT - i) }, async () => {
        try {
          const conn = await Deno.connect({ hostname: "127.0.0.1", port: p.port });
          conns.push(conn);
          await conn.write(request);
          const buf = new Uint8Array(4096);
          const n = await conn.read(buf);
          if (n !== null && new TextDecoder().decode(buf.subarray(0, 12)) === "HTTP/1.1 200") answered++;
        } catch {
          // counted as not answered
        }
      }));
    }
    await new Promise((r) => setTimeout(r, 1000));
    const rssAfter = await rssMiB(p.port);
    const during = await wrk(`http://127.0.0.1:${p.port}/`, 64);
    // Still kept? A second request on a sample of them must be answered.
    let kept = 0;
    const sample = conns.filter((_, i) => i % 100 === 0);
    await Promise.all(sample.map(async (conn) => {
      try {
        await conn.write(request);
        const n = await conn.read(new Uint8Array(4096));
        if (n !== null) kept++;
      } catch {
        // closed
      }
    }));
    for (const conn of conns) {
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
    const note = `${answered}/${COUNT} answered, ${kept}/${sample.length} sampled kept, RSS +${
      (rssAfter - rssBefore).toFixed(0)
    } MiB, hello with them open ${during.rps.toFixed(0)} vs ${before.rps.toFixed(0)} req/s (${
      (during.rps / before.rps).toFixed(2)
    }×)`;
    log(`idle: ${p.name}: ${note}`);
    results.push({
      scenario: "idle",
      server: p.name,
      rps: Math.round(during.rps),
      p99_ms: Number(during.p99.toFixed(2)),
      errors: COUNT - answered,
      weft_ratio: 0,
      note,
    });
    await new Promise((r) => setTimeout(r, 1000));
  }
  for (const r of results) r.weft_ratio = Number((results[0].rps / r.rps).toFixed(2));
  rows.push(...results);
}

function report(): void {
  if (values.json) {
    console.log(JSON.stringify({ rounds, duration, results: rows }, null, 2));
    return;
  }
  for (const scenario of [...new Set(rows.map((r) => r.scenario))]) {
    const s = SCENARIOS.find((x) => x.name === scenario);
    console.log(
      `\n${scenario}: ${
        s ? `${s.path}, ${s.connections} connections, ` : ""
      }${rounds} rounds × ${duration} s, medians`,
    );
    const noted = rows.some((r) => r.scenario === scenario && r.note !== undefined);
    console.log("| server | req/s | p99 ms | errors | weft ÷ server |" + (noted ? " note |" : ""));
    console.log("| --- | ---: | ---: | ---: | ---: |" + (noted ? " --- |" : ""));
    for (const r of rows.filter((x) => x.scenario === scenario)) {
      console.log(
        `| ${r.server} | ${r.rps} | ${r.p99_ms} | ${r.errors} | ${r.weft_ratio} |${
          r.note ? ` ${r.note} |` : ""
        }`,
      );
    }
  }
}

/** One wrk run as the tables read it: errors are socket errors, and non-2xx answers unless a 404 is the point. */
async function wrk(
  url: string,
  connections: number,
  headers: string[] = [],
  script?: string,
  expect404 = false,
) {
  const r = await runWrk(url, { connections, seconds: duration, headers, script });
  return { rps: r.rps, p99: r.p99, errors: r.socketErrors + (expect404 ? 0 : r.non2xx) };
}
