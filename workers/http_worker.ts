/**
 * A pool worker: owns the protocol state of the connections pinned to it,
 * answers their requests with the user's app and/or the file server, and
 * sends the response bytes back to the main thread, batched per turn like the
 * frames that came in.
 *
 * Per connection, `drive` runs the protocol events synchronously; an exchange
 * (one request and its response) runs on its own, fed the request body
 * through a stream, and resumes `drive` when its response has ended.
 *
 * @module
 */

/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />

import { formatAccessLine, type LogFormat } from "../lib/access_log.ts";
import { type App, loadApp, type ServeInfo } from "../lib/app/app.ts";
import { replyFrom } from "../lib/app/reply.ts";
import { buildRequest } from "../lib/app/request.ts";
import { FileServer } from "../lib/files/file_server.ts";
import { type RequestEvent, ServerConnection } from "../lib/http/connection.ts";
import { HttpParseError } from "../lib/http/errors.ts";
import { DEFAULT_LIMITS, type ParserLimits } from "../lib/http/limits.ts";
import { fieldMap } from "../lib/http/request_head.ts";
import {
  decodePeerAddress,
  FrameType,
  FrameWriter,
  readFrames,
  TAKEN_FROM,
  type WorkerCounters,
  type WorkerInit,
} from "../lib/pool/wire.ts";
import { METRICS_CONTENT_TYPE } from "../lib/metrics.ts";
import { forwardedClient } from "../lib/http/forwarded.ts";
import { type FileSlice, type Reply, textReply } from "../lib/reply.ts";

/** Unparsed bytes per connection above which the main thread stops reading it. */
const PAUSE_ABOVE = 64 * 1024;
/** File bytes read per step of a streamed body (at most; never more than the window). */
const STREAM_CHUNK = 128 * 1024;
/**
 * Unwritten streamed bytes a connection may have: the window starts small and
 * grows by what the client has taken, so a slow reader pins little memory and
 * a fast one soon moves large chunks. Up to `BASE_WINDOW` every connection may
 * have; beyond it, up to `FAST_WINDOW`, only while the worker's connections
 * together have less than `STREAM_BUDGET` unwritten. So a thousand slow
 * readers pin at most their base windows plus the budget, and a few fast ones
 * move a megabyte per round trip.
 */
const INITIAL_WINDOW = 64 * 1024;
const BASE_WINDOW = 256 * 1024;
const FAST_WINDOW = 1024 * 1024;
const STREAM_BUDGET = 16 * 1024 * 1024;
/** Payloads from this size on leave in a message of their own. */
const SOLO_PAYLOAD = 32 * 1024;
/** How often deadlines are checked: one timer per worker, not one per connection. */
const TIMEOUT_TICK = 250;

/** The request body as the app reads it: one chunk per read, so the client is read only as fast as the app. */
class BodySink {
  readonly stream: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  /** Nothing more goes into the stream (ended, failed, cancelled, or the exchange is over). */
  closed = false;

  constructor(onPull: () => void) {
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => void (this.#controller = controller),
      pull: onPull,
      cancel: () => {
        this.closed = true;
        onPull();
      },
    }, { highWaterMark: 0 });
  }

  /** Queues a copy of `data`; false when the app has not asked for more. */
  push(data: Uint8Array): boolean {
    if (this.closed) return true;
    this.#controller.enqueue(data.slice());
    return (this.#controller.desiredSize ?? 0) > 0;
  }

  end(): void {
    if (!this.closed) this.#controller.close();
    this.closed = true;
  }

  fail(reason: unknown): void {
    if (!this.closed) this.#controller.error(reason);
    this.closed = true;
  }
}

interface Exchange {
  abort: AbortController;
  sink: BodySink | null;
  completed: PromiseWithResolvers<void>;
  started: number;
  /** The response head has been handed over. */
  responded: boolean;
  /** For the access log: the status sent and the body bytes handed over. */
  status: number;
  bytes: number;
}

interface Peer {
  id: number;
  http: ServerConnection;
  remoteAddr: Deno.NetAddr | Deno.UnixAddr;
  paused: boolean;
  gone: boolean;
  exchange: Exchange | null;
  /** The body stream holds a chunk the app has not read: wait for its next read. */
  sinkFull: boolean;
  /** Sizes of the `WriteAck` frames not yet answered by `Written`, oldest first, and their sum. */
  inFlight: number[];
  inFlightBytes: number;
  window: number;
  onWritten: (() => void) | null;
  /** What the connection waits for from the client, and until when (ms since the epoch). */
  waitingFor: "idle" | "head" | "body" | null;
  deadline: number;
  /** A response has been sent on this connection. */
  served: boolean;
}

const peers = new Map<number, Peer>();
/** Unwritten streamed bytes of all this worker's connections. */
let streamedInFlight = 0;
const out = new FrameWriter();
let flushQueued = false;
let files: FileServer | null = null;
let app: App | null = null;
let limits: ParserLimits = DEFAULT_LIMITS;
let init: WorkerInit;
/** Responses by status and body bytes, reported with each pong. */
const counted: WorkerCounters = { responses: {}, bytes: 0, inFlight: 0 };
/** Connections waiting for the metrics page from the main thread. */
const metricsWaiting = new Map<number, (page: string | null) => void>();
const encoder = new TextEncoder();
const decoder = new TextDecoder();
let exchanges = 0;
let shuttingDown = false;

function flush(): void {
  flushQueued = false;
  const buffer = out.take();
  if (buffer !== null) self.postMessage(buffer, [buffer]);
}

function emit(type: FrameType, id: number, payload?: Uint8Array): void {
  if (payload !== undefined && payload.length === 0) return;
  if (payload !== undefined && payload.length >= SOLO_PAYLOAD) {
    // A large chunk travels in a buffer of its own: on the main thread it may
    // wait for a slow client, and it should not keep other frames alive.
    flush();
    out.push(type, id, payload);
    flush();
    return;
  }
  out.push(type, id, payload);
  if (!flushQueued) {
    flushQueued = true;
    queueMicrotask(flush);
  }
}

/** The server ends the connection: forget it and tell the main thread to close it once written. */
function close(peer: Peer): void {
  if (peer.gone) return;
  forget(peer, "the connection was closed");
  emit(FrameType.Close, peer.id);
}

/**
 * The connection is over, whichever end closed it: drop it, stop counting
 * what it had unwritten, and release everything that waits on it (its
 * handler's signal, body stream, acknowledgements and metrics request).
 */
function forget(peer: Peer, why: string): void {
  peer.gone = true;
  peers.delete(peer.id);
  streamedInFlight -= peer.inFlightBytes;
  peer.inFlightBytes = 0;
  peer.inFlight.length = 0;
  metricsWaiting.get(peer.id)?.(null);
  peer.exchange?.abort.abort();
  peer.exchange?.sink?.fail(new Error(why));
  peer.onWritten?.();
}

function onFrame(type: FrameType, id: number, payload: Uint8Array): void {
  if (type === FrameType.Ping) {
    counted.inFlight = exchanges;
    return emit(FrameType.Pong, 0, encoder.encode(JSON.stringify(counted)));
  }
  if (type === FrameType.Shutdown) {
    shuttingDown = true;
    for (const peer of peers.values()) {
      peer.exchange?.abort.abort();
      if (peer.http.closeAfterResponse() && peer.exchange === null) close(peer);
    }
    return;
  }
  if (type === FrameType.Open) {
    const http = new ServerConnection({ limits });
    if (shuttingDown) http.closeAfterResponse();
    peers.set(id, {
      id,
      http,
      remoteAddr: decodePeerAddress(payload),
      paused: false,
      gone: false,
      exchange: null,
      sinkFull: false,
      inFlight: [],
      inFlightBytes: 0,
      window: INITIAL_WINDOW,
      onWritten: null,
      // The first request gets the header timeout from the moment of connecting.
      waitingFor: "idle",
      deadline: Date.now() + init.timeouts.header,
      served: false,
    });
    return;
  }
  const peer = peers.get(id);
  if (peer === undefined) return;
  switch (type) {
    case FrameType.Data:
      peer.http.receive(payload);
      if (payload.length >= TAKEN_FROM) emit(FrameType.Taken, id);
      if (!peer.paused && peer.http.bufferedBytes > PAUSE_ABOVE) {
        peer.paused = true;
        emit(FrameType.Pause, id);
      }
      return drive(peer);
    case FrameType.Eof:
      peer.http.receiveEof();
      return drive(peer);
    case FrameType.MetricsPage:
      metricsWaiting.get(id)?.(decoder.decode(payload));
      return;
    case FrameType.Gone:
      return forget(peer, "the client went away");
    case FrameType.Written: {
      const written = peer.inFlight.shift() ?? 0;
      peer.inFlightBytes -= written;
      streamedInFlight -= written;
      peer.window = Math.min(FAST_WINDOW, peer.window + written);
      peer.onWritten?.();
      return;
    }
  }
}

/**
 * Runs a connection's protocol events until it needs bytes or must wait:
 * starts exchanges, feeds their bodies, and answers protocol errors.
 */
function drive(peer: Peer): void {
  try {
    for (;;) {
      if (peer.gone || peer.sinkFull) return;
      const event = peer.http.nextEvent();
      switch (event.type) {
        case "need-data":
          awaitClient(peer);
          if (peer.paused) {
            peer.paused = false;
            emit(FrameType.Resume, peer.id);
          }
          return;
        case "closed":
          if (peer.exchange === null) close(peer);
          return;
        case "paused":
          return;
        case "request":
          startExchange(peer, event);
          break;
        case "data": {
          const sink = peer.exchange?.sink;
          if (sink && !sink.push(event.data)) peer.sinkFull = true;
          break;
        }
        case "end":
          peer.exchange?.sink?.end();
          break;
      }
    }
  } catch (e) {
    if (!(e instanceof HttpParseError)) throw e;
    peer.exchange?.sink?.fail(e);
    if (e.code !== "TRUNCATED") emit(FrameType.Write, peer.id, peer.http.respondToError(e.status, e.message));
    close(peer);
  }
}

/** The app read from the body stream (or cancelled it): send `100 Continue` if due, and feed it. */
function onBodyPull(peer: Peer): void {
  if (peer.gone) return;
  const proceed = peer.http.continueBytes();
  if (proceed !== null) emit(FrameType.Write, peer.id, proceed);
  peer.sinkFull = false;
  drive(peer);
}

/**
 * Sets the deadline for what the connection now waits for: the rest of a
 * head counts from its first byte, an idle spell from the last response, a
 * body from its last byte.
 */
function awaitClient(peer: Peer): void {
  const phase = peer.http.phase;
  const now = Date.now();
  if (phase === "body") {
    peer.waitingFor = "body";
    peer.deadline = now + init.timeouts.body;
  } else if ((phase === "idle" || phase === "head") && peer.waitingFor !== phase) {
    // A first request's head keeps the deadline that started when the connection opened.
    if (!(phase === "head" && peer.waitingFor === "idle" && !peer.served)) {
      peer.deadline = now + (phase === "idle" ? init.timeouts.idle : init.timeouts.header);
    }
    peer.waitingFor = phase;
  }
}

/**
 * Ends connections whose client took too long (408 if a request was under
 * way), and answers 503 for handlers that have not started a response in
 * time, aborting their signal. (A handler that blocks the worker outright is
 * the main thread's to catch: this tick cannot run then.)
 */
function expireDeadlines(): void {
  const now = Date.now();
  for (const peer of peers.values()) {
    const exchange = peer.exchange;
    if (exchange !== null && !exchange.responded && now - exchange.started > init.timeouts.handler) {
      exchange.abort.abort();
      exchange.sink?.fail(new Error("the handler took too long"));
      emit(FrameType.Write, peer.id, peer.http.respondToError(503, "The handler took too long to answer"));
      close(peer);
      continue;
    }
    if (peer.waitingFor === null || now < peer.deadline) continue;
    if (peer.waitingFor !== "idle") {
      peer.exchange?.sink?.fail(new Error("the request body stopped arriving"));
      emit(FrameType.Write, peer.id, peer.http.respondToError(408, "The request took too long to arrive"));
    }
    close(peer);
  }
}

function startExchange(peer: Peer, request: RequestEvent): void {
  peer.waitingFor = null;
  // A health check is answered even at capacity: it asks whether the worker lives, not whether it is idle.
  if (exchanges >= init.maxExchanges && request.target.path !== init.health) {
    emit(
      FrameType.Write,
      peer.id,
      peer.http.respondToError(503, "The server is at capacity, try again shortly", [["Retry-After", "1"]]),
    );
    return close(peer);
  }
  exchanges++;
  const exchange: Exchange = {
    abort: new AbortController(),
    // Only an app reads bodies; for the file server they are read and dropped.
    sink: request.body === 0 || app === null ? null : new BodySink(() => onBodyPull(peer)),
    completed: Promise.withResolvers<void>(),
    started: Date.now(),
    responded: false,
    status: 0,
    bytes: 0,
  };
  if (shuttingDown) exchange.abort.abort();
  peer.exchange = exchange;
  void runExchange(peer, request, exchange);
}

async function runExchange(peer: Peer, request: RequestEvent, exchange: Exchange): Promise<void> {
  let reply: Reply | null = null;
  try {
    reply = await makeReply(peer, request, exchange);
    await sendReply(peer, reply, exchange);
  } catch (e) {
    if (!peer.gone) {
      console.error("weft: request failed:", e);
      if (!exchange.responded) exchange.status = 500;
      emit(FrameType.Write, peer.id, peer.http.respondToError(500, "The server failed to answer"));
    }
  } finally {
    // 499: the client left before an answer.
    exchange.status ||= 499;
    if (init.log !== null) logExchange(peer, request, exchange, init.log);
    counted.responses[exchange.status] = (counted.responses[exchange.status] ?? 0) + 1;
    counted.bytes += exchange.bytes;
    for (const file of reply?.files ?? []) file.close();
    // A body the handler did not read is read and dropped from here on.
    if (exchange.sink !== null) exchange.sink.closed = true;
    exchange.completed.resolve();
    exchanges--;
    if (peer.exchange === exchange) peer.exchange = null;
    peer.sinkFull = false;
    peer.served = true;
    if (!peer.gone) {
      if (peer.http.mustClose) close(peer);
      else drive(peer);
    }
  }
}

async function makeReply(peer: Peer, request: RequestEvent, exchange: Exchange): Promise<Reply> {
  const { method } = request.head;
  const path = request.target.path;
  if (path === init.health || path === init.metrics) {
    if (method !== "GET" && method !== "HEAD") {
      return textReply(405, `${method} is not served here`, [["Allow", "GET, HEAD"]]);
    }
    if (path === init.health) return ownReply(200, "text/plain; charset=utf-8", "ok\n");
    const page = await metricsPage(peer.id);
    return page === null
      ? textReply(503, "The metrics are not available")
      : ownReply(200, METRICS_CONTENT_TYPE, page);
  }
  const fromFiles = () =>
    files!.respond({ method, target: request.target, headers: fieldMap(request.head.headers) });
  if (app === null) return await fromFiles();
  let req: Request;
  try {
    req = buildRequest(
      request.head,
      request.target,
      exchange.sink?.stream ?? null,
      exchange.abort.signal,
      init.secure ? "https" : "http",
    );
  } catch (e) {
    return textReply(
      /method/i.test(String(e)) ? 405 : 400,
      e instanceof Error ? e.message : String(e),
    );
  }
  const info: ServeInfo = {
    remoteAddr: peer.remoteAddr,
    signal: exchange.abort.signal,
    completed: exchange.completed.promise,
  };
  const response = await app.fetch(req, info);
  if (!(response instanceof Response)) {
    throw new TypeError(
      `the app's fetch returned ${Object.prototype.toString.call(response)}, not a Response`,
    );
  }
  // Only Deno.upgradeWebSocket makes a 1xx Response, and it needs Deno's own HTTP server.
  if (response.status < 200) {
    throw new TypeError(
      `the app answered ${response.status}: weft does not upgrade connections (WebSocket apps need deno serve)`,
    );
  }
  const reply = await replyFrom(response, method);
  if (reply.status !== 404 || files === null) return reply;
  // The app has nothing here: a file may. If there is none either, the app's own 404 stands.
  const file = await fromFiles();
  if (file.status === 404) {
    for (const f of file.files) f.close();
    return reply;
  }
  for (const part of reply.body) if (part instanceof ReadableStream) await part.cancel();
  return file;
}

/** Sends an access log line for an exchange to the main thread. */
function logExchange(peer: Peer, request: RequestEvent, exchange: Exchange, format: LogFormat): void {
  const field = (name: string) => request.head.headers.find(([n]) => n === name)?.[1];
  const forwarded = init.trustProxy ? forwardedClient(request.head.headers) : null;
  const line = formatAccessLine(format, {
    remote: forwarded ?? ("hostname" in peer.remoteAddr ? peer.remoteAddr.hostname : "-"),
    method: request.head.method,
    target: request.head.target,
    version: `HTTP/1.${request.head.minorVersion}`,
    status: exchange.status,
    bytes: exchange.bytes,
    referer: field("referer"),
    userAgent: field("user-agent"),
    start: exchange.started,
    duration: Date.now() - exchange.started,
  });
  emit(FrameType.Log, 0, encoder.encode(line + "\n"));
}

/** A reply of weft's own (health, metrics): fixed text, never stored by caches. */
function ownReply(status: number, contentType: string, text: string): Reply {
  const body = encoder.encode(text);
  return {
    status,
    headers: [["Content-Type", contentType], ["Cache-Control", "no-store"]],
    body: [body],
    contentLength: body.length,
    files: [],
  };
}

/** Asks the main thread for the metrics page; `null` if the connection goes first. */
function metricsPage(id: number): Promise<string | null> {
  const { promise, resolve } = Promise.withResolvers<string | null>();
  metricsWaiting.set(id, (page) => {
    metricsWaiting.delete(id);
    resolve(page);
  });
  emit(FrameType.Metrics, id);
  return promise;
}

async function sendReply(peer: Peer, reply: Reply, exchange: Exchange): Promise<void> {
  if (peer.gone) return;
  exchange.responded = true;
  exchange.status = reply.status;
  if (peer.http.method !== "HEAD") exchange.bytes = reply.contentLength ?? 0;
  emit(
    FrameType.Write,
    peer.id,
    peer.http.respond({
      status: reply.status,
      reason: reply.reason,
      headers: reply.headers,
      contentLength: reply.contentLength,
    }),
  );
  for (const part of reply.body) {
    // Small parts are emitted without an await, so a typical response (head,
    // body, end) leaves in the same batch as its head; so are parts the reply
    // owns, however large (see `Reply.sharedBody`).
    if (part instanceof Uint8Array && (part.length < SOLO_PAYLOAD || !reply.sharedBody)) {
      emit(FrameType.Write, peer.id, peer.http.sendBody(part));
    } else if (part instanceof Uint8Array) await sendBytes(peer, part);
    else if (part instanceof ReadableStream) await sendStream(peer, part);
    else await sendSlice(peer, part);
    if (peer.gone) return;
  }
  emit(FrameType.Write, peer.id, peer.http.endResponse());
  emit(FrameType.End, peer.id);
}

/** How much a connection may have unwritten now: past the base window only while the budget lasts. */
function windowOf(peer: Peer): number {
  return streamedInFlight < STREAM_BUDGET ? peer.window : Math.min(peer.window, BASE_WINDOW);
}

/** Sends a piece of body as a `WriteAck`, then waits while the window is full. */
async function sendAcked(peer: Peer, data: Uint8Array): Promise<void> {
  const framed = peer.http.sendBody(data);
  peer.inFlight.push(framed.length);
  peer.inFlightBytes += framed.length;
  streamedInFlight += framed.length;
  emit(FrameType.WriteAck, peer.id, framed);
  while (peer.inFlightBytes >= windowOf(peer) && !peer.gone) {
    await new Promise<void>((resolve) => (peer.onWritten = resolve));
    peer.onWritten = null;
  }
}

/** Sends large bytes from memory through the window, like a file. */
async function sendBytes(peer: Peer, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length && !peer.gone;) {
    const n = Math.min(windowOf(peer), bytes.length - at);
    await sendAcked(peer, bytes.subarray(at, at + n));
    at += n;
  }
}

/**
 * Sends bytes `start` to `end` of a file in chunks as large as the window.
 * Each chunk is read into a fresh array that the frame copies, so a stream
 * waiting on a slow client holds no buffer of its own.
 */
async function sendSlice(peer: Peer, slice: FileSlice): Promise<void> {
  await slice.file.seek(slice.start, Deno.SeekMode.Start);
  for (let at = slice.start; at < slice.end && !peer.gone;) {
    const chunk = new Uint8Array(Math.min(STREAM_CHUNK, windowOf(peer), slice.end - at));
    const n = await slice.file.read(chunk);
    if (n === null) throw new Error(`file shrank while being sent (${at} of ${slice.end} bytes)`);
    at += n;
    if (!peer.gone) await sendAcked(peer, chunk.subarray(0, n));
  }
}

/** Sends what a stream yields, each chunk as it comes; a stream left unfinished is cancelled. */
async function sendStream(peer: Peer, stream: ReadableStream<Uint8Array>): Promise<void> {
  const reader = stream.getReader();
  let done = false;
  try {
    while (!peer.gone) {
      const step = await reader.read();
      if ((done = step.done)) return;
      if (peer.exchange !== null) peer.exchange.bytes += step.value.length;
      if (!peer.gone) await sendAcked(peer, step.value);
    }
  } finally {
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** Drops `undefined` fields, so they do not hide the defaults they are spread over. */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// Frames that arrive while the app is still loading wait for it.
const early: ArrayBuffer[] = [];
let started = false;
let appModule: Promise<unknown> | null = null;

/**
 * Hands the worker the import of its app's module. A worker that runs an app
 * starts from a module that imports this one and calls it (see
 * `appWorkerEntry`).
 *
 * @example
 * ```ts ignore
 * import { provideApp } from "./http_worker.ts";
 * provideApp(import("file:///srv/app.ts"));
 * ```
 */
export function provideApp(module: Promise<unknown>): void {
  // Handled when the init message asks for the app; a failure must not count as unhandled before that.
  module.catch(() => {});
  appModule = module;
}

self.onmessage = async (e: MessageEvent<ArrayBuffer | WorkerInit>) => {
  if (e.data instanceof ArrayBuffer) {
    if (started) readFrames(e.data, onFrame);
    else early.push(e.data);
    return;
  }
  init = e.data;
  limits = { ...DEFAULT_LIMITS, ...definedOnly(init.limits) };
  files = init.root === null ? null : new FileServer(init.root, init.files);
  try {
    if (init.app !== null) {
      app = await loadApp(
        appModule ?? Promise.reject(new Error("the worker was started without it")),
        init.app,
      );
    }
  } catch (error) {
    self.postMessage({ kind: "failed", message: error instanceof Error ? error.message : String(error) });
    return;
  }
  setInterval(
    expireDeadlines,
    Math.min(TIMEOUT_TICK, init.timeouts.header, init.timeouts.idle, init.timeouts.body),
  );
  started = true;
  for (const buffer of early.splice(0)) readFrames(buffer, onFrame);
  self.postMessage({ kind: "ready" });
};
