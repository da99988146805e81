import assert from "node:assert/strict";
import { parseCommand } from "../lib/cli/command.ts";
import { UsageError } from "../lib/cli/flags.ts";
import { eventually } from "../lib/_test_utils.ts";
import { exchange, hasTool, readAll, startDeno, weftArgs } from "./_helpers.ts";

const MOD = new URL("../mod.ts", import.meta.url).pathname;

/** Runs `mod.ts` with `permissions` and `args` to completion. */
async function run(args: string[], permissions = ["--allow-net", "--allow-read"]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, MOD, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("flags become options", () => {
  assert.deepEqual(
    parseCommand([
      "--host",
      "::1",
      "--port",
      "0",
      "--root",
      "site",
      "--workers",
      "3",
      "--drain-timeout",
      "2.5",
      "--quiet",
    ]),
    {
      kind: "serve",
      options: { hostname: "::1", port: 0, root: "site", workers: 3, drainTimeout: 2500 },
      quiet: true,
    },
  );
  assert.deepEqual(parseCommand([]), { kind: "serve", options: { log: "common" }, quiet: false });
  assert.deepEqual(parseCommand(["--log-format", "json"]), {
    kind: "serve",
    options: { log: "json" },
    quiet: false,
  });
  assert.deepEqual(
    parseCommand([
      "--max-request-line",
      "1000",
      "--max-header-size",
      "4096",
      "--max-headers",
      "20",
      "--max-body-size",
      "0",
      "--max-connections",
      "50",
      "--header-timeout",
      "1.5",
      "--idle-timeout",
      "2",
      "--body-timeout",
      "3",
      "--send-timeout",
      "4",
      "--handler-timeout",
      "5",
      "--max-in-flight",
      "6",
      "--app",
      "app.ts",
    ]),
    {
      kind: "serve",
      options: {
        maxRequestLine: 1000,
        maxHeaderSize: 4096,
        maxHeaderCount: 20,
        maxBodySize: 0,
        maxConnections: 50,
        headerTimeout: 1500,
        idleTimeout: 2000,
        bodyTimeout: 3000,
        sendTimeout: 4000,
        handlerTimeout: 5000,
        maxInFlight: 6,
        app: "app.ts",
        log: "common",
      },
      quiet: false,
    },
  );
  assert.deepEqual(parseCommand(["--help"]), { kind: "help" });
  const files = [
    "--cache",
    "60",
    "--no-compress",
    "--list",
    "--spa",
    "--clean-urls",
    "--dotfiles",
    "deny",
    "--follow-symlinks",
    "--cors",
  ];
  assert.deepEqual(
    parseCommand(files),
    {
      kind: "serve",
      options: {
        cacheSeconds: 60,
        compress: false,
        list: true,
        spa: true,
        cleanUrls: true,
        dotfiles: "deny",
        followSymlinks: true,
        cors: true,
        log: "common",
      },
      quiet: false,
    },
  );
});

Deno.test("a bad flag or value names the flag", () => {
  const cases: [string[], RegExp][] = [
    [["--prot", "80"], /unknown flag --prot/],
    [["--port", "http"], /--port takes a whole number from 0 to 65535, got "http"/],
    [["--port", "70000"], /--port/],
    [["--port", "-1"], /--port/],
    [["--port"], /--port needs a value/],
    [["--workers", "0"], /--workers takes a whole number from 1/],
    [["--workers", "2.5"], /--workers/],
    [["--drain-timeout", "soon"], /--drain-timeout takes seconds/],
    [["--host", ""], /--host needs an address/],
    [["site", "public"], /one folder to serve, got "site" and "public"/],
    [["site", "--root", "public"], /the folder is given twice: "site" and --root public/],
    [["-x"], /unknown flag -x/],
    [["-p"], /-p needs a value/],
    [["-p", "http"], /--port takes a whole number/],
    [["--header", "X-Frame-Options DENY"], /--header: a header is written "Name: value"/],
    [["-H", "Content-Length: 3"], /--header: Content-Length cannot be added: weft frames responses itself/],
    [["--header", "Bad Name: x"], /--header: "Bad Name" is not a valid field name/],
    [["--cors=yes"], /--cors takes no value/],
    [["--dotfiles", "show"], /--dotfiles takes allow, deny or ignore, got "show"/],
    [["--cache", "1h"], /--cache takes a whole number/],
    [["--log-format", "xml"], /--log-format takes common, combined or json, got "xml"/],
    [["--max-body-size", "10MB"], /--max-body-size takes a whole number ≥ 0, got "10MB"/],
    [["--max-headers", "0"], /--max-headers takes a whole number ≥ 1/],
    [
      ["--max-frame-size", "16383"],
      /--max-frame-size takes a whole number from 16384 to 16777215, got "16383"/,
    ],
    [["--header-timeout", "0"], /--header-timeout takes seconds > 0, got "0"/],
    [
      ["--idle-timeout", "-1"],
      /--idle-timeout needs a value; for one starting with "-" write --idle-timeout=-/,
    ],
    [["--idle-timeout=-1"], /--idle-timeout takes seconds > 0, got "-1"/],
    [["--key", "k.pem"], /--key needs --cert/],
    [["--unix", ""], /--unix needs a socket path/],
    [["--unix", "/tmp/w.sock", "--reuse-port"], /--unix cannot be combined with --reuse-port/],
    [["--health", "healthz"], /--health takes a path starting with \/, got "healthz"/],
    [["--metrics", "metrics"], /--metrics takes a path starting with \//],
    [["--health", "/x", "--metrics", "/x"], /--health and --metrics need different paths/],
  ];
  for (const [args, message] of cases) {
    assert.throws(
      () => parseCommand(args),
      (e) => e instanceof UsageError && message.test(e.message),
      args.join(" "),
    );
  }
});

Deno.test("CLI: --help and --version exit 0", async () => {
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--drain-timeout/);
  const version = await run(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^weft \d+\.\d+\.\d+/);
});

Deno.test("CLI: an unknown flag exits 2 with one line naming it", async () => {
  const r = await run(["--colour"]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim(), "weft: unknown flag --colour (see --help)");
});

Deno.test("CLI: a folder argument and -p; --header on every response, weft's own errors too", async () => {
  const root = await Deno.makeTempDir();
  await Deno.mkdir(`${root}/site/docs`, { recursive: true });
  await Deno.writeTextFile(`${root}/site/index.html`, "<h1>site</h1>");
  const port = await freePort();
  const weft = await startDeno(weftArgs(
    `${root}/site`,
    "-p",
    String(port),
    "--list",
    "--header",
    "X-Frame-Options: DENY",
    "-H",
    "cache-control: no-store",
  ));
  try {
    assert.equal(weft.port, port);
    const page = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(await page.text(), "<h1>site</h1>");
    assert.equal(page.headers.get("x-frame-options"), "DENY");
    assert.equal(page.headers.get("cache-control"), "no-store", "an added field replaces the file server's");
    const missing = await fetch(`http://127.0.0.1:${port}/nothing`);
    await missing.body?.cancel();
    assert.deepEqual([missing.status, missing.headers.get("x-frame-options")], [404, "DENY"]);
    const listing = await fetch(`http://127.0.0.1:${port}/docs/`);
    assert.match(
      await listing.text(),
      /<h1>Index of <a href="\.\.\/">\/<\/a><a href="\.\/">docs<\/a>\/<\/h1>/,
    );
    // A request the parser refuses (RFC 9112 §2.2: a bare LF) is answered by weft itself: the field is there too.
    const conn = await Deno.connect({ port });
    await conn.write(new TextEncoder().encode("GET / HTTP/1.1\nHost: x\n\n"));
    const refused = await readAll(conn);
    conn.close();
    assert.match(refused.text, /^HTTP\/1\.1 400 /);
    assert.match(refused.text, /\r\nX-Frame-Options: DENY\r\n/);
  } finally {
    await weft.stop();
    await Deno.remove(root, { recursive: true });
  }
});

/** A port nothing listens on now. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  listener.close();
  return listener.addr.port;
}

Deno.test("CLI: a port in use is one clear line, not a stack trace", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const r = await run(["--port", String(taken.addr.port)]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      `weft: 127.0.0.1:${taken.addr.port} is already in use (try another --port)`,
    );
  } finally {
    taken.close();
  }
});

Deno.test("CLI: missing read permission gives a one-line hint", async () => {
  const r = await run(["--port", "0"], ["--allow-net"]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  assert.match(r.stderr, /--allow-read/);
});

Deno.test("CLI: a missing root folder is named", async () => {
  const r = await run(["--port", "0", "--root", "/no/such/folder"]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim(), "weft: root folder not found: /no/such/folder");
});

Deno.test("CLI: serves static/ by default, prints its URL, drains on SIGTERM and exits 0", async () => {
  const weft = await startDeno(weftArgs("--port", "0"));
  assert.match(weft.stderr, /^weft listening on http:\/\/127\.0\.0\.1:\d+\/$/m);
  const page = await (await fetch(`http://127.0.0.1:${weft.port}/`)).text();
  assert.match(page, /<h1>Hello!<\/h1>/);
  assert.match(page, /Hi from weft/);
  const status = await weft.stop();
  assert.equal(status.code, 0);
  assert.match(weft.stderr, /shutting down/);
});

Deno.test("CLI: a second signal during a drain exits at once", async () => {
  const root = await Deno.makeTempDir();
  await Deno.writeFile(`${root}/big.bin`, new Uint8Array(32 * 1024 * 1024));
  const weft = await startDeno(weftArgs("--port", "0", "--root", root, "--drain-timeout", "60"));
  const stalled = await Deno.connect({ port: weft.port });
  try {
    // A client that asks for a big file and never reads keeps the drain busy.
    await stalled.write(new TextEncoder().encode("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"));
    // The download has begun once its first byte arrives; the drain has begun once weft says so.
    assert.ok(await stalled.read(new Uint8Array(1)));
    weft.child.kill("SIGTERM");
    await eventually(() => weft.text.includes("shutting down"));
    const started = Date.now();
    weft.child.kill("SIGINT");
    const status = await weft.child.status;
    assert.ok(Date.now() - started < 5000);
    assert.notEqual(status.code, 0);
    await weft.rest();
    assert.match(weft.stderr, /shutting down/);
  } finally {
    stalled.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("CLI: an access log line per request, in common, combined or json, and none with --quiet", async () => {
  const formats: [string[], RegExp][] = [
    [
      [],
      /^127\.0\.0\.1 - - \[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "GET \/missing\?x=1 HTTP\/1\.1" 404 \d+$/m,
    ],
    [
      ["--log-format", "combined"],
      /^127\.0\.0\.1 - - \[[^\]]+\] "GET \/missing\?x=1 HTTP\/1\.1" 404 \d+ "http:\/\/ref\.example\/" "weft-test\\x22agent"$/m,
    ],
    [
      ["--log-format", "json"],
      /^\{"time":"[^"]+","remote":"127\.0\.0\.1","method":"GET","target":"\/missing\?x=1".*"status":404/m,
    ],
  ];
  for (const [flags, line] of formats) {
    const weft = await startDeno(weftArgs("--port", "0", ...flags));
    const res = await fetch(`http://127.0.0.1:${weft.port}/missing?x=1`, {
      headers: { referer: "http://ref.example/", "user-agent": 'weft-test"agent' },
    });
    await res.body?.cancel();
    await weft.stop();
    assert.match(weft.stdout, line, flags.join(" "));
    // stdout is the log alone, so `| jq` or goaccess reads every line of it; the banner and notices go to stderr.
    assert.equal(weft.stdout.trim().split("\n").length, 1, weft.stdout);
    assert.match(weft.stderr, /weft listening on .*\n(.|\n)*shutting down/);
    if (flags.includes("json")) JSON.parse(weft.stdout);
  }
  // --quiet: no banner and no access log, so pick the port beforehand.
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  const quiet = new Deno.Command(Deno.execPath(), {
    args: weftArgs("--port", String(port), "--quiet"),
    stdout: "piped",
    stderr: "null",
  }).spawn();
  let served = false;
  for (let i = 0; i < 50 && !served; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const res = await fetch(`http://127.0.0.1:${port}/`).catch(() => null);
    if (res) {
      await res.body?.cancel();
      served = true;
    }
  }
  quiet.kill("SIGTERM");
  const out = await quiet.output();
  assert.ok(served);
  assert.equal(new TextDecoder().decode(out.stdout), "");
});

Deno.test("CLI: a stdout nobody reads blocks neither requests nor shutdown (the access log drops lines)", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  const child = new Deno.Command(Deno.execPath(), {
    args: weftArgs("--port", String(port), "--log-format", "combined"),
    stdout: "piped",
    stderr: "null",
  }).spawn();
  try {
    let up = false;
    for (let i = 0; i < 50 && !up; i++) {
      await new Promise((r) => setTimeout(r, 100));
      up = await Deno.connect({ port }).then((c) => (c.close(), true), () => false);
    }
    // Far more log than a pipe holds (64 KiB), with the pipe never read.
    const agent = "x".repeat(1000);
    for (let i = 0; i < 300; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { "user-agent": agent } });
      assert.equal(res.status, 200);
      await res.body?.cancel();
    }
    const started = Date.now();
    child.kill("SIGTERM");
    const status = await child.status;
    assert.equal(status.code, 0);
    assert.ok(Date.now() - started < 5000, `exit took ${Date.now() - started} ms`);
  } finally {
    await child.stdout.cancel();
  }
});

Deno.test("CLI: read access to the root alone: one line naming weft's own folder, exit 1", async () => {
  const root = await Deno.makeTempDir();
  try {
    const r = await run(["--port", "0", "--root", root], ["--allow-net", `--allow-read=${root}`]);
    assert.equal(r.code, 1);
    const own = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
    assert.equal(
      r.stderr.trim(),
      `weft: permission denied: read access to weft's own folder is needed: add ${own} to --allow-read`,
    );
  } finally {
    await Deno.remove(root);
  }
});

Deno.test("CLI: past --drain-timeout weft cuts off what is left and exits at once", async () => {
  const root = await Deno.makeTempDir();
  await Deno.writeFile(`${root}/big.bin`, new Uint8Array(32 * 1024 * 1024));
  const weft = await startDeno(weftArgs("--port", "0", "--root", root, "--drain-timeout", "0.5"));
  const stalled = await Deno.connect({ port: weft.port });
  try {
    await stalled.write(new TextEncoder().encode("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"));
    assert.ok(await stalled.read(new Uint8Array(1)));
    const signalled = Date.now();
    const status = await weft.stop();
    const took = Date.now() - signalled;
    assert.equal(status.code, 0);
    // A container's stop timeout (docker: 10 s) must only cover the drain timeout, not an unknown tail.
    assert.ok(took >= 450 && took < 2500, `exited ${took} ms after SIGTERM, with a 500 ms drain timeout`);
  } finally {
    stalled.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test({
  name: "CLI: --log-format json | jq -c . parses every stdout line, one per request, the banner on stderr",
  ignore: !await hasTool("jq"),
  async fn() {
    const weft = await startDeno(weftArgs("--port", "0", "--log-format", "json"));
    const agents = ["plain", 'quote " and \\ backslash', "ünïcode ✓", "tab\there"];
    // Raw bytes: fetch would refuse the UTF-8 and the tab a client may still send (RFC 9110 §5.5 obs-text).
    for (const agent of agents) {
      const request = `GET /missing HTTP/1.1\r\nHost: x\r\nUser-Agent: ${agent}\r\nConnection: close\r\n\r\n`;
      await exchange(weft.port, new TextEncoder().encode(request));
    }
    await weft.stop();
    const jq = new Deno.Command("jq", { args: ["-c", "."], stdin: "piped", stdout: "piped", stderr: "piped" })
      .spawn();
    const writer = jq.stdin.getWriter();
    await writer.write(new TextEncoder().encode(weft.stdout));
    await writer.close();
    const out = await jq.output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const lines = new TextDecoder().decode(out.stdout).trim().split("\n").map((line) => JSON.parse(line));
    assert.equal(lines.length, agents.length);
    assert.match(weft.stderr, /weft listening on/);
  },
});
