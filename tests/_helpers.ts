/**
 * Shared pieces of the integration tests: a server on a temporary folder,
 * raw-socket exchanges, and a response reader that is independent of weft's
 * own parser.
 *
 * @module
 */

import { serve, type ServeOptions, type Server } from "../mod.ts";
import { concatBytes } from "../lib/http/bytes.ts";
import type { ServerFrame, TestClient } from "../lib/http2/_test_utils.ts";

/** A server on port 0 serving a fresh temporary folder. */
export interface TestServer {
  server: Server;
  port: number;
  root: string;
  url: (path: string) => string;
  /** Aborts, waits for `finished`, removes the folder. */
  close: () => Promise<void>;
}

/** Writes `files` (path → text or bytes) into a new temporary folder. */
export async function makeRoot(files: Record<string, string | Uint8Array>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "weft-test-" });
  for (const [path, content] of Object.entries(files)) {
    const full = `${root}/${path}`;
    await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
    if (typeof content === "string") await Deno.writeTextFile(full, content);
    else await Deno.writeFile(full, content);
  }
  return root;
}

export const SITE = {
  "index.html": "<!doctype html><title>Home</title><h1>Home</h1>",
  "404.html": "<!doctype html><title>Missing</title><h1>Custom missing page</h1>",
  "a.txt": "file a\n",
  "b.txt": "file b\n",
  "c.txt": "file c\n",
  "sub/index.html": "<h1>Sub</h1>",
  "sub/data.json": '{"ok":true}',
};

/** Starts weft on a temporary copy of `files`. */
export async function startServer(
  files: Record<string, string | Uint8Array> = SITE,
  options: ServeOptions = {},
): Promise<TestServer> {
  const root = await makeRoot(files);
  const controller = new AbortController();
  const server = serve({ port: 0, root, workers: 2, ...options, signal: controller.signal });
  const port = (server.addr as Deno.NetAddr).port;
  return {
    server,
    port,
    root,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    close: async () => {
      controller.abort();
      await server.finished;
      await Deno.remove(root, { recursive: true });
    },
  };
}

/**
 * Registers a test that gets a fresh server on `files` and always closes it,
 * so a failing assertion cannot leak the server into the next test.
 */
export function serverTest(
  name: string,
  fn: (t: TestServer) => Promise<void>,
  setup: { files?: Record<string, string | Uint8Array>; options?: ServeOptions; ignore?: boolean } = {},
): void {
  Deno.test({
    name,
    ignore: setup.ignore ?? false,
    async fn() {
      const t = await startServer(setup.files, setup.options);
      try {
        await fn(t);
      } finally {
        await t.close();
      }
    },
  });
}

const enc = new TextEncoder();

/**
 * Sends `request` on a new connection and reads until the server closes it or
 * `timeoutMs` passes with nothing new. Returns the bytes as latin1 text and
 * whether the server closed.
 */
export async function exchange(
  port: number,
  request: string | Uint8Array,
  timeoutMs = 1000,
): Promise<{ text: string; closed: boolean }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await writeAll(conn, typeof request === "string" ? enc.encode(request) : request);
    return await readAll(conn, timeoutMs);
  } finally {
    conn.close();
  }
}

/** Writes all of `bytes`: one `write` may take only part of a large array. */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}

/**
 * As an HTTP/2 client (`client` keeps its HPACK state), sends `bytes` on `conn`, then reads the server's
 * frames until `done` holds for them, the server closes, or `timeoutMs` passes.
 */
export async function http2Frames(
  conn: Deno.Conn,
  client: TestClient,
  bytes: Uint8Array,
  done: (frames: ServerFrame[]) => boolean = () => false,
  timeoutMs = 3000,
): Promise<{ frames: ServerFrame[]; closed: boolean }> {
  await writeAll(conn, bytes);
  const frames: ServerFrame[] = [];
  const buffer = new Uint8Array(65536);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => timer = setTimeout(() => resolve("late"), timeoutMs));
  try {
    while (!done(frames)) {
      // A read still pending when time runs out is settled by the caller's closing the connection.
      const n = await Promise.race([conn.read(buffer).catch(() => null), late]);
      if (n === "late") break;
      if (n === null) return { frames, closed: true };
      frames.push(...client.read(buffer.slice(0, n)));
    }
    return { frames, closed: false };
  } finally {
    clearTimeout(timer);
  }
}

/** Reads from `conn` until EOF or `timeoutMs` of silence. */
export async function readAll(conn: Deno.Conn, timeoutMs = 1000): Promise<{ text: string; closed: boolean }> {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(65536);
  let closed = false;
  for (;;) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((
      resolve,
    ) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
    const n = await Promise.race([conn.read(buf).catch(() => null), timeout]);
    clearTimeout(timer);
    if (n === "timeout") {
      // Leave no read pending: closing the connection settles it.
      break;
    }
    if (n === null) {
      closed = true;
      break;
    }
    chunks.push(buf.slice(0, n));
  }
  return { text: latin1(concatBytes(chunks)), closed };
}

/** Reads exactly `count` complete responses from `conn`. */
export async function readResponses(
  conn: Deno.Conn,
  count: number,
  method = "GET",
): Promise<ParsedResponse[]> {
  let text = "";
  const buf = new Uint8Array(65536);
  for (;;) {
    const parsed = parseResponses(text, method);
    if (parsed.length >= count) return parsed.slice(0, count);
    const n = await conn.read(buf);
    if (n === null) throw new Error(`connection closed after ${parsed.length} of ${count} responses`);
    text += latin1(buf.subarray(0, n));
  }
}

/** A response read by the tests' own reader. */
export interface ParsedResponse {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/**
 * Splits latin1 `text` into complete responses, framing bodies by
 * Content-Length or chunked; stops at the first incomplete one.
 */
export function parseResponses(text: string, method = "GET"): ParsedResponse[] {
  const out: ParsedResponse[] = [];
  let at = 0;
  while (at < text.length) {
    const headEnd = text.indexOf("\r\n\r\n", at);
    if (headEnd === -1) break;
    const lines = text.slice(at, headEnd).split("\r\n");
    const status = Number(/^HTTP\/1\.[01] (\d{3}) /.exec(lines[0])?.[1]);
    if (!status) throw new Error(`bad status line: ${JSON.stringify(lines[0])}`);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
    }
    let bodyStart = headEnd + 4;
    let body = "";
    if (method === "HEAD" || status === 204 || status === 304 || status < 200) {
      // no body
    } else if (headers.get("transfer-encoding") === "chunked") {
      for (;;) {
        const lineEnd = text.indexOf("\r\n", bodyStart);
        if (lineEnd === -1) return out;
        const size = parseInt(text.slice(bodyStart, lineEnd), 16);
        if (text.length < lineEnd + 2 + size + 2) return out;
        body += text.slice(lineEnd + 2, lineEnd + 2 + size);
        bodyStart = lineEnd + 2 + size + 2;
        if (size === 0) break;
      }
    } else if (headers.has("content-length")) {
      const length = Number(headers.get("content-length"));
      if (text.length < bodyStart + length) break;
      body = text.slice(bodyStart, bodyStart + length);
      bodyStart += length;
    } else {
      body = text.slice(bodyStart);
      bodyStart = text.length;
    }
    out.push({ status, headers, body });
    at = bodyStart;
  }
  return out;
}

/** Decodes bytes one to one into a string. */
export function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return s;
}

/** `deno` arguments that run weft's command line with the permissions it needs, then `flags`. */
export function weftArgs(...flags: string[]): string[] {
  return ["run", "--allow-net", "--allow-read", new URL("../mod.ts", import.meta.url).pathname, ...flags];
}

/** A `deno` process started by {@linkcode startDeno}, up and listening. */
export interface StartedProcess {
  child: Deno.ChildProcess;
  /** The port of the first `http://…:PORT/` it printed. */
  port: number;
  /** Everything it printed so far, stdout and stderr as they came. */
  text: string;
  /** What it printed on stdout so far (weft's access log). */
  stdout: string;
  /** What it printed on stderr so far (weft's banner and notices, deno serve's banner). */
  stderr: string;
  /** Reads both streams to their end (after the process exits). */
  rest: () => Promise<void>;
  /** Sends SIGTERM (unless the process has ended) and waits for it to exit. */
  stop: () => Promise<Deno.CommandStatus>;
}

/**
 * Runs `deno ARGS` (or `command ARGS`; with `env` added to the environment, in `cwd` when given) and
 * waits until it prints a URL with a port, on either stream. Both streams are read all the
 * while, so a full pipe never blocks the process.
 */
export async function startDeno(
  args: string[],
  env: Record<string, string> = {},
  command: string = Deno.execPath(),
  cwd?: string,
): Promise<StartedProcess> {
  const child = new Deno.Command(command, {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  }).spawn();
  const started: StartedProcess = {
    child,
    port: 0,
    text: "",
    stdout: "",
    stderr: "",
    rest: () => pumping,
    stop: async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // It has exited already.
      }
      const status = await child.status;
      await pumping;
      return status;
    },
  };
  let announced: () => void;
  const address = new Promise<void>((resolve) => (announced = resolve));
  const pump = async (stream: ReadableStream<Uint8Array>, name: "stdout" | "stderr") => {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      started[name] += text;
      started.text += text;
      const port = /:(\d+)\//.exec(started.text)?.[1];
      if (port !== undefined && started.port === 0) {
        started.port = Number(port);
        announced();
      }
    }
  };
  const pumping = Promise.all([pump(child.stdout, "stdout"), pump(child.stderr, "stderr")]).then(() => {});
  await Promise.race([
    address,
    pumping.then(() => {
      if (started.port === 0) throw new Error(`deno ${args.join(" ")} printed no address: ${started.text}`);
    }),
  ]);
  return started;
}

/**
 * Whether a command-line tool runs here (`name ...args` exits 0). Tests that
 * need one skip with a note where it is missing (naming the `install` package;
 * none for `null`); `.ci/run` installs them.
 */
export async function hasTool(
  name: string,
  args: string[] = ["--version"],
  install: string | null = name,
): Promise<boolean> {
  let ran = false;
  try {
    // output() throws at once, not as a rejected promise, when the tool is missing.
    ran = (await new Deno.Command(name, { args, stdout: "null", stderr: "null" }).output()).success;
  } catch {
    ran = false;
  }
  if (!ran && install !== null) {
    console.warn(`${name} cannot run here: the tests that need it are skipped (apt-get install ${install})`);
  }
  return ran;
}

/** Runs curl (silent, errors shown, 10 s at most) and returns its exit code and output as text. */
export async function curl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command("curl", { args: ["-sS", "--max-time", "10", ...args] }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}
