/**
 * A pool worker: owns the protocol state of the connections pinned to it,
 * answers their requests from the file server, and sends the response bytes
 * back to the main thread, batched per turn like the frames that came in.
 *
 * @module
 */

/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />

import { CLOSED, NEED_DATA, PAUSED, type RequestEvent, ServerConnection } from "../lib/http/connection.ts";
import { HttpParseError } from "../lib/http/errors.ts";
import { DEFAULT_LIMITS, type ParserLimits } from "../lib/http/limits.ts";
import { fieldMap } from "../lib/http/request_head.ts";
import { FileServer, type FileSlice } from "../lib/files/file_server.ts";
import { FrameType, FrameWriter, readFrames, type WorkerInit } from "../lib/pool/wire.ts";

/** Unparsed bytes per connection above which the main thread stops reading it. */
const PAUSE_ABOVE = 64 * 1024;
/** File bytes read per step of a streamed body (at most; never more than the window). */
const STREAM_CHUNK = 128 * 1024;
/**
 * Unwritten streamed bytes a connection may have: the window starts small and
 * grows by what the client has taken, so a slow reader pins little memory and
 * a fast one soon moves large chunks.
 */
const INITIAL_WINDOW = 64 * 1024;
const MAX_WINDOW = 256 * 1024;
/** Payloads from this size on leave in a message of their own. */
const SOLO_PAYLOAD = 32 * 1024;
/** How often deadlines are checked: one timer per worker, not one per connection. */
const TIMEOUT_TICK = 250;

interface Peer {
  id: number;
  http: ServerConnection;
  /** The event loop of this connection is running. */
  busy: boolean;
  paused: boolean;
  gone: boolean;
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
const out = new FrameWriter();
let flushQueued = false;
let files: FileServer;
let limits: ParserLimits = DEFAULT_LIMITS;
let timeouts: WorkerInit["timeouts"];
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

function close(peer: Peer): void {
  if (peer.gone) return;
  peer.gone = true;
  peers.delete(peer.id);
  emit(FrameType.Close, peer.id);
}

function onFrame(type: FrameType, id: number, payload: Uint8Array): void {
  if (type === FrameType.Shutdown) {
    shuttingDown = true;
    for (const peer of peers.values()) {
      if (peer.http.closeAfterResponse() && !peer.busy) close(peer);
    }
    return;
  }
  if (type === FrameType.Open) {
    const http = new ServerConnection({ limits });
    if (shuttingDown) http.closeAfterResponse();
    peers.set(id, {
      id,
      http,
      busy: false,
      paused: false,
      gone: false,
      inFlight: [],
      inFlightBytes: 0,
      window: INITIAL_WINDOW,
      onWritten: null,
      // The first request gets the header timeout from the moment of connecting.
      waitingFor: "idle",
      deadline: Date.now() + timeouts.header,
      served: false,
    });
    return;
  }
  const peer = peers.get(id);
  if (peer === undefined) return;
  switch (type) {
    case FrameType.Data:
      peer.http.receive(payload);
      if (!peer.paused && peer.http.bufferedBytes > PAUSE_ABOVE) {
        peer.paused = true;
        emit(FrameType.Pause, id);
      }
      break;
    case FrameType.Eof:
      peer.http.receiveEof();
      break;
    case FrameType.Gone:
      peer.gone = true;
      peers.delete(id);
      peer.onWritten?.();
      return;
    case FrameType.Written:
      {
        const written = peer.inFlight.shift() ?? 0;
        peer.inFlightBytes -= written;
        peer.window = Math.min(MAX_WINDOW, peer.window + written);
      }
      peer.onWritten?.();
      return;
  }
  if (!peer.busy) void drive(peer);
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
    peer.deadline = now + timeouts.body;
  } else if ((phase === "idle" || phase === "head") && peer.waitingFor !== phase) {
    // A first request's head keeps the deadline that started when the connection opened.
    if (!(phase === "head" && peer.waitingFor === "idle" && !peer.served)) {
      peer.deadline = now + (phase === "idle" ? timeouts.idle : timeouts.header);
    }
    peer.waitingFor = phase;
  }
}

/** Ends connections whose client took too long: 408 if a request was under way. */
function expireDeadlines(): void {
  const now = Date.now();
  for (const peer of peers.values()) {
    if (peer.busy || peer.waitingFor === null || now < peer.deadline) continue;
    if (peer.waitingFor !== "idle") {
      emit(FrameType.Write, peer.id, peer.http.respondToError(408, "The request took too long to arrive"));
    }
    close(peer);
  }
}

/** Runs a connection's events until it needs bytes, waits or closes. */
async function drive(peer: Peer): Promise<void> {
  peer.busy = true;
  try {
    for (;;) {
      if (peer.gone) return;
      const event = peer.http.nextEvent();
      if (event === NEED_DATA) {
        awaitClient(peer);
        if (peer.paused) {
          peer.paused = false;
          emit(FrameType.Resume, peer.id);
        }
        return;
      }
      if (event === CLOSED) return close(peer);
      if (event === PAUSED) return;
      // The file server reads no request body: body events are dropped.
      if (event.type === "request") {
        peer.waitingFor = null;
        await answer(peer, event);
        peer.served = true;
        if (peer.http.mustClose) return close(peer);
      }
    }
  } catch (e) {
    if (e instanceof HttpParseError) {
      if (e.code !== "TRUNCATED") {
        emit(FrameType.Write, peer.id, peer.http.respondToError(e.status, e.message));
      }
    } else {
      console.error("weft: request failed:", e);
      emit(FrameType.Write, peer.id, peer.http.respondToError(500, "The server failed to answer"));
    }
    close(peer);
  } finally {
    peer.busy = false;
  }
}

async function answer(peer: Peer, request: RequestEvent): Promise<void> {
  const res = await files.respond({
    method: request.head.method,
    target: request.target,
    headers: fieldMap(request.head.headers),
  });
  try {
    if (peer.gone) return;
    emit(
      FrameType.Write,
      peer.id,
      peer.http.respond({ status: res.status, headers: res.headers, contentLength: res.contentLength }),
    );
    for (const part of res.body) {
      if (part instanceof Uint8Array) emit(FrameType.Write, peer.id, peer.http.sendBody(part));
      else if (part instanceof ReadableStream) await sendStream(peer, part);
      else await sendSlice(peer, part);
      if (peer.gone) return;
    }
    emit(FrameType.Write, peer.id, peer.http.endResponse());
  } finally {
    for (const file of res.files) file.close();
    for (const part of res.body) {
      if (part instanceof ReadableStream && peer.gone) await part.cancel().catch(() => {});
    }
  }
}

/** Sends a piece of body as a `WriteAck`, then waits while the window is full. */
async function sendAcked(peer: Peer, data: Uint8Array): Promise<void> {
  const framed = peer.http.sendBody(data);
  peer.inFlight.push(framed.length);
  peer.inFlightBytes += framed.length;
  emit(FrameType.WriteAck, peer.id, framed);
  while (peer.inFlightBytes >= peer.window && !peer.gone) {
    await new Promise<void>((resolve) => (peer.onWritten = resolve));
    peer.onWritten = null;
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
    const chunk = new Uint8Array(Math.min(STREAM_CHUNK, peer.window, slice.end - at));
    const n = await slice.file.read(chunk);
    if (n === null) throw new Error(`file shrank while being sent (${at} of ${slice.end} bytes)`);
    at += n;
    if (!peer.gone) await sendAcked(peer, chunk.subarray(0, n));
  }
}

/** Sends what a stream yields; a stream left unfinished is cancelled, which closes its source. */
async function sendStream(peer: Peer, stream: ReadableStream<Uint8Array>): Promise<void> {
  const reader = stream.getReader();
  let done = false;
  try {
    while (!peer.gone) {
      const step = await reader.read();
      if ((done = step.done)) return;
      if (!peer.gone) await sendAcked(peer, step.value);
    }
  } finally {
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

self.onmessage = (e: MessageEvent<ArrayBuffer | WorkerInit>) => {
  if (e.data instanceof ArrayBuffer) {
    readFrames(e.data, onFrame);
    return;
  }
  limits = { ...DEFAULT_LIMITS, ...definedOnly(e.data.limits) };
  timeouts = e.data.timeouts;
  setInterval(expireDeadlines, Math.min(TIMEOUT_TICK, timeouts.header, timeouts.idle, timeouts.body));
  files = new FileServer(e.data.root, e.data.files);
};

/** Drops `undefined` fields, so they do not hide the defaults they are spread over. */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
