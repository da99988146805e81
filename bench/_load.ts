/**
 * What the load benches share: one wrk run read into numbers, nginx started
 * on a folder, a server's resident memory, and tools installed on demand.
 * Only 127.0.0.1 is ever targeted.
 *
 * @module
 */

import { spawn } from "./_shared.ts";

/** One wrk run: requests per second, p50 and p99 latency (ms), socket errors and non-2xx/3xx answers. */
export interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  socketErrors: number;
  non2xx: number;
}

/** How wrk is run: connections, seconds, and optional headers or a Lua script. */
export interface WrkOptions {
  connections: number;
  seconds: number;
  headers?: string[];
  script?: string;
}

/** Runs wrk against `url` (on 127.0.0.1) and reads its summary. */
export async function wrk(url: string, options: WrkOptions): Promise<WrkResult> {
  // wrk needs at least as many connections as threads.
  const threads = Math.min(2, options.connections);
  const args = [`-t${threads}`, `-c${options.connections}`, `-d${options.seconds}s`, "--latency"];
  for (const h of options.headers ?? []) args.push("-H", h);
  if (options.script) args.push("-s", options.script);
  const out = await new Deno.Command("wrk", { args: [...args, url], stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? 0),
    p50: toMs(/\s50%\s+([\d.]+\w+)/.exec(text)?.[1] ?? "0ms"),
    p99: toMs(/\s99%\s+([\d.]+\w+)/.exec(text)?.[1] ?? "0ms"),
    socketErrors: [...text.matchAll(/(?:connect|read|write|timeout) (\d+)/g)].reduce(
      (n, m) => n + Number(m[1]),
      0,
    ),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0),
  };
}

function toMs(s: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(s);
  if (!m) return 0;
  return Number(m[1]) * (m[2] === "us" ? 0.001 : m[2] === "s" ? 1000 : 1);
}

/** nginx from Debian serving `root` on 127.0.0.1:`port` with `workers` processes ("auto" for one per core). */
export function nginx(root: string, port: number, workers: string): Deno.ChildProcess {
  const conf = `${root}/nginx-${port}.conf`;
  Deno.writeTextFileSync(
    conf,
    `daemon off; worker_processes ${workers}; pid ${root}/nginx-${port}.pid; error_log /dev/null;
events { worker_connections 16384; }
http {
  include /etc/nginx/mime.types; access_log off; sendfile on; tcp_nopush on; keepalive_timeout 600s;
  keepalive_requests 1000000; gzip on; gzip_types text/plain; gzip_min_length 1024; gzip_comp_level 6;
  server { listen 127.0.0.1:${port} reuseport; root ${root}; }
}
`,
  );
  return spawn("nginx", ["-c", conf]);
}

/** Resident memory (MiB) of the processes listening on `port` (nginx: master and workers). */
export async function rssMiB(port: number): Promise<number> {
  const out = await new Deno.Command("ss", { args: ["-Htlnp", `sport = :${port}`] }).output();
  const pids = new Set([...new TextDecoder().decode(out.stdout).matchAll(/pid=(\d+)/g)].map((m) => m[1]));
  let total = 0;
  for (const pid of pids) {
    const ps = await new Deno.Command("ps", { args: ["-o", "rss=", "-p", pid] }).output();
    total += Number(new TextDecoder().decode(ps.stdout).trim() || 0);
  }
  return total / 1024;
}

/** Makes sure `command` exists, installing Debian's `pkg` with apt-get if it does not (as root). */
export async function ensureInstalled(command: string, pkg: string): Promise<void> {
  const has = () =>
    new Deno.Command("sh", { args: ["-c", `command -v ${command}`], stdout: "null" }).output().then((o) =>
      o.success
    );
  if (await has()) return;
  console.error(`${command} is missing; installing ${pkg} with apt-get`);
  await new Deno.Command("sh", { args: ["-c", `apt-get update -qq && apt-get install -y -qq ${pkg}`] })
    .output();
  if (!await has()) {
    console.error(`${command} is not installed and could not be installed: apt-get install ${pkg}`);
    Deno.exit(1);
  }
}
