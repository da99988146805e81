/**
 * Side by side: the status and selected headers weft and nginx (from Debian)
 * give for the same requests on the same folder. Prints a Markdown table of
 * the rows where they differ.
 *
 *   deno run -A bench/compare_nginx.ts
 *
 * Needs nginx (apt-get install nginx). Only 127.0.0.1 is targeted.
 *
 * @module
 */

import { waitForPort, WEFT_V8_FLAGS } from "./_shared.ts";

import { gzipSync } from "node:zlib";

const WEFT_PORT = 7911;
const NGINX_PORT = 7912;
const root = await Deno.makeTempDir({ prefix: "weft-vs-nginx-" });
const text = "compare me\n".repeat(500);
const files: Record<string, string | Uint8Array> = {
  "index.html": "<h1>home</h1>",
  "404.html": "<h1>missing</h1>",
  "page.txt": text,
  "pre.css": "a{}\n".repeat(400),
  "pre.css.gz": gzipSync(new TextEncoder().encode("a{}\n".repeat(400))),
  "img.png": new Uint8Array(5000),
  "dir/index.html": "<h1>dir</h1>",
  "empty/.keep": "",
  ".env": "SECRET=1",
};
for (const [name, content] of Object.entries(files)) {
  const path = `${root}/${name}`;
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  if (typeof content === "string") await Deno.writeTextFile(path, content);
  else await Deno.writeFile(path, content);
}
await Deno.symlink("/etc/hostname", `${root}/link-out`);
// nginx's workers run as another user: let them read the folder (but for one file no one may read).
await new Deno.Command("chmod", { args: ["-R", "a+rX", root] }).output();
await Deno.writeTextFile(`${root}/locked.txt`, "locked");
await Deno.chmod(`${root}/locked.txt`, 0o000);

const conf = `${root}.nginx.conf`;
await Deno.writeTextFile(
  conf,
  `daemon off; worker_processes 1; pid ${root}.nginx.pid; error_log /dev/null;
events {}
http {
  include /etc/nginx/mime.types; access_log off; server_tokens off; charset utf-8;
  charset_types text/plain text/css text/javascript application/javascript application/json;
  gzip on; gzip_types text/plain text/css application/javascript application/json; gzip_min_length 1024;
  gzip_vary on; gzip_static on; disable_symlinks if_not_owner; etag on;
  server { listen 127.0.0.1:${NGINX_PORT}; root ${root}; error_page 404 /404.html;
    location ~ /\\. { return 404; } }
}
`,
);

const servers = [
  new Deno.Command("nginx", { args: ["-c", conf], stdout: "null", stderr: "inherit" }).spawn(),
  new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      WEFT_V8_FLAGS,
      "-A",
      new URL("../mod.ts", import.meta.url).pathname,
      "--port",
      String(WEFT_PORT),
      "--root",
      root,
      "--quiet",
    ],
  }).spawn(),
];

const REQUESTS: [string, Record<string, string>][] = [
  ["GET /", {}],
  ["HEAD /page.txt", {}],
  ["GET /page.txt", { "accept-encoding": "gzip" }],
  ["GET /pre.css", { "accept-encoding": "gzip" }],
  ["GET /img.png", {}],
  ["GET /missing", {}],
  ["GET /dir", {}],
  ["GET /empty/", {}],
  ["GET /.env", {}],
  ["GET /link-out", {}],
  ["GET /page.txt", { range: "bytes=0-9" }],
  ["GET /page.txt", { range: "bytes=0-1,5-6" }],
  ["GET /page.txt", { range: "bytes=99999-" }],
  ["GET /page.txt", { "if-none-match": "*" }],
  ["GET /page.txt", { "if-modified-since": new Date(Date.now() + 86_400_000).toUTCString() }],
  ["GET /page.txt", { "if-match": '"nope"' }],
  ["POST /page.txt", { "content-length": "0" }],
  ["OPTIONS /", {}],
  ["DELETE /page.txt", {}],
  ["GET /%2e%2e/etc/passwd", {}],
  ["GET /a%00b", {}],
  ["GET /./page.txt", {}],
  ["GET /dir/../page.txt", {}],
  ["GET /dir/%2e%2e/page.txt", {}],
  ["GET /dir//../page.txt", {}],
  ["GET /../page.txt", {}],
  ["GET //dir", {}],
  ["GET /page.txt/", {}],
  [`GET /${"n".repeat(300)}`, {}],
  ["GET /locked.txt", {}],
];
const HEADERS = [
  "content-type",
  "content-length",
  "content-encoding",
  "transfer-encoding",
  "etag",
  "last-modified",
  "cache-control",
  "accept-ranges",
  "vary",
  "location",
  "allow",
  "content-range",
  "x-content-type-options",
];

try {
  for (const port of [WEFT_PORT, NGINX_PORT]) await waitForPort(port);
  const rows: string[] = [];
  for (const [line, headers] of REQUESTS) {
    const [weft, nginx] = await Promise.all([WEFT_PORT, NGINX_PORT].map((p) => ask(p, line, headers)));
    const diffs: string[] = [];
    if (weft.status !== nginx.status) diffs.push(`status ${weft.status} / ${nginx.status}`);
    for (const h of HEADERS) {
      const a = shape(h, weft.headers.get(h));
      const b = shape(h, nginx.headers.get(h));
      if (a !== b) diffs.push(`${h}: ${a ?? "—"} / ${b ?? "—"}`);
    }
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join("; ");
    rows.push(
      `| \`${line.length > 60 ? line.slice(0, 40) + "…" : line}\`${
        extra ? ` (${extra})` : ""
      } | ${weft.status} | ${nginx.status} | ${diffs.join("<br>") || "same"} |`,
    );
  }
  console.log("| request | weft | nginx | differences (weft / nginx) |\n| --- | --- | --- | --- |");
  console.log(rows.join("\n"));
} finally {
  for (const s of servers) {
    s.kill("SIGTERM");
    await s.status;
  }
  await Deno.remove(root, { recursive: true });
  await Deno.remove(conf);
}

/** Normalizes values that differ by design of the tag or by the second. */
function shape(name: string, value: string | undefined | null): string | null {
  if (value === undefined || value === null) return null;
  if (name === "etag") return value.startsWith("W/") ? 'W/"…"' : '"…"';
  if (name === "last-modified") return "(date)";
  if (name === "content-type" && value.startsWith("multipart/byteranges")) {
    return "multipart/byteranges; boundary=…";
  }
  return value;
}

async function ask(port: number, line: string, headers: Record<string, string>) {
  const [method, path] = line.split(" ");
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(
    new TextEncoder().encode(
      `${method} ${path} HTTP/1.1\r\nHost: localhost\r\n${head}Connection: close\r\n\r\n`,
    ),
  );
  let raw = "";
  const buf = new Uint8Array(65536);
  for (let n; (n = await conn.read(buf)) !== null;) raw += String.fromCharCode(...buf.subarray(0, n));
  conn.close();
  const lines = raw.slice(0, raw.indexOf("\r\n\r\n")).split("\r\n");
  const map = new Map<string, string>();
  for (const l of lines.slice(1)) {
    map.set(l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim());
  }
  return { status: Number(lines[0].split(" ")[1]), headers: map };
}
