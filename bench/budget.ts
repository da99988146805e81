/**
 * The latency budget of one request (issue 23, item 2): where weft's time
 * goes, per thread, beside `deno serve` running the same app.
 *
 * - CPU per request, per thread: wrk drives `/json` at each number of
 *   connections for a few seconds while `/proc/<pid>/task/*` is read before
 *   and after; a thread's CPU time over the requests answered. Threads are
 *   grouped as the main thread, the workers (`worker-N`), V8's helpers
 *   (compiler, GC) and the rest (tokio's I/O threads).
 * - The path of one request at one connection: a client on one raw socket
 *   sends requests one after another and times each; weft runs with
 *   `--server-timing`, whose fields split the server's part (`queued`: the
 *   main thread's batch to the worker's turn, `worker`: parsing and dispatch,
 *   `app`: the handler, `total`: the batch to the head going out). What the
 *   client waited beyond `total` is the rest: the socket's wake-up and read on
 *   the main thread, and the way back (the worker's message, the write).
 *
 *   deno task bench:budget [--connections 1,16] [--seconds 3] [--rounds 3] [--requests 5000] [--peers weft,deno]
 *   deno task bench:budget --peers weft --v8-flags=--max-semi-space-size=4,--single-threaded-gc     an A/B
 *
 * It runs with --allow-all: Deno grants reads of /proc (the threads' CPU times) to no less. Only
 * 127.0.0.1 is targeted; each run stops after its seconds.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { ensureInstalled, wrk } from "./_load.ts";
import { median, spawn, stop, waitForPort, WEFT_V8_FLAGS } from "./_shared.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    connections: { type: "string", default: "1,16" },
    seconds: { type: "string", default: "3" },
    rounds: { type: "string", default: "3" },
    requests: { type: "string", default: "5000" },
    peers: { type: "string", default: "weft,deno" },
    "v8-flags": { type: "string", default: WEFT_V8_FLAGS.split("=").slice(1).join("=") },
  },
});
await ensureInstalled("wrk", "wrk");

const deno = Deno.execPath();
const app = new URL("./peers/app.ts", import.meta.url).pathname;
const mod = new URL("../mod.ts", import.meta.url).pathname;
const PEERS = [
  {
    name: "weft --app",
    port: 7941,
    args: [
      "run",
      `--v8-flags=${values["v8-flags"]}`,
      "-A",
      mod,
      "--port",
      "7941",
      "--quiet",
      "--server-timing",
      "--app",
      app,
    ],
  },
  { name: "deno serve", port: 7942, args: ["serve", "-A", "--host", "127.0.0.1", "--port", "7942", app] },
];
const THREAD_GROUPS = ["main", "workers", "V8 helpers", "other"] as const;
type ThreadGroup = typeof THREAD_GROUPS[number];

/** CPU time (µs) each thread group of process `pid` has used so far. */
async function cpuByGroup(pid: number): Promise<Record<ThreadGroup, number>> {
  const used: Record<ThreadGroup, number> = { main: 0, workers: 0, "V8 helpers": 0, other: 0 };
  for await (const task of Deno.readDir(`/proc/${pid}/task`)) {
    try {
      const comm = (await Deno.readTextFile(`/proc/${pid}/task/${task.name}/comm`)).trim();
      // Fields after the parenthesised name: utime and stime are the 12th and 13th, in clock ticks (1/100 s).
      const stat = (await Deno.readTextFile(`/proc/${pid}/task/${task.name}/stat`)).split(") ")[1].split(" ");
      const group: ThreadGroup = task.name === `${pid}`
        ? "main"
        : comm.startsWith("worker-")
        ? "workers"
        : comm.startsWith("V8 ")
        ? "V8 helpers"
        : "other";
      used[group] += (Number(stat[11]) + Number(stat[12])) * 10_000;
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return used;
}

/** The pid of the process listening on `port`. */
async function listener(port: number): Promise<number> {
  const out = await new Deno.Command("ss", { args: ["-Htlnp", `sport = :${port}`] }).output();
  return Number(/pid=(\d+)/.exec(new TextDecoder().decode(out.stdout))![1]);
}

/** CPU µs per request by thread group, with the rate and p50, at `connections`. */
async function cpuPerRequest(port: number, connections: number) {
  const pid = await listener(port);
  const before = await cpuByGroup(pid);
  const r = await wrk(`http://127.0.0.1:${port}/json`, { connections, seconds: Number(values.seconds) });
  const after = await cpuByGroup(pid);
  const requests = r.rps * Number(values.seconds);
  const perRequest = Object.fromEntries(
    THREAD_GROUPS.map((g) => [g, (after[g] - before[g]) / requests]),
  ) as Record<ThreadGroup, number>;
  return { rps: r.rps, p50: r.p50, perRequest };
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Sends `count` requests one after another on one socket: each round trip (µs) and its Server-Timing fields. */
async function oneByOne(port: number, count: number) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  conn.setNoDelay(true);
  const request = enc.encode("GET /json HTTP/1.1\r\nHost: bench\r\n\r\n");
  const buf = new Uint8Array(4096);
  const trips: number[] = [];
  const fields: Record<string, number[]> = {};
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await conn.write(request);
    let text = "";
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) throw new Error("the server closed the connection");
      text += dec.decode(buf.subarray(0, n));
      const head = text.indexOf("\r\n\r\n");
      const length = /content-length: (\d+)/i.exec(text);
      if (head !== -1 && length && text.length >= head + 4 + Number(length[1])) break;
    }
    trips.push((performance.now() - start) * 1000);
    for (const [, name, ms] of text.matchAll(/(\w+);dur=([\d.]+)/g)) {
      (fields[name] ??= []).push(Number(ms) * 1000);
    }
  }
  conn.close();
  return {
    trip: median(trips),
    fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, median(v)])),
  };
}

const us = (n: number) => n.toFixed(0);
const levels = values.connections.split(",").map(Number);
const rows: string[] = [];
const paths: string[] = [];
for (const peer of PEERS.filter((p) => values.peers.split(",").some((name) => p.name.startsWith(name)))) {
  const child = spawn(deno, peer.args);
  try {
    await waitForPort(peer.port);
    await oneByOne(peer.port, 2000); // warm-up: the JIT, the workers' first requests
    for (const connections of levels) {
      const samples: Awaited<ReturnType<typeof cpuPerRequest>>[] = [];
      for (let round = 0; round < Number(values.rounds); round++) {
        samples.push(await cpuPerRequest(peer.port, connections));
      }
      const cpu = THREAD_GROUPS.map((g) => median(samples.map((s) => s.perRequest[g])));
      const total = cpu.reduce((a, b) => a + b, 0);
      rows.push(
        `| ${connections} | ${peer.name} | ${median(samples.map((s) => s.rps)).toFixed(0)} | ${
          us(median(samples.map((s) => s.p50)) * 1000)
        } | ${cpu.map(us).join(" | ")} | ${us(total)} |`,
      );
    }
    const trips: Awaited<ReturnType<typeof oneByOne>>[] = [];
    for (let round = 0; round < Number(values.rounds); round++) {
      trips.push(await oneByOne(peer.port, Number(values.requests)));
    }
    const trip = median(trips.map((t) => t.trip));
    const field = (name: string) => median(trips.map((t) => t.fields[name] ?? NaN));
    const server = field("total");
    paths.push(
      `| ${peer.name} | ${us(trip)} | ${
        ["queued", "worker", "app", "total"].map((f) => Number.isNaN(field(f)) ? "" : us(field(f))).join(
          " | ",
        )
      } | ${Number.isNaN(server) ? "" : us(trip - server)} |`,
    );
  } finally {
    await stop(child);
  }
}

console.log(
  `CPU per request by thread (/json; wrk ${values.seconds} s × ${values.rounds} rounds, medians), µs`,
);
console.log(`| connections | server | req/s | p50 µs | ${THREAD_GROUPS.join(" | ")} | all |`);
console.log(`| ---: | --- | ---: | ---: | ${THREAD_GROUPS.map(() => "---:").join(" | ")} | ---: |`);
for (const row of rows) console.log(row);
console.log(
  `\nOne request at one connection (${values.requests} in a row × ${values.rounds} rounds, medians), µs`,
);
console.log("| server | round trip | queued | worker | app | total (to the head) | the rest |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const row of paths) console.log(row);
