/**
 * The wire between the main thread and the workers: many frames packed into
 * one transferable `ArrayBuffer`, so one `postMessage` carries everything that
 * became ready in one turn of the event loop.
 *
 * Layout: the first 4 bytes hold the used length; then frames of
 * `[type u8][connection id u32][payload length u32][payload]`, little-endian.
 *
 * @module
 */

import type { LogFormat } from "../access_log.ts";
import type { FileServerOptions } from "../files/options.ts";

/** Frame types. Main → worker first, then worker → main. */
export const FrameType = {
  /** A connection was accepted; payload: the peer address ({@linkcode encodePeerAddress}). */
  Open: 1,
  /** Bytes read from the connection. */
  Data: 2,
  /** The peer half-closed: no more bytes will come. */
  Eof: 3,
  /** The connection is gone (reset, or closed by the server): forget it. */
  Gone: 4,
  /** Everything written with `WriteAck` so far has reached the socket. */
  Written: 5,
  /** Graceful shutdown: finish what is in flight, close idle connections. */
  Shutdown: 6,
  /** Are you alive? (connection id 0) */
  Ping: 7,
  /** The metrics page a worker asked for; payload: Prometheus text. */
  MetricsPage: 8,
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
  /** A response has been handed over in full (what was read before it is answered). */
  End: 22,
  /** The answer to `Ping` (connection id 0); payload: the worker's {@linkcode WorkerCounters} as JSON. */
  Pong: 23,
  /** An access log line, newline included (connection id 0). */
  Log: 24,
  /** This connection asks for the metrics page: answer with `MetricsPage`. */
  Metrics: 25,
  /** A `Data` frame of at least {@linkcode TAKEN_FROM} bytes has reached its connection (one per such frame). */
  Taken: 26,
} as const;

/** One of {@linkcode FrameType}'s values. */
export type FrameType = typeof FrameType[keyof typeof FrameType];

/**
 * `Data` frames from this size on are answered with `Taken`, so the main
 * thread can bound what is on its way to a worker: a fast upload is read from
 * the socket no faster than the worker takes it in. Requests smaller than
 * this (nearly all) cost no extra frame.
 */
export const TAKEN_FROM = 16 * 1024;

const HEADER = 9;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const MIN_CAPACITY = 16 * 1024;

/**
 * Collects frames for one destination until `take` hands them over as one
 * buffer. Payloads are copied in, so the caller may reuse its arrays at once.
 *
 * @example
 * ```ts
 * import { FrameType, FrameWriter, readFrames } from "./wire.ts";
 * const writer = new FrameWriter();
 * writer.push(FrameType.Data, 7, new TextEncoder().encode("GET"));
 * const buffer = writer.take()!;
 * readFrames(buffer, (type, id, payload) => console.log(type, id, payload.length)); // 2 7 3
 * ```
 */
export class FrameWriter {
  #bytes = new Uint8Array(MIN_CAPACITY);
  #view = new DataView(this.#bytes.buffer);
  #used = 4;

  /** Whether any frame is waiting. */
  get isEmpty(): boolean {
    return this.#used === 4;
  }

  /** Appends a frame. */
  push(type: FrameType, id: number, payload?: Uint8Array): void {
    const length = payload?.length ?? 0;
    this.#reserve(HEADER + length);
    const at = this.#used;
    this.#view.setUint8(at, type);
    this.#view.setUint32(at + 1, id, true);
    this.#view.setUint32(at + 5, length, true);
    if (payload) this.#bytes.set(payload, at + HEADER);
    this.#used = at + HEADER + length;
  }

  /** Hands over the frames as one transferable buffer, or `null` when there are none. */
  take(): ArrayBuffer | null {
    if (this.isEmpty) return null;
    this.#view.setUint32(0, this.#used, true);
    const buffer = this.#bytes.buffer;
    this.#bytes = new Uint8Array(MIN_CAPACITY);
    this.#view = new DataView(this.#bytes.buffer);
    this.#used = 4;
    return buffer;
  }

  #reserve(n: number): void {
    if (this.#used + n <= this.#bytes.length) return;
    // Double for small frames; fit a large one exactly, as a big buffer
    // lives as long as the slowest payload in it.
    const capacity = Math.max(
      this.#bytes.length * 2 >= this.#used + n ? this.#bytes.length * 2 : 0,
      this.#used + n,
    );
    const grown = new Uint8Array(capacity);
    grown.set(this.#bytes.subarray(0, this.#used));
    this.#bytes = grown;
    this.#view = new DataView(grown.buffer);
  }
}

/**
 * Calls `onFrame` for each frame in a buffer made by {@linkcode FrameWriter}.
 * Payloads are views of the buffer, which the receiver now owns.
 *
 * @example
 * ```ts
 * import { FrameType, FrameWriter, readFrames } from "./wire.ts";
 * const writer = new FrameWriter();
 * writer.push(FrameType.Close, 3);
 * readFrames(writer.take()!, (type, id) => console.log(type === FrameType.Close, id)); // true 3
 * ```
 */
export function readFrames(
  buffer: ArrayBuffer,
  onFrame: (type: FrameType, id: number, payload: Uint8Array) => void,
): void {
  const view = new DataView(buffer);
  const used = view.getUint32(0, true);
  for (let at = 4; at < used;) {
    const type = view.getUint8(at) as FrameType;
    const id = view.getUint32(at + 1, true);
    const length = view.getUint32(at + 5, true);
    onFrame(type, id, new Uint8Array(buffer, at + HEADER, length));
    at += HEADER + length;
  }
}

/**
 * The peer address as an `Open` frame carries it: `host:port` as UTF-8, or
 * `unix:path` for a unix socket.
 *
 * @example
 * ```ts
 * import { decodePeerAddress, encodePeerAddress } from "./wire.ts";
 * const bytes = encodePeerAddress({ transport: "tcp", hostname: "::1", port: 5000 });
 * console.log(decodePeerAddress(bytes)); // { transport: "tcp", hostname: "::1", port: 5000 }
 * ```
 */
export function encodePeerAddress(addr: Deno.Addr): Uint8Array {
  const text = addr.transport === "tcp" || addr.transport === "udp"
    ? `${addr.hostname}:${addr.port}`
    : `unix:${"path" in addr ? addr.path : ""}`;
  return encoder.encode(text);
}

/** Reads what {@linkcode encodePeerAddress} wrote. */
export function decodePeerAddress(bytes: Uint8Array): Deno.NetAddr | Deno.UnixAddr {
  const text = decoder.decode(bytes);
  if (text.startsWith("unix:")) return { transport: "unix", path: text.slice(5) };
  const colon = text.lastIndexOf(":");
  return { transport: "tcp", hostname: text.slice(0, colon), port: Number(text.slice(colon + 1)) };
}

/** What a worker needs to know before its first frame; sent once, as its first message. */
export interface WorkerInit {
  /** The folder to serve, as an absolute path; `null` to serve no files. */
  root: string | null;
  /** The app module's URL, or `null` for none. */
  app: string | null;
  /** How to serve it. */
  files: FileServerOptions;
  /** Parser limits that differ from `lib/http/limits.ts`'s defaults. */
  limits: {
    maxRequestLine?: number;
    maxHeaderSize?: number;
    maxHeaderCount?: number;
    maxBodySize?: number;
  };
  /**
   * Milliseconds a connection may wait for a request head, between requests,
   * and between body bytes; and a handler for its response to start.
   */
  timeouts: { header: number; idle: number; body: number; handler: number };
  /** Requests one worker handles at once; more get 503. */
  maxExchanges: number;
  /** The access log's format, or `null` for no access log. */
  log: LogFormat | null;
  /** Whether connections arrive over TLS (requests then have `https:` URLs). */
  secure: boolean;
  /** Log the client address from `Forwarded` / `X-Forwarded-For` (the peer is a proxy). */
  trustProxy: boolean;
  /** A path answered 200 at once, past the in-flight limit, or `null`. */
  health: string | null;
  /** A path answered with the metrics page, or `null`. */
  metrics: string | null;
}

/** What a worker has counted, reported with each `Pong`. */
export interface WorkerCounters {
  /** Responses by status code. */
  responses: Record<string, number>;
  /** Response body bytes sent. */
  bytes: number;
  /** Requests being handled now. */
  inFlight: number;
}

/** What a worker reports once its init message is handled. */
export type WorkerStatus = { kind: "ready" } | { kind: "failed"; message: string };
