/**
 * Load bench: weft against its peers, on loopback, with wrk, in interleaved
 * rounds (A B A B …) so drift on a noisy machine hits every server alike.
 * Prints per server the median requests/s and p99 latency, and weft's ratio.
 *
 *   deno task bench [--rounds 3] [--duration 5] [--connections 64] [--json]
 *
 * Needs wrk (apt-get install wrk). Only 127.0.0.1 is ever targeted.
 *
 * @module
 */

import { waitForPort } from "./_wait.ts";

import { parseArgs } from "node:util";

const args = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "3" },
    duration: { type: "string", default: "5" },
    connections: { type: "string", default: "64" },
    json: { type: "boolean", default: false },
  },
});
const rounds = Number(args.values.rounds);
const duration = Number(args.values.duration);
const connections = Number(args.values.connections);

if (!await has("wrk")) {
  console.error("wrk is not installed: apt-get install wrk");
  Deno.exit(1);
}

const here = new URL(".", import.meta.url).pathname;
const root = new URL("../static/", import.meta.url).pathname;

interface Peer {
  name: string;
  port: number;
  command: string[];
}

const peers: Peer[] = [
  {
    name: "weft",
    port: 7901,
    command: [
      "run",
      "--allow-net",
      "--allow-read",
      `${here}../mod.ts`,
      "--port",
      "7901",
      "--root",
      root,
      "--quiet",
    ],
  },
  {
    name: "Deno.serve",
    port: 7902,
    command: ["run", "--allow-net", "--allow-read", `${here}peers/deno_serve.ts`, "7902", root],
  },
];

const children = peers.map((p) =>
  new Deno.Command(Deno.execPath(), { args: p.command, stdout: "null", stderr: "inherit" }).spawn()
);
try {
  for (const p of peers) await waitForPort(p.port);
  const results = new Map<string, { rps: number[]; p99: number[]; errors: number }>();
  for (const p of peers) results.set(p.name, { rps: [], p99: [], errors: 0 });
  for (let round = 0; round < rounds; round++) {
    for (const p of peers) {
      const r = await wrk(`http://127.0.0.1:${p.port}/`);
      const entry = results.get(p.name)!;
      entry.rps.push(r.rps);
      entry.p99.push(r.p99);
      entry.errors += r.errors;
      if (!args.values.json) console.error(`round ${round + 1} ${p.name}: ${r.rps.toFixed(0)} req/s`);
    }
  }
  const weft = median(results.get("weft")!.rps);
  const table = [...results].map(([name, r]) => ({
    scenario: "hello",
    server: name,
    rps: Math.round(median(r.rps)),
    p99_ms: Number(median(r.p99).toFixed(2)),
    errors: r.errors,
    weft_ratio: Number((weft / median(r.rps)).toFixed(2)),
  }));
  if (args.values.json) {
    console.log(JSON.stringify({ rounds, duration, connections, results: table }, null, 2));
  } else {
    console.log(`\nhello page, ${connections} connections, ${rounds} rounds × ${duration}s, medians:`);
    console.log("| server | req/s | p99 ms | errors | weft ÷ server |");
    console.log("| --- | ---: | ---: | ---: | ---: |");
    for (const r of table) {
      console.log(`| ${r.server} | ${r.rps} | ${r.p99_ms} | ${r.errors} | ${r.weft_ratio} |`);
    }
  }
} finally {
  for (const c of children) {
    c.kill("SIGTERM");
    await c.status;
  }
}

async function wrk(url: string) {
  const out = await new Deno.Command("wrk", {
    args: ["-t2", `-c${connections}`, `-d${duration}s`, "--latency", url],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? 0);
  const p99 = toMs(/\s99%\s+([\d.]+\w+)/.exec(text)?.[1] ?? "0ms");
  const errors =
    [...text.matchAll(/(?:connect|read|write|timeout) (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0) +
    Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0);
  return { rps, p99, errors };
}

function toMs(s: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(s);
  if (!m) return 0;
  return Number(m[1]) * (m[2] === "us" ? 0.001 : m[2] === "s" ? 1000 : 1);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function has(command: string): Promise<boolean> {
  try {
    await new Deno.Command(command, { args: ["--version"], stdout: "null", stderr: "null" }).output();
    return true;
  } catch {
    return false;
  }
}
