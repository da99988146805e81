/**
 * The main thread: accepts TCP connections, moves their bytes to the worker
 * pool and the workers' bytes back to the sockets, and drains on abort.
 *
 * It never parses HTTP. Each connection is pinned to one worker, which owns
 * its protocol state; here a connection is a socket, a write queue and two
 * flags: paused (by its worker or by a full queue) and closing.
 *
 * @module
 */

import type { LogFormat } from "./access_log.ts";
import { AccessLogWriter } from "./access_log_writer.ts";
import type { FileServerOptions } from "./files/options.ts";
import { listen, type ListenOptions } from "./listen.ts";
import { formatMetrics } from "./metrics.ts";
import { waitAtMost } from "./wait_at_most.ts";
import { appWorkerEntry } from "./app/app.ts";
import { WorkerLoadError, WorkerPool } from "./pool/pool.ts";
import { encodePeerAddress, FrameType, TAKEN_FROM } from "./pool/wire.ts";

/**
 * Limits and timeouts that keep a hostile or broken client from holding the
 * server. Sizes are in bytes, times in milliseconds.
 */
export interface ServerLimits {
  /** Longest request line; longer gets 414. @default {8192} */
  maxRequestLine?: number;
  /** Largest request head (request line and fields); larger gets 431. @default {16384} */
  maxHeaderSize?: number;
  /** Most fields in a request head; more gets 431. @default {100} */
  maxHeaderCount?: number;
  /** Largest request body, by Content-Length or chunks; larger gets 413. @default {10485760} */
  maxBodySize?: number;
  /** Open connections at most; one more gets 503 and is closed. @default {16384} */
  maxConnections?: number;
  /** Time for a request head to arrive in full, from its first byte (or from connecting); then 408. @default {20000} */
  headerTimeout?: number;
  /** Time a keep-alive connection may sit idle between requests; then it is closed. @default {30000} */
  idleTimeout?: number;
  /** Time allowed between two pieces of a request body; then 408. @default {20000} */
  bodyTimeout?: number;
  /** Time a response write may make no progress (a client that stopped reading); then the connection is dropped. @default {30000} */
  sendTimeout?: number;
  /**
   * Time a handler has to start its response; then 503 and its signal aborts.
   * A worker that cannot even answer a ping for this long (a handler stuck in
   * a loop, a worker that closed itself) is terminated and replaced.
   * @default {30000}
   */
  handlerTimeout?: number;
  /** Requests one worker handles at once; more get 503 with `Retry-After`. @default {1024} */
  maxInFlight?: number;
}

/**
 * Options for {@linkcode serve}; see also {@linkcode ListenOptions},
 * {@linkcode FileServerOptions} and {@linkcode ServerLimits}.
 */
export interface ServeOptions extends ListenOptions, FileServerOptions, ServerLimits {
  /**
   * An app module (`export default { fetch(request, info) }`, as `deno serve`
   * runs) loaded in every worker. It answers first; when it answers 404, the
   * files under `root` are tried, if a root was given.
   */
  app?: string | URL;
  /**
   * An access log line per request to stdout in this format (`common`,
   * `combined` or `json`); none when absent. The command line logs `common`
   * unless told otherwise or `--quiet`.
   */
  log?: LogFormat;
  /**
   * The peer is a proxy: log the client address it reports in `Forwarded`
   * or `X-Forwarded-For` (the last entry, the one the proxy added).
   * @default {false}
   */
  trustProxy?: boolean;
  /**
   * A path (such as `/healthz`) answered `200 ok` by the workers before the
   * app or files, and even when the in-flight limit is reached.
   */
  health?: string;
  /**
   * A path (such as `/metrics`) that serves Prometheus text: responses by
   * status, bytes, in-flight requests, queue depth, connections, worker
   * restarts.
   */
  metrics?: string;
  /** The folder to serve. @default {the `static/` folder beside mod.ts; none when an app is given} */
  root?: string;
  /** How many workers. @default {navigator.hardwareConcurrency} */
  workers?: number;
  /** Aborting it starts a graceful shutdown. */
  signal?: AbortSignal;
  /** Milliseconds to let in-flight requests finish after abort, then close the rest. @default {10000} */
  drainTimeout?: number;
}

/** A running server. */
export interface Server {
  /** The address it listens on: a TCP address, or the unix socket's path. */
  readonly addr: Deno.NetAddr | Deno.UnixAddr;
  /** Whether it serves HTTPS. */
  readonly secure: boolean;
  /**
   * Resolves when every worker has started (and loaded the app). Rejects with
   * the load error if the app cannot be loaded; the server then shuts down.
   */
  readonly ready: Promise<void>;
  /** Resolves when the server has shut down: sockets closed, workers ended. */
  readonly finished: Promise<void>;
  /** Starts a graceful shutdown, as aborting the signal does; resolves with `finished`. */
  shutdown(): Promise<void>;
}

/**
 * A connection's read buffer starts small, since most requests are a few
 * hundred bytes and idle connections should cost little, and doubles when a
 * read fills it.
 */
const READ_SIZE_FIRST = 2 * 1024;
const READ_SIZE_MAX = 64 * 1024;
/** Unwritten response bytes per connection above which it is not read. */
const MAX_QUEUED = 1024 * 1024;
/**
 * Large reads (`TAKEN_FROM` to `READ_SIZE_MAX` bytes) not yet taken in by the
 * worker, at which a connection is not read: at most 1 MiB on its way.
 */
const MAX_UNTAKEN = (1024 * 1024) / READ_SIZE_MAX;
/** Queued writes are merged up to this size into one `write`. */
const MERGE_LIMIT = 64 * 1024;
/** At shutdown, how long the access log may take to drain (ms). */
const LOG_DRAIN_WAIT = 1000;
/** How often stalled writes are looked for. */
const SEND_CHECK_INTERVAL = 1000;
/**
 * A write counts as progress once it has moved this many bytes (or finished),
 * so a client that reads a trickle (slow read) still meets the send timeout:
 * the floor is 16 KiB per sendTimeout, about 550 B/s at the default.
 */
const PROGRESS_BYTES = 16 * 1024;
/** How long the 503 for a connection past `maxConnections` may take to write (ms). */
const REFUSE_WAIT = 1000;

interface Client {
  id: number;
  conn: Deno.Conn;
  queue: { bytes: Uint8Array; ack: boolean }[];
  queuedBytes: number;
  writing: boolean;
  writeScheduled: boolean;
  /** When the write under way last made progress, and the bytes moved since. */
  lastProgress: number;
  movedSinceProgress: number;
  closing: boolean;
  closed: boolean;
  pausedByWorker: boolean;
  /** Large `Data` frames not yet answered by `Taken`. */
  untaken: number;
  wake: (() => void) | null;
  /** The peer address, sent to a worker with `Open`. */
  remote: Uint8Array;
  /** Response bytes have come since the last `End`: a response is under way. */
  responding: boolean;
  /** Bytes passed to the worker since the last `End` (or `Open`): more than 0 means a request awaits its answer. */
  sentSinceEnd: number;
}

const encoder = new TextEncoder();

/**
 * Starts serving. Throws at once if the address cannot be bound or the root
 * is not a readable folder.
 *
 * @example
 * ```ts ignore
 * import { serve } from "./server.ts";
 * const controller = new AbortController();
 * const server = serve({ port: 0, root: "./static", signal: controller.signal });
 * controller.abort();
 * await server.finished;
 * ```
 */
export function serve(options: ServeOptions = {}): Server {
  const root = options.root === undefined && options.app !== undefined ? null : resolveRoot(options.root);
  const app = options.app === undefined ? null : new URL(options.app, `file://${Deno.cwd()}/`).href;
  const workers = options.workers ?? navigator.hardwareConcurrency;
  if (!Number.isInteger(workers) || workers < 1) {
    throw new RangeError(`workers must be a whole number ≥ 1, got ${workers}`);
  }
  const drainTimeout = options.drainTimeout ?? 10_000;
  const maxConnections = options.maxConnections ?? 16384;
  const sendTimeout = options.sendTimeout ?? 30_000;
  const handlerTimeout = options.handlerTimeout ?? 30_000;
  for (const [name, path] of [["health", options.health], ["metrics", options.metrics]]) {
    if (path !== undefined && !path.startsWith("/")) {
      throw new TypeError(`${name} must be a path starting with /`);
    }
  }
  const { listener, secure } = listen(options);

  const clients = new Map<number, Client>();
  const accessLog = new AccessLogWriter(Deno.stdout);
  const tasks = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    tasks.add(p);
    p.finally(() => tasks.delete(p));
  };
  let nextId = 1;
  let draining = false;
  let onEmpty: (() => void) | null = null;

  const workerModule = new URL("../workers/http_worker.ts", import.meta.url);
  const pool = new WorkerPool({
    size: workers,
    url: app === null ? workerModule : appWorkerEntry(workerModule, app),
    init: {
      root,
      app,
      limits: {
        maxRequestLine: options.maxRequestLine,
        maxHeaderSize: options.maxHeaderSize,
        maxHeaderCount: options.maxHeaderCount,
        maxBodySize: options.maxBodySize,
      },
      timeouts: {
        header: options.headerTimeout ?? 20_000,
        idle: options.idleTimeout ?? 30_000,
        body: options.bodyTimeout ?? 20_000,
        handler: handlerTimeout,
      },
      maxExchanges: options.maxInFlight ?? 1024,
      log: options.log ?? null,
      secure,
      trustProxy: options.trustProxy ?? false,
      health: options.health ?? null,
      metrics: options.metrics ?? null,
      files: {
        cacheSeconds: options.cacheSeconds,
        compress: options.compress,
        list: options.list,
        spa: options.spa,
        cleanUrls: options.cleanUrls,
        dotfiles: options.dotfiles,
        followSymlinks: options.followSymlinks,
        cors: options.cors,
      },
    },
    unresponsiveAfter: handlerTimeout + 1000,
    onFrame(type, id, payload) {
      if (type === FrameType.Log) return accessLog.add(payload.slice());
      if (type === FrameType.Metrics) return track(sendMetrics(id));
      const c = clients.get(id);
      if (c === undefined) return;
      switch (type) {
        case FrameType.End:
          c.responding = false;
          c.sentSinceEnd = 0;
          break;
        case FrameType.Write:
        case FrameType.WriteAck:
          c.responding = true;
          // A payload is a view of the worker's batch. One that waits behind a
          // write under way (a slow client) is copied out if small, so it does not
          // pin the whole batch; the rest are merged into one write at once.
          c.queue.push({
            bytes: c.writing && payload.length * 2 < payload.buffer.byteLength ? payload.slice() : payload,
            ack: type === FrameType.WriteAck,
          });
          c.queuedBytes += payload.length;
          scheduleWrite(c);
          break;
        case FrameType.Close:
          closeWhenWritten(c);
          break;
        case FrameType.Pause:
          c.pausedByWorker = true;
          break;
        case FrameType.Resume:
          c.pausedByWorker = false;
          c.wake?.();
          break;
        case FrameType.Taken:
          if (--c.untaken < MAX_UNTAKEN) c.wake?.();
          break;
      }
    },
    onWorkerLost(ids, error) {
      console.error(`weft: a worker failed (${error}); it was replaced`);
      for (const id of ids) {
        const c = clients.get(id);
        if (c === undefined) continue;
        if (c.sentSinceEnd > 0 && !c.responding) {
          // Its request will not be answered: say so, then close.
          enqueue(c, cannedResponse(503, "The worker handling this request failed", [["Retry-After", "1"]]));
          closeWhenWritten(c);
        } else if (!c.responding && !c.closing) {
          // Between requests, nothing is lost: the connection moves to a live worker.
          c.untaken = 0;
          c.wake?.();
          pool.assign(c.id);
          pool.send(FrameType.Open, c.id, c.remote);
        } else {
          lost(c);
        }
      }
    },
  });

  /** Gathers the metrics and hands the page to the worker that asked for it. */
  async function sendMetrics(id: number): Promise<void> {
    const counters = await pool.counters();
    let queueDepth = 0;
    let writeQueueBytes = 0;
    for (const c of clients.values()) {
      if (c.sentSinceEnd > 0 && !c.responding) queueDepth++;
      writeQueueBytes += c.queuedBytes;
    }
    const page = formatMetrics({ ...counters, queueDepth, connections: clients.size, writeQueueBytes });
    pool.send(FrameType.MetricsPage, id, encoder.encode(page));
  }

  function enqueue(c: Client, bytes: Uint8Array): void {
    c.queue.push({ bytes, ack: false });
    c.queuedBytes += bytes.length;
    scheduleWrite(c);
  }

  /** Closes the connection once everything queued for it is written. */
  function closeWhenWritten(c: Client): void {
    c.closing = true;
    if (!c.writing && !c.writeScheduled) finish(c);
  }

  /**
   * Starts writing once the current batch of frames has been read, so a
   * response's head and body, and pipelined responses, leave in one write.
   */
  function scheduleWrite(c: Client): void {
    if (c.writing || c.writeScheduled) return;
    c.writeScheduled = true;
    queueMicrotask(() => {
      c.writeScheduled = false;
      if (!c.writing && !c.closed) track(writeQueued(c));
    });
  }

  /** Closes the socket and forgets the connection. */
  function finish(c: Client): void {
    if (c.closed) return;
    c.closed = true;
    clients.delete(c.id);
    pool.release(c.id);
    c.queue.length = 0;
    c.wake?.();
    closeQuietly(c.conn);
    if (clients.size === 0) onEmpty?.();
  }

  /** The socket failed: tell the worker, then close. */
  function lost(c: Client): void {
    if (c.closed) return;
    pool.send(FrameType.Gone, c.id);
    finish(c);
  }

  async function readLoop(c: Client): Promise<void> {
    let buf = new Uint8Array(READ_SIZE_FIRST);
    try {
      for (;;) {
        while (
          !c.closed && (c.pausedByWorker || c.queuedBytes > MAX_QUEUED || c.untaken >= MAX_UNTAKEN)
        ) {
          await new Promise<void>((resolve) => (c.wake = resolve));
          c.wake = null;
        }
        if (c.closed) return;
        const n = await c.conn.read(buf);
        if (c.closed) return;
        if (n === null) return pool.send(FrameType.Eof, c.id);
        c.sentSinceEnd += n;
        if (n >= TAKEN_FROM) c.untaken++;
        pool.send(FrameType.Data, c.id, buf.subarray(0, n));
        if (n === buf.length && buf.length < READ_SIZE_MAX) buf = new Uint8Array(buf.length * 2);
      }
    } catch {
      lost(c);
    }
  }

  async function writeQueued(c: Client): Promise<void> {
    c.writing = true;
    try {
      while (c.queue.length > 0 && !c.closed) {
        let acks = 0;
        let bytes = c.queue[0].bytes;
        let taken = 1;
        if (c.queue.length > 1 && bytes.length < MERGE_LIMIT) {
          let size = bytes.length;
          while (taken < c.queue.length && size + c.queue[taken].bytes.length <= MERGE_LIMIT) {
            size += c.queue[taken++].bytes.length;
          }
          if (taken > 1) {
            bytes = new Uint8Array(size);
            for (let i = 0, at = 0; i < taken; at += c.queue[i++].bytes.length) {
              bytes.set(c.queue[i].bytes, at);
            }
          }
        }
        for (const item of c.queue.splice(0, taken)) if (item.ack) acks++;
        if (c.movedSinceProgress === 0) c.lastProgress = Date.now();
        for (let at = 0; at < bytes.length;) {
          const n = await c.conn.write(bytes.subarray(at));
          at += n;
          c.movedSinceProgress += n;
          if (c.movedSinceProgress >= PROGRESS_BYTES || at === bytes.length) {
            c.lastProgress = Date.now();
            c.movedSinceProgress = 0;
          }
        }
        c.queuedBytes -= bytes.length;
        for (; acks > 0; acks--) pool.send(FrameType.Written, c.id);
        if (c.queuedBytes <= MAX_QUEUED) c.wake?.();
      }
    } catch {
      lost(c);
    } finally {
      c.writing = false;
    }
    if (c.closing) finish(c);
  }

  async function acceptLoop(): Promise<void> {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (e) {
        if (draining || e instanceof Deno.errors.BadResource) return;
        console.error("weft: accept failed:", e instanceof Error ? e.message : e);
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      if (clients.size >= maxConnections) {
        track(refuse(conn));
        continue;
      }
      // Responses leave whole in one write: Nagle's delay would only add latency.
      if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
      const c: Client = {
        id: nextId++,
        conn,
        queue: [],
        queuedBytes: 0,
        writing: false,
        writeScheduled: false,
        lastProgress: 0,
        movedSinceProgress: 0,
        closing: false,
        closed: false,
        pausedByWorker: false,
        untaken: 0,
        wake: null,
        remote: encodePeerAddress(conn.remoteAddr),
        responding: false,
        sentSinceEnd: 0,
      };
      clients.set(c.id, c);
      pool.assign(c.id);
      pool.send(FrameType.Open, c.id, c.remote);
      track(readLoop(c));
    }
  }

  /** Past `maxConnections`: a short 503 and a close, without reading. */
  async function refuse(conn: Deno.Conn): Promise<void> {
    // The write can wait for ever (a TLS client that never starts its handshake): closing ends it.
    const giveUp = setTimeout(() => closeQuietly(conn), REFUSE_WAIT);
    try {
      await conn.write(
        cannedResponse(503, "Too many connections, try again shortly", [["Retry-After", "1"]]),
      );
    } catch {
      // The client left first, or we gave up on it.
    } finally {
      clearTimeout(giveUp);
      closeQuietly(conn);
    }
  }

  // A client that stopped reading stalls its write; drop it past the send timeout.
  const sendCheck = setInterval(() => {
    const now = Date.now();
    for (const c of clients.values()) {
      if (c.writing && now - c.lastProgress > sendTimeout) lost(c);
    }
  }, Math.min(SEND_CHECK_INTERVAL, sendTimeout));

  const accepting = acceptLoop();
  const finished = Promise.withResolvers<void>();
  let started = false;

  async function drain(): Promise<void> {
    draining = true;
    options.signal?.removeEventListener("abort", shutdown);
    try {
      listener.close();
    } catch {
      // Already closed.
    }
    await accepting;
    pool.broadcast(FrameType.Shutdown);
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (clients.size > 0) {
      await new Promise<void>((resolve) => {
        onEmpty = resolve;
        timer = setTimeout(resolve, drainTimeout);
      });
    }
    clearTimeout(timer);
    clearInterval(sendCheck);
    for (const c of [...clients.values()]) finish(c);
    while (tasks.size > 0) await Promise.allSettled([...tasks]);
    pool.terminate();
    // Give the access log a moment to drain, but never wait on a blocked stdout.
    await waitAtMost(accessLog.flushed(), LOG_DRAIN_WAIT);
  }

  function shutdown(): Promise<void> {
    if (!started) {
      started = true;
      drain().then(finished.resolve, finished.reject);
    }
    return finished.promise;
  }

  if (options.signal?.aborted) void shutdown();
  else options.signal?.addEventListener("abort", shutdown, { once: true });
  // The worker's own module failed to load (a missing permission, say): say so in one line.
  const ready = pool.ready.catch((e) => {
    throw e instanceof WorkerLoadError
      ? new Error(`cannot start the workers: ${e.message.split("\n")[0]}`)
      : e;
  });
  ready.catch(() => shutdown());

  return {
    addr: listener.addr as Deno.NetAddr | Deno.UnixAddr,
    secure,
    ready,
    finished: finished.promise,
    shutdown,
  };
}

/** Closes a connection that may be closed already. */
function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Closed before: nothing to release.
  }
}

/**
 * A complete error response made on the main thread, for the few cases where
 * no worker can answer (too many connections, a failed worker).
 */
function cannedResponse(status: 503, message: string, headers: [string, string][]): Uint8Array {
  const body = `${status} Service Unavailable: ${message}\n`;
  const fields = headers.map(([name, value]) => `${name}: ${value}\r\n`).join("");
  return encoder.encode(
    `HTTP/1.1 ${status} Service Unavailable\r\nDate: ${
      new Date().toUTCString()
    }\r\nServer: weft\r\n${fields}` +
      `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function resolveRoot(root: string | undefined): string {
  const path = root ?? defaultRoot();
  let info: Deno.FileInfo;
  let real: string;
  try {
    real = Deno.realPathSync(path);
    info = Deno.statSync(real);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new Error(`root folder not found: ${path}`);
    throw e;
  }
  if (!info.isDirectory) throw new Error(`root is not a folder: ${path}`);
  return real;
}

function defaultRoot(): string {
  const url = new URL("../static/", import.meta.url);
  if (url.protocol !== "file:") throw new Error("root is required when weft runs from a remote URL");
  return decodeURIComponent(url.pathname);
}
