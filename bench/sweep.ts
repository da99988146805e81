/**
 * The load sweep: weft against its peers at 1, 4, 16, 64 and 256
 * connections, because a server is used at every load and batching at 64
 * hides what each request pays for the hop to a worker. Interleaved rounds
 * (A B C, B C A …) so drift on a noisy machine hits every server alike; the
 * tables print medians of req/s, p50 and p99 latency, and RSS after the
 * level, then weft's ratio to each peer per level.
 *
 *   deno task bench:sweep                                 hello, json, ws, mixed; 3 rounds × 3 s
 *   deno task bench:sweep --scenario json,mixed --connections 1,16 --rounds 5
 *
 * Scenarios:
 * - `hello`: `/` (static/index.html) from weft's file server, nginx (1 worker)
 *   and a `Deno.serve` static server (bench/peers/deno_serve.ts);
 * - `json`: `/json` of bench/peers/app.ts, unchanged under weft `--app`,
 *   `deno serve` and `deno serve --parallel`;
 * - `ws`: examples/websocket_echo.ts under the same three, one message in
 *   flight per connection (bench/ws_load.ts), echoes per second;
 * - `mixed`: 16 connections on `/json` while one more client loops
 *   `/spin?ms=20` (a handler that holds its thread 20 ms): whether a slow handler holds
 *   up the fast requests. Its table prints the fast endpoint's numbers and the
 *   slow one's rate.
 *
 * Needs wrk and nginx (installed with apt-get when run as root). Only
 * 127.0.0.1 is ever targeted; every run stops after its seconds.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { ensureInstalled, nginx, rssMiB, wrk } from "./_load.ts";
import { median, spawn, stop, waitForPort, WEFT_V8_FLAGS } from "./_shared.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    scenario: { type: "string", default: "hello,json,ws,mixed" },
    connections: { type: "string", default: "1,4,16,64,256" },
    rounds: { type: "string", default: "3" },
    duration: { type: "string", default: "3" },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.duration);
const levels = values.connections.split(",").map(Number);
const chosen = values.scenario.split(",").map((s) => s.trim());

await ensureInstalled("wrk", "wrk");
await ensureInstalled("nginx", "nginx");

const deno = Deno.execPath();
const here = new URL(".", import.meta.url).pathname;
const mod = new URL("../mod.ts", import.meta.url).pathname;
const benchApp = `${here}peers/app.ts`;
const echoApp = new URL("../examples/websocket_echo.ts", import.meta.url).pathname;
const root = await Deno.makeTempDir({ prefix: "weft-sweep-" });
await Deno.copyFile(new URL("../static/index.html", import.meta.url).pathname, `${root}/index.html`);
await new Deno.Command("chmod", { args: ["-R", "a+rX", root] }).output();

interface Peer {
  name: string;
  port: number;
  start: () => Deno.ChildProcess;
}
/** One measurement: a rate (req/s, or echoes/s), p50 and p99 (ms), errors, and the slow client's rate (mixed). */
interface Sample {
  rate: number;
  p50: number;
  p99: number;
  errors: number;
  slowRate?: number;
}

const weft = (port: number, ...args: string[]) => () =>
  spawn(deno, [
    "run",
    WEFT_V8_FLAGS,
    "--allow-net",
    "--allow-read",
    mod,
    "--port",
    `${port}`,
    "--quiet",
    ...args,
  ]);
const served = (port: number, app: string, ...flags: string[]) => () =>
  spawn(deno, ["serve", ...flags, "--allow-net", "--host", "127.0.0.1", "--port", `${port}`, app]);
const appPeers = (app: string, base: number): Peer[] => [
  { name: "weft --app", port: base, start: weft(base, "--app", app) },
  { name: "deno serve", port: base + 1, start: served(base + 1, app) },
  { name: "deno serve --parallel", port: base + 2, start: served(base + 2, app, "--parallel") },
];

/** Each scenario: its peers (weft first) and one measurement at a number of connections. */
const SCENARIOS: Record<
  string,
  { peers: Peer[]; measure: (port: number, connections: number) => Promise<Sample> }
> = {
  hello: {
    peers: [
      { name: "weft", port: 7951, start: weft(7951, "--root", root) },
      { name: "nginx (1 worker)", port: 7952, start: () => nginx(root, 7952, "1") },
      {
        name: "Deno.serve",
        port: 7953,
        start: () =>
          spawn(deno, ["run", "--allow-net", "--allow-read", `${here}peers/deno_serve.ts`, "7953", root]),
      },
    ],
    measure: (port, connections) => httpSample(`http://127.0.0.1:${port}/`, connections),
  },
  json: {
    peers: appPeers(benchApp, 7961),
    measure: (port, connections) => httpSample(`http://127.0.0.1:${port}/json`, connections),
  },
  ws: { peers: appPeers(echoApp, 7971), measure: wsSample },
  mixed: { peers: appPeers(benchApp, 7981), measure: mixedSample },
};

async function httpSample(url: string, connections: number): Promise<Sample> {
  const r = await wrk(url, { connections, seconds });
  return { rate: r.rps, p50: r.p50, p99: r.p99, errors: r.socketErrors + r.non2xx };
}

async function wsSample(port: number, connections: number): Promise<Sample> {
  const args = ["run", "--allow-net", `${here}ws_load.ts`, "--port", `${port}`, "--seconds", `${seconds}`];
  args.push("--connections", `${connections}`, "--inflight", "1");
  const out = await new Deno.Command(deno, { args, stdout: "piped", stderr: "inherit" }).output();
  const r = JSON.parse(new TextDecoder().decode(out.stdout));
  return { rate: r.echoes_per_s, p50: r.p50_ms, p99: r.p99_ms, errors: r.errors };
}

/** The fast endpoint at `connections` while one more connection loops the slow one, started first. */
async function mixedSample(port: number, connections: number): Promise<Sample> {
  const slow = wrk(`http://127.0.0.1:${port}/spin?ms=20`, { connections: 1, seconds: seconds + 1 });
  // Let the slow loop get going: the fast run must see it from its first request.
  await new Promise((r) => setTimeout(r, 300));
  const fast = await wrk(`http://127.0.0.1:${port}/json`, { connections, seconds });
  const slowRun = await slow;
  return {
    rate: fast.rps,
    p50: fast.p50,
    p99: fast.p99,
    errors: fast.socketErrors + fast.non2xx + slowRun.socketErrors + slowRun.non2xx,
    slowRate: slowRun.rps,
  };
}

const fmt = (n: number) => n >= 100 ? Math.round(n).toString() : Number(n.toPrecision(3)).toString();

try {
  for (const name of chosen) {
    const scenario = SCENARIOS[name];
    if (scenario === undefined) {
      throw new Error(`--scenario: no scenario "${name}" (${Object.keys(SCENARIOS)})`);
    }
    const connectionLevels = name === "mixed" ? levels.filter((c) => c >= 4) : levels;
    const children = scenario.peers.map((p) => p.start());
    try {
      for (const p of scenario.peers) await waitForPort(p.port);
      await sweep(name, scenario.peers, connectionLevels, scenario.measure);
    } finally {
      for (const child of children) await stop(child);
    }
  }
} finally {
  await Deno.remove(root, { recursive: true });
}

async function sweep(
  name: string,
  peers: Peer[],
  connectionLevels: number[],
  measure: (port: number, connections: number) => Promise<Sample>,
): Promise<void> {
  const unit = name === "ws" ? "echoes/s" : "req/s";
  console.log(`\n${name}: ${rounds} rounds × ${seconds} s per level, medians; RSS after the level`);
  console.log(
    `| connections | server | ${unit} | p50 ms | p99 ms | RSS MiB | errors |${
      name === "mixed" ? " slow req/s |" : ""
    } weft ÷ server |`,
  );
  console.log(`| ---: | --- | ---: | ---: | ---: | ---: | ---: |${name === "mixed" ? " ---: |" : ""} ---: |`);
  const ratios = new Map<string, string[]>(peers.slice(1).map((p) => [p.name, []]));
  for (const connections of connectionLevels) {
    const samples = new Map(peers.map((p) => [p.name, [] as Sample[]]));
    for (let round = 0; round < rounds; round++) {
      for (const p of [...peers.slice(round % peers.length), ...peers.slice(0, round % peers.length)]) {
        samples.get(p.name)!.push(await measure(p.port, connections));
      }
    }
    const mid = (p: Peer, key: keyof Sample) => median(samples.get(p.name)!.map((s) => s[key] ?? 0));
    for (const p of peers) {
      const errors = samples.get(p.name)!.reduce((n, s) => n + s.errors, 0);
      const ratio = mid(peers[0], "rate") / mid(p, "rate");
      if (p !== peers[0]) ratios.get(p.name)!.push(ratio.toFixed(2));
      console.log(
        `| ${connections} | ${p.name} | ${fmt(mid(p, "rate"))} | ${fmt(mid(p, "p50"))} | ${
          fmt(mid(p, "p99"))
        } | ${fmt(await rssMiB(p.port))} | ${errors} |${
          name === "mixed" ? ` ${fmt(mid(p, "slowRate"))} |` : ""
        } ${ratio.toFixed(2)} |`,
      );
    }
  }
  console.log(`\n${name}: weft's ${unit} ÷ each peer's, by connections`);
  console.log(`| peer | ${connectionLevels.join(" | ")} |`);
  console.log(`| --- |${" ---: |".repeat(connectionLevels.length)}`);
  for (const [peer, row] of ratios) console.log(`| ${peer} | ${row.join(" | ")} |`);
}
