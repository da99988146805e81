/**
 * One exchange's life: a request goes to the handler, its reply is sent,
 * and whatever happens the exchange ends once: logged, counted, its files
 * closed, its `completed` promise resolved, and its connection told. A
 * handler that throws gets a 500 (RFC 9110 §15.6.1) if nothing was sent yet.
 *
 * @module
 */

import type { WorkerInit } from "../lib/config/resolve.ts";
import type { Handler } from "../lib/handler.ts";
import type { RequestEvent } from "../lib/http/events.ts";
import { devErrorReply } from "../lib/dev/error_page.ts";
import type { AnsweredBy } from "../lib/pool/durations.ts";
import { SLOW_HANDLER } from "../lib/pool/balance.ts";
import { epochNow } from "../lib/pool/frames.ts";
import { type Reply, textReply } from "../lib/reply.ts";
import { accessLine } from "./access_line.ts";
import { BodySink } from "./body_sink.ts";
import { sendReply } from "./send_reply.ts";
import type { ResponseStream } from "./stream.ts";

/** What an exchange needs from its worker. */
export interface ExchangeHost {
  readonly init: WorkerInit;
  readonly handler: Handler;
  /** Graceful shutdown has begun: handlers start with their signal aborted. */
  readonly shuttingDown: boolean;
  /** An exchange began. */
  began(): void;
  /** A begun exchange gives its in-flight place back while it waits on its client (true), or takes it again. */
  parked(waiting: boolean): void;
  /** An exchange ended with this status and these body bytes, taking `took`; `logLine` when there is an access log. */
  ended(status: number, bytes: number, logLine: string | null, took: Took): void;
  /** Asks the main thread for the metrics page on behalf of `stream`'s connection. */
  metricsPage(stream: { readonly id: number }): Promise<string | null>;
  /** Why the worker takes no new work now, or `null` (for the health check). */
  unavailable(): string | null;
}

/** How long an exchange took, from its head reaching weft to its end, what answered it, and over what. */
export interface Took {
  answeredBy: AnsweredBy;
  seconds: number;
  protocol: "HTTP/1.1" | "HTTP/2";
}

/** The name `Server-Timing` gives the handler's time, by what answered. */
const HANDLER_METRIC: Record<AnsweredBy, string> = { file: "fs", app: "app", weft: "weft", error: "error" };

/** A request and its response. */
export class Exchange {
  /** The request body as the app reads it; `null` without a body or without an app (then it is read and dropped). */
  readonly sink: BodySink | null;
  readonly #stream: ResponseStream;
  readonly #request: RequestEvent;
  readonly #host: ExchangeHost;
  readonly #abort = new AbortController();
  /** Aborted when the exchange is abandoned: a response stream being sent is cancelled (deno serve does so too). */
  readonly #cancelBody = new AbortController();
  readonly #completed = Promise.withResolvers<void>();
  readonly #startedAt = Date.now();
  /** When the main thread handed over the request's head, it reached this worker, the handler began and ended. */
  readonly #sentAt: number;
  readonly #receivedAt: number;
  #handlerStart = 0;
  #handlerEnd = 0;
  #answeredBy: AnsweredBy = "error";
  /** The parts of `Server-Timing` (ms), for the JSON access log too; `null` unless `--server-timing`. */
  #timing: Record<string, number> | null = null;
  #responded = false;
  /** Counted, logged and its in-flight place given back: once, whichever way it ends. */
  #settled = false;
  #parked = false;
  /** The status sent, for the log; 499 when the client left before an answer. */
  #status = 0;
  /** How long (ms) the handler held the worker's thread before its first await, if `SLOW_HANDLER` or more. */
  heldThread = 0;
  /** Response body bytes handed over (counted by `send_reply.ts` as each piece is framed). */
  bytes = 0;
  /** The server's state when the exchange began, before it counted itself. */
  readonly #unavailable: string | null;

  /** An exchange for `request`, answered through `stream`; `run` starts it. */
  constructor(stream: ResponseStream, request: RequestEvent, host: ExchangeHost) {
    this.#stream = stream;
    this.#request = request;
    this.#host = host;
    this.#sentAt = stream.dataSentAt;
    this.#receivedAt = stream.dataReceivedAt;
    const readsBody = request.body !== 0 && host.init.app !== null;
    this.sink = readsBody ? new BodySink(() => stream.bodyPulled()) : null;
    if (host.shuttingDown) this.#abort.abort();
    this.#unavailable = host.unavailable();
    host.began();
  }

  /** Aborts when the exchange is abandoned: stop sending its body. */
  get cancelled(): AbortSignal {
    return this.#cancelBody.signal;
  }

  /** Whether the handler has had `handlerTimeout` ms and not started its response. */
  isOverdue(now: number, handlerTimeout: number): boolean {
    return !this.#responded && now - this.#startedAt > handlerTimeout;
  }

  /** The response head goes out now, with this status. */
  responding(status: number): void {
    this.#responded = true;
    this.#status = status;
  }

  /**
   * Its client keeps a window shut (HTTP/2): while it waits, its in-flight place goes to others, so streams
   * that a client never lets out cannot fill the worker (CVE-2019-9517); `false` when it may go on.
   */
  park(waiting: boolean): void {
    if (this.#parked === waiting || this.#settled) return;
    this.#parked = waiting;
    this.#host.parked(waiting);
  }

  /** Aborts the handler's signal (shutdown, or the client left). */
  abort(): void {
    this.#abort.abort();
  }

  /**
   * The exchange cannot go on (its client left, its connection closed, its
   * handler took too long): abort its signal, fail its request body and
   * cancel its response body with `why`, and give its in-flight place back
   * now, whether or not the handler ever settles. `status` is what was
   * answered, if nothing had been sent.
   */
  abandon(why: string, status = 499): void {
    const reason = new Error(why);
    this.#abort.abort(reason);
    this.#cancelBody.abort(reason);
    this.sink?.fail(reason);
    this.#settle(this.#responded ? this.#status : status);
  }

  /** Runs the handler and sends its reply. */
  async run(): Promise<void> {
    const stream = this.#stream;
    let reply: Reply | null = null;
    // Only Server-Timing needs the handler's own time; the histogram needs the whole exchange's.
    if (this.#host.init.serverTiming) this.#handlerStart = epochNow();
    try {
      const began = performance.now();
      const replying = this.#host.handler(
        { head: this.#request.head, target: this.#request.target, body: this.sink?.stream ?? null },
        {
          remoteAddr: stream.remoteAddr,
          signal: this.#abort.signal,
          completed: this.#completed.promise,
          metricsPage: () => this.#host.metricsPage(stream),
          unavailable: this.#unavailable,
        },
      );
      // Its first turn (up to its first await) held the thread: others are kept off this worker (`balance.ts`).
      const held = performance.now() - began;
      if (held >= SLOW_HANDLER) this.heldThread = held;
      reply = await replying;
      this.#handled(reply.answeredBy ?? "error");
      await sendReply(stream, reply, this);
    } catch (e) {
      if (!stream.isGone) {
        console.error("weft: request failed:", e);
        this.#handled("error");
        // RFC 9110 §15.6.1: a 500 if nothing was sent yet, and the connection goes on, as under deno
        // serve; a response that has begun can only be cut off.
        if (this.#responded) stream.cutOff();
        else {
          const failed = this.#host.init.dev
            ? devErrorReply(e)
            : textReply(500, "The server failed to answer");
          await sendReply(stream, failed, this);
        }
      }
    } finally {
      this.#settle(this.#status || 499);
      for (const file of reply?.files ?? []) file.close();
      this.sink?.detach();
      stream.exchangeEnded(this);
    }
  }

  #handled(answeredBy: AnsweredBy): void {
    if (this.#host.init.serverTiming) this.#handlerEnd ||= epochNow();
    this.#answeredBy = answeredBy;
  }

  /**
   * The `Server-Timing` value (W3C Server Timing) as the head goes out, or
   * `null` unless asked for: the hop to the worker (`queued`), the worker's
   * time before the handler (`worker`: parsing, waiting behind a pipelined
   * response), the handler's (`fs`, `app`…) and the `total` so far, in ms.
   */
  serverTiming(): string | null {
    if (!this.#host.init.serverTiming) return null;
    const end = this.#handlerEnd || epochNow();
    const timing = this.#timing = {
      queued: this.#receivedAt - this.#sentAt,
      worker: this.#handlerStart - this.#receivedAt,
      [HANDLER_METRIC[this.#answeredBy]]: end - this.#handlerStart,
      total: epochNow() - this.#sentAt,
    };
    return Object.entries(timing).map(([name, ms]) => `${name};dur=${Math.max(0, ms).toFixed(3)}`).join(", ");
  }

  /** Counts and logs the exchange, and resolves `completed`: the first time only. */
  #settle(status: number): void {
    if (this.#settled) return;
    this.park(false);
    this.#settled = true;
    this.#status = status;
    const { head } = this.#request;
    const answered = { head, status, bytes: this.bytes, startedAt: this.#startedAt, timing: this.#timing };
    const protocol = head.http2 ? "HTTP/2" : "HTTP/1.1";
    const took = {
      answeredBy: this.#answeredBy,
      seconds: (epochNow() - this.#sentAt) / 1000,
      protocol,
    } as const;
    this.#host.ended(
      status,
      this.bytes,
      accessLine(this.#host.init, this.#stream.remoteAddr, answered),
      took,
    );
    this.#completed.resolve();
  }
}
