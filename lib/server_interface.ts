/**
 * What a running server offers its caller: its address, when it is ready,
 * when it has finished, and the two things it can be asked to do (shut down,
 * reload). `serve()` in `server.ts` returns one.
 *
 * @module
 */

/** A running server. */
export interface Server {
  /** The address it listens on: a TCP address, or the unix socket's path. */
  readonly addr: Deno.NetAddr | Deno.UnixAddr;
  /** Whether it serves HTTPS. */
  readonly secure: boolean;
  /** How many workers it runs; each loads the app, so an app's module state is per worker. */
  readonly workers: number;
  /**
   * Resolves when every worker has started (and loaded the app). Rejects with
   * the load error if the app cannot be loaded; the server then shuts down.
   */
  readonly ready: Promise<void>;
  /**
   * Resolves when the server has shut down: sockets closed, workers ended.
   * Rejects, after the same drain, if the server stopped because its pool
   * failed (a worker stuck in JavaScript that Deno cannot stop, or no worker
   * able to start): a supervisor should start it again.
   */
  readonly finished: Promise<void>;
  /** Starts a graceful shutdown, as aborting the signal does; resolves with `finished`. */
  shutdown(): Promise<void>;
  /**
   * Replaces the workers one at a time, each loading the app afresh, without
   * dropping a request: a connection moves to a new worker between requests
   * (a WebSocket stays with its old worker, which ends once it closes or after
   * `drainTimeout`). Rejects, leaving the old workers that remain, if a new
   * one cannot load. SIGHUP does this on the command line.
   */
  reload(): Promise<void>;
}
