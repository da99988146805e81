/**
 * Rule: the wire's vocabulary, one table per direction, and every frame a
 * side receives has its handler in one table that must name them all (as
 * h11's `READERS`): a frame added to a direction and handled nowhere fails
 * `deno check`, and a type a side does not receive is refused, not ignored.
 *
 * - {@linkcode ToWorker}: the main thread to a worker (`workers/dispatcher.ts`
 *   handles each);
 * - {@linkcode ToSocket}: a worker to one client socket on the main thread
 *   (`lib/client_socket.ts`);
 * - {@linkcode ToPool}: a worker to the pool and the server (`pool_worker.ts`).
 *
 * This module imports nothing: both sides depend on it, it on neither.
 *
 * @module
 */

/** Frames the main thread sends a worker. */
export const ToWorker = {
  /** A connection was accepted; payload: the client's address (`encodeRemoteAddr` in `frame_payloads.ts`). */
  Open: 1,
  /** Bytes read from the connection. */
  Data: 2,
  /** The peer half-closed: no more bytes will come. */
  Eof: 3,
  /** The connection is gone (reset, closed by the server, or moved to another worker): forget it. */
  Gone: 4,
  /** `WriteAck` bytes have reached the socket; payload: how many (`encodeCount` in `frame_payloads.ts`). */
  Written: 5,
  /** Graceful shutdown: finish what is in flight, close idle connections. */
  Shutdown: 6,
  /** Are you alive? (connection id 0) */
  Ping: 7,
  /** The metrics page a worker asked for; payload: Prometheus text. */
  MetricsPage: 8,
  /** `--dev`: files changed (connection id 0); payload: JSON `{ cssOnly }` for the live-reload streams. */
  Changed: 9,
  /** A reload replaces this worker (connection id 0): end what holds a connection open that can end. */
  Leaving: 10,
  /** The file region the connection's `WriteFile` named has been written in full. */
  FileWritten: 11,
  /** TLS agreed on `h2` by ALPN (RFC 7301), before any `Data`: the connection speaks HTTP/2 from its first byte. */
  Http2: 12,
} as const;

/** Frames a worker sends about one connection: its socket on the main thread handles each. */
export const ToSocket = {
  /** Bytes to write. */
  Write: 16,
  /** Bytes to write, answered by `Written` once they are written. */
  WriteAck: 17,
  /** Close the connection after the bytes queued before this frame. */
  Close: 18,
  /** Stop reading this connection until `Resume`. */
  Pause: 19,
  /** Read this connection again. */
  Resume: 20,
  /** A response has been handed over in full; payload: the request bytes read so far (`encodeCount`). */
  End: 22,
  /** A large `Data` frame has reached its connection (one per such frame; see `flow.ts`). */
  Taken: 26,
  /**
   * The connection speaks another protocol from here on (a WebSocket): what it
   * reads is never a request to answer with 503, and it never moves to another worker.
   */
  Upgraded: 27,
  /** Write a kept body whole, answered by `Written` like `WriteAck`; payload: its key (`encodeCount`). */
  WriteKept: 29,
  /** Read a file region and write it (flow rule 10), then answer `FileWritten`; payload: `encodeRegion`. */
  WriteFile: 31,
  /** Before `End`: the answer's handler held the thread `SLOW_HANDLER` ms or more; payload: ms (`balance.ts`). */
  Slow: 32,
} as const;

/** Frames a worker sends about itself, for the pool and the server. */
export const ToPool = {
  /** The answer to `Ping` (connection id 0); payload: the worker's counters as JSON (`worker_report.ts`). */
  Pong: 23,
  /** An access log line, newline included (connection id 0). */
  Log: 24,
  /** This connection asks for the metrics page: answer with `MetricsPage`. */
  Metrics: 25,
  /** Keep this large body from the worker's file cache under the key in the id field, until `Drop` (rule 9). */
  Keep: 28,
  /** The worker no longer holds the body kept under the key in the id field: forget it. */
  Drop: 30,
} as const;

/** Every frame a worker sends. */
export const ToMain = { ...ToSocket, ...ToPool } as const;

/** A frame type the main thread sends. */
export type ToWorker = typeof ToWorker[keyof typeof ToWorker];
/** A frame type a worker sends about a connection. */
export type ToSocket = typeof ToSocket[keyof typeof ToSocket];
/** A frame type a worker sends about itself. */
export type ToPool = typeof ToPool[keyof typeof ToPool];
/** A frame type a worker sends. */
export type ToMain = typeof ToMain[keyof typeof ToMain];
/** Any frame type, either direction: what the format itself carries. */
export type FrameType = ToWorker | ToMain;

/** A side's handler for each frame of a direction, given what handles it (`target`), the id and the payload. */
export type FrameTable<Frames extends Record<string, number>, Target> = {
  readonly [Name in keyof Frames]: (target: Target, id: number, payload: Uint8Array) => void;
};

/**
 * Hands each frame to its handler in a {@linkcode FrameTable}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FrameRouter, ToPool, ToSocket } from "./frame_types.ts";
 * const seen: string[] = [];
 * const router = FrameRouter.of(ToPool, {
 *   Pong: (log: string[]) => log.push("pong"),
 *   Log: (log: string[], _id, payload) => log.push(`log ${payload.length}`),
 *   Metrics: (log: string[], id) => log.push(`metrics for ${id}`),
 *   Keep: () => {},
 *   Drop: () => {},
 * });
 * assert.equal(router.route(seen, ToPool.Metrics, 7, new Uint8Array()), true);
 * assert.equal(router.route(seen, ToSocket.Write, 7, new Uint8Array()), false); // not this table's
 * assert.deepEqual(seen, ["metrics for 7"]);
 * ```
 */
export class FrameRouter<Target> {
  readonly #byType: (((target: Target, id: number, payload: Uint8Array) => void) | undefined)[] = [];

  private constructor() {}

  /** A router over `table`, which names a handler for every frame of `frames`. */
  static of<Frames extends Record<string, number>, Target>(
    frames: Frames,
    table: FrameTable<Frames, Target>,
  ): FrameRouter<Target> {
    const router = new FrameRouter<Target>();
    for (const name of Object.keys(frames) as (keyof Frames)[]) router.#byType[frames[name]] = table[name];
    return router;
  }

  /** Runs the handler for `type` on `target`; false when the table has none (a type this side never gets). */
  route(target: Target, type: number, id: number, payload: Uint8Array): boolean {
    const handler = this.#byType[type];
    if (handler === undefined) return false;
    handler(target, id, payload);
    return true;
  }
}
