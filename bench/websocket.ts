/**
 * WebSocket echo bench: examples/websocket_echo.ts run unchanged by weft
 * (`--app`), `deno serve` and `deno serve --parallel`, driven by
 * bench/ws_load.ts in interleaved rounds. Prints per scenario the median
 * echoes per second, round-trip p50/p99, errors and weft's ratio to each.
 *
 *   deno task bench:ws                               all scenarios, 3 rounds × 5 s
 *   deno task bench:ws --scenario pipelined --rounds 5
 *
 * Scenarios: `round-trip` (64 connections, one message in flight on each:
 * every echo waits for the last), `pipelined` (16 connections, 16 in flight),
 * `4k` (16 connections, 4 in flight, 4 KiB messages). Only 127.0.0.1 is
 * targeted.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { median, spawn, stop, waitForPort, WEFT_V8_FLAGS } from "./_shared.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    scenario: { type: "string", default: "round-trip,pipelined,4k" },
    rounds: { type: "string", default: "3" },
    duration: { type: "string", default: "5" },
  },
});

interface Scenario {
  name: string;
  connections: number;
  inflight: number;
  size: number;
}
const SCENARIOS: Scenario[] = [
  { name: "round-trip", connections: 64, inflight: 1, size: 32 },
  { name: "pipelined", connections: 16, inflight: 16, size: 32 },
  { name: "4k", connections: 16, inflight: 4, size: 4096 },
];

const deno = Deno.execPath();
const app = new URL("../examples/websocket_echo.ts", import.meta.url).pathname;
const load = new URL("./ws_load.ts", import.meta.url).pathname;
const mod = new URL("../mod.ts", import.meta.url).pathname;
const serveArgs = (port: number, ...flags: string[]) => [
  "serve",
  ...flags,
  "--allow-net",
  "--host",
  "127.0.0.1",
  "--port",
  String(port),
  app,
];
const peers = [
  {
    name: "weft --app",
    port: 7931,
    args: ["run", WEFT_V8_FLAGS, "--allow-net", "--allow-read", mod, "--port", "7931", "--app", app],
  },
  { name: "deno serve", port: 7932, args: serveArgs(7932) },
  { name: "deno serve --parallel", port: 7933, args: serveArgs(7933, "--parallel") },
];

interface Sample {
  echoes_per_s: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
}

async function drive(port: number, s: Scenario): Promise<Sample> {
  const args = ["run", "--allow-net", load, "--port", String(port), "--seconds", values.duration];
  args.push(
    "--connections",
    String(s.connections),
    "--inflight",
    String(s.inflight),
    "--size",
    String(s.size),
  );
  const out = await new Deno.Command(deno, { args, stdout: "piped", stderr: "inherit" }).output();
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

const children = peers.map((p) => spawn(deno, [...p.args, ...(p.port === 7931 ? ["--quiet"] : [])]));
try {
  for (const p of peers) await waitForPort(p.port);
  for (const s of SCENARIOS.filter((s) => values.scenario.split(",").includes(s.name))) {
    const samples = new Map(peers.map((p) => [p.name, [] as Sample[]]));
    for (let round = 0; round < Number(values.rounds); round++) {
      // Each round starts with the next server, so drift on a noisy machine hits all alike.
      for (const p of [...peers.slice(round % peers.length), ...peers.slice(0, round % peers.length)]) {
        const sample = await drive(p.port, s);
        samples.get(p.name)!.push(sample);
        console.error(`${s.name} round ${round + 1}: ${p.name} ${sample.echoes_per_s} echoes/s`);
      }
    }
    const rate = (name: string) => median(samples.get(name)!.map((x) => x.echoes_per_s));
    console.log(
      `\n${s.name}: ${s.connections} connections × ${s.inflight} in flight, ${s.size} B messages, ` +
        `${values.rounds} rounds × ${values.duration} s, medians`,
    );
    console.log("| server | echoes/s | p50 ms | p99 ms | errors | weft ÷ server |");
    console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (const [name, xs] of samples) {
      const p50 = median(xs.map((x) => x.p50_ms)), p99 = median(xs.map((x) => x.p99_ms));
      const errors = xs.reduce((n, x) => n + x.errors, 0);
      const ratio = (rate(peers[0].name) / rate(name)).toFixed(2);
      console.log(`| ${name} | ${Math.round(rate(name))} | ${p50} | ${p99} | ${errors} | ${ratio} |`);
    }
  }
} finally {
  for (const child of children) await stop(child);
}
