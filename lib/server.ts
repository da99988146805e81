/**
 * The main thread: listen, start the pool, accept connections and pin each
 * to a worker, then drain on abort. Moving a socket's bytes is its
 * `ClientSocket`'s work; protocol state lives in the workers.
 *
 * Connections are accepted only once every worker is ready: until then they
 * wait in the listen backlog, and if a worker cannot start they are refused
 * when the listener closes, never held open.
 *
 * Shutdown: the listener closes (new connections are refused), every worker
 * is told to finish what is in flight and close idle connections; when no
 * connection is left, or after the drain timeout (the rest are then cut off),
 * the workers end and `finished` resolves — or rejects, when the pool failed
 * (a worker stuck in JavaScript) and the process should be restarted.
 *
 * @module
 */

import { AccessLogWriter } from "./access_log_writer.ts";
import { appWorkerEntry } from "./app/app.ts";
import { ClientSocket, type SocketOwner } from "./client_socket.ts";
import { refuse } from "./refuse.ts";
import { type DevChange, type DevWatcher, devWatcher } from "./dev/watch.ts";
import type { ServeOptions } from "./config/options.ts";
import { resolveConfig, type ServerConfig } from "./config/resolve.ts";
import { loadRules, type Rules } from "./config/rules.ts";
import { listen } from "./listen.ts";
import { formatMetrics } from "./metrics.ts";
import type { WorkerLoad } from "./pool/balance.ts";
import { ToPool, ToWorker } from "./pool/frame_types.ts";
import type { Forwarded } from "./pool/pool_worker.ts";
import { WorkerLoadError, WorkerPool } from "./pool/pool.ts";
import type { Server } from "./server_interface.ts";
import { waitAtMost } from "./wait_at_most.ts";

export type { Server };

/** At shutdown, how long the access log may take to drain (ms). */
const LOG_DRAIN_WAIT = 1000;
const encoder = new TextEncoder();
/** How often stalled writes are looked for (ms). */
const SEND_CHECK_INTERVAL = 1000;
/** After a failed accept (out of file descriptors, say), how long to wait before the next (ms). */
const ACCEPT_RETRY = 50;

/**
 * Starts serving. Throws at once if an option is wrong, the address cannot
 * be bound or the root is not a readable folder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serve } from "./server.ts";
 * const controller = new AbortController();
 * const server = serve({ port: 0, workers: 1, signal: controller.signal });
 * await server.ready;
 * const res = await fetch(`http://127.0.0.1:${(server.addr as Deno.NetAddr).port}/`);
 * assert.equal(res.status, 200);
 * await res.body?.cancel();
 * controller.abort();
 * await server.finished;
 * ```
 */
export function serve(options: ServeOptions = {}): Server {
  const config = resolveConfig(options);
  const { listener, secure } = listen(options);
  return new RunningServer(config, listener, secure, options.signal);
}

/** The main thread's state: sockets by connection id, the pool, the access log. */
class RunningServer implements Server, SocketOwner {
  readonly addr: Deno.NetAddr | Deno.UnixAddr;
  readonly secure: boolean;
  readonly workers: number;
  readonly ready: Promise<void>;
  readonly addedFields: readonly [string, string][];
  readonly regionsWithin: string | null;
  readonly #config: ServerConfig;
  /** The rules the next workers get: read at start, and again on each reload. */
  #rules: Rules;
  readonly #listener: Deno.Listener;
  readonly #sockets = new Map<number, ClientSocket>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #accessLog = new AccessLogWriter(Deno.stdout, Deno.stderr);
  readonly #pool: WorkerPool;
  readonly #accepting: Promise<void>;
  readonly #sendCheck: ReturnType<typeof setInterval>;
  readonly #finished = Promise.withResolvers<void>();
  #nextId = 1;
  #draining = false;
  /** Why the server stopped by itself, if it did. */
  #failure: Error | null = null;
  #onEmpty: (() => void) | null = null;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = () => void this.shutdown();
  /** What `--dev` watches. */
  #watcher: DevWatcher | null = null;

  constructor(config: ServerConfig, listener: Deno.Listener, secure: boolean, signal?: AbortSignal) {
    this.#config = config;
    this.#rules = config.worker.rules;
    this.addedFields = config.worker.headers;
    this.regionsWithin = config.worker.files.followSymlinks ? null : config.worker.root;
    this.#listener = listener;
    this.addr = listener.addr as Deno.NetAddr | Deno.UnixAddr;
    this.secure = secure;
    this.workers = config.workers;
    const workerModule = new URL("../workers/http_worker.ts", import.meta.url);
    const { app, timeouts } = config.worker;
    this.#pool = new WorkerPool({
      size: config.workers,
      url: app === null ? workerModule : appWorkerEntry(workerModule, app),
      init: () => ({ ...config.worker, secure, rules: this.#rules }),
      unresponsiveAfter: timeouts.handler + 1000,
      onFrame: (type, id, payload) => this.#onFrame(type, id, payload),
      onWorkerLost: (ids) => this.#onWorkerLost(ids),
      onFailure: (error) => this.#onFailure(error),
      drainTimeout: config.drainTimeout,
      loadTimeout: config.loadTimeout,
    });
    this.#sendCheck = setInterval(() => {
      const now = Date.now();
      for (const socket of this.#sockets.values()) {
        if (socket.isStalled(now, config.sendTimeout)) socket.lost();
      }
    }, Math.min(SEND_CHECK_INTERVAL, config.sendTimeout));
    this.#accepting = this.#pool.ready.then(() => this.#acceptLoop(), () => {});
    // The worker's own module failed to load (a missing permission, say): say so in one line.
    this.ready = this.#pool.ready.catch((e) => {
      throw e instanceof WorkerLoadError
        ? new Error(`cannot start the workers: ${e.message.split("\n")[0]}`)
        : e;
    });
    this.ready.catch(() => this.shutdown());
    // A failure is printed when it happens: a caller that never awaits `finished` must not crash on it.
    this.#finished.promise.catch(() => {});
    this.#signal = signal;
    if (config.worker.dev) this.#watcher = devWatcher(config, (change) => this.#devChanged(change));
    if (signal?.aborted) void this.shutdown();
    else signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  get finished(): Promise<void> {
    return this.#finished.promise;
  }

  shutdown(): Promise<void> {
    if (!this.#draining) {
      this.#draining = true;
      this.#watcher?.close();
      this.#drain().then(
        () => this.#failure === null ? this.#finished.resolve() : this.#finished.reject(this.#failure),
        this.#finished.reject,
      );
    }
    return this.#finished.promise;
  }

  toWorker(type: ToWorker, id: number, payload?: Uint8Array): void {
    this.#pool.send(type, id, payload);
  }

  giveBack(id: number, buffer: ArrayBuffer): void {
    this.#pool.giveBack(id, buffer);
  }

  loadOf(id: number): WorkerLoad | undefined {
    return this.#pool.loadOf(id);
  }

  moveAway(id: number): (() => boolean) | null {
    // A draining server's workers close what is idle: a connection does not move to be kept open.
    return this.#draining ? null : this.#pool.moveAway(id);
  }

  track(task: Promise<void>): void {
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
  }

  closed(socket: ClientSocket): void {
    this.#sockets.delete(socket.id);
    this.#pool.release(socket.id);
    if (this.#sockets.size === 0) this.#onEmpty?.();
  }

  #onFrame(type: Forwarded, id: number, payload: Uint8Array): void {
    if (type === ToPool.Log) return this.#accessLog.add(payload.slice());
    if (type === ToPool.Metrics) return this.track(this.#sendMetrics(id));
    this.#sockets.get(id)?.receive(type, payload);
  }

  /** A worker ended or went silent: each of its connections gets a 503, or moves on, or closes. */
  reload(): Promise<void> {
    if (this.#draining) return Promise.reject(new Error("the server is shutting down"));
    try {
      this.#rules = loadRules(this.#config.rulesFrom);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#pool.reload((ids) => {
      // A shutdown that began meanwhile closes them where they are.
      if (this.#draining) return;
      for (const id of ids) this.#sockets.get(id)?.moveWhenIdle(() => this.#pool.reassign(id));
    });
  }

  /** `--dev`: pages hear of changed files; a changed app is reloaded first (its old workers' pages reload then). */
  #devChanged(change: DevChange): void {
    const tell = (cssOnly: boolean) =>
      this.#pool.broadcast(ToWorker.Changed, encoder.encode(JSON.stringify({ cssOnly })));
    if (!change.app) return tell(change.cssOnly);
    this.reload().then(
      () => tell(false),
      (e) =>
        console.error(
          `weft: the changed app did not load, the old one serves on: ${e instanceof Error ? e.message : e}`,
        ),
    );
  }

  #onWorkerLost(ids: number[]): void {
    for (const id of ids) this.#sockets.get(id)?.workerLost(() => this.#pool.assign(id));
  }

  /** The pool cannot go on: say why in one line, and stop (`finished` rejects with it). */
  #onFailure(error: Error): void {
    console.error(
      `weft: ${error.message}: it takes no more connections and exits once what is in flight is done`,
    );
    this.#failure ??= error;
    void this.shutdown();
  }

  /** Gathers the metrics and hands the page to the worker that asked for it. */
  async #sendMetrics(id: number): Promise<void> {
    const counters = await this.#pool.counters();
    let [queueDepth, writeQueueBytes, fileRegionBytes] = [0, 0, 0];
    for (const socket of this.#sockets.values()) {
      if (socket.isUnanswered) queueDepth++;
      writeQueueBytes += socket.queued.bytes;
      fileRegionBytes += socket.queued.fileBytes;
    }
    const connections = this.#sockets.size;
    const page = formatMetrics({ ...counters, queueDepth, connections, writeQueueBytes, fileRegionBytes });
    this.#pool.send(ToWorker.MetricsPage, id, new TextEncoder().encode(page));
  }

  async #acceptLoop(): Promise<void> {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (e) {
        if (this.#draining || e instanceof Deno.errors.BadResource) return;
        console.error("weft: accept failed:", e instanceof Error ? e.message : e);
        await new Promise((resolve) => setTimeout(resolve, ACCEPT_RETRY));
        continue;
      }
      if (this.#sockets.size >= this.#config.maxConnections) {
        this.track(refuse(conn, this.addedFields));
        continue;
      }
      const id = this.#nextId++;
      if (!this.#pool.assign(id)) {
        this.track(refuse(conn, this.addedFields));
        continue;
      }
      const socket = new ClientSocket(id, conn, this);
      this.#sockets.set(id, socket);
      socket.start();
    }
  }

  async #drain(): Promise<void> {
    this.#signal?.removeEventListener("abort", this.#onAbort);
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    await this.#accepting;
    this.#pool.broadcast(ToWorker.Shutdown);
    if (this.#sockets.size > 0) {
      const empty = new Promise<void>((resolve) => (this.#onEmpty = resolve));
      await waitAtMost(empty, this.#config.drainTimeout);
    }
    clearInterval(this.#sendCheck);
    for (const socket of [...this.#sockets.values()]) socket.close();
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
    this.#pool.terminate();
    // Give the access log a moment to drain, but never wait on a blocked stdout.
    await waitAtMost(this.#accessLog.flushed(), LOG_DRAIN_WAIT);
  }
}
