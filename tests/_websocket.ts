/**
 * A raw WebSocket client for the tests: the handshake and frames written by
 * hand over a TCP socket, and the server's frames read without weft's
 * parser, so what a test sees is what was on the wire.
 *
 * @module
 */

import { encodeFrame } from "../lib/websocket/frame.ts";
import { writeAll } from "./_helpers.ts";

const enc = new TextEncoder();
const KEY = "dGhlIHNhbXBsZSBub25jZQ==";

/** A frame as the server sent it. */
export interface ServerFrame {
  fin: boolean;
  opcode: number;
  payload: Uint8Array;
}

/** A raw WebSocket connection after its handshake. */
export interface RawSocket {
  conn: Deno.Conn;
  /** The 101's head, as text. */
  head: string;
  /** Sends a client frame (masked, unless `masked` is false). */
  send(
    opcode: number,
    payload: Uint8Array | string,
    options?: { fin?: boolean; masked?: boolean },
  ): Promise<void>;
  /** The next frame, or `null` once the server closed the connection. Throws after `timeoutMs` of silence. */
  next(timeoutMs?: number): Promise<ServerFrame | null>;
  close(): void;
}

/**
 * Opens `path` on `port` with a handshake of `headers` (added to a valid
 * one). Resolves with the socket when the answer is 101; otherwise throws
 * with the answer's head.
 */
export async function rawWebSocket(
  port: number,
  path = "/",
  headers: Record<string, string> = {},
): Promise<RawSocket> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const fields = {
    upgrade: "websocket",
    connection: "Upgrade",
    "sec-websocket-key": KEY,
    "sec-websocket-version": "13",
    ...headers,
  };
  const request = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
    Object.entries(fields).map(([name, value]) => `${name}: ${value}\r\n`).join("") + "\r\n";
  await conn.write(enc.encode(request));
  let buffered = new Uint8Array(0);
  const fill = async (timeoutMs: number): Promise<boolean> => {
    const chunk = new Uint8Array(65536);
    let timedOut = false;
    const timer = setTimeout(() => (timedOut = true, conn.close()), timeoutMs);
    try {
      const n = await conn.read(chunk);
      if (n === null) return false;
      const joined = new Uint8Array(buffered.length + n);
      joined.set(buffered);
      joined.set(chunk.subarray(0, n), buffered.length);
      buffered = joined;
      return true;
    } catch (e) {
      if (timedOut) throw new Error(`nothing from the server within ${timeoutMs} ms`);
      // A reset is the server closing too.
      if (e instanceof Deno.errors.ConnectionReset || e instanceof Deno.errors.BadResource) return false;
      throw e;
    } finally {
      clearTimeout(timer);
    }
  };
  let end: number;
  while ((end = new TextDecoder("latin1").decode(buffered).indexOf("\r\n\r\n")) === -1) {
    if (!(await fill(5000))) throw new Error("the server closed during the handshake");
  }
  const head = new TextDecoder("latin1").decode(buffered.subarray(0, end));
  buffered = buffered.slice(end + 4);
  if (!head.startsWith("HTTP/1.1 101 ")) {
    conn.close();
    throw new Error(head);
  }
  const socket: RawSocket = {
    conn,
    head,
    send: (opcode, payload, options = {}) => {
      const bytes = typeof payload === "string" ? enc.encode(payload) : payload;
      const mask = options.masked === false ? undefined : crypto.getRandomValues(new Uint8Array(4));
      return writeAll(conn, encodeFrame(opcode, bytes, { fin: options.fin, mask }));
    },
    next: async (timeoutMs = 5000) => {
      for (;;) {
        const frame = readServerFrame(buffered);
        if (frame !== null) {
          buffered = buffered.slice(frame.size);
          return frame.frame;
        }
        if (!(await fill(timeoutMs))) return null;
      }
    },
    close: () => {
      try {
        conn.close();
      } catch {
        // Closed already.
      }
    },
  };
  return socket;
}

/** Reads one unmasked server frame from the start of `bytes`, or `null` if it is not all there. */
function readServerFrame(bytes: Uint8Array): { frame: ServerFrame; size: number } | null {
  if (bytes.length < 2) return null;
  let length = bytes[1] & 0x7f;
  let at = 2;
  if (bytes[1] & 0x80) throw new Error("the server masked a frame (RFC 6455 §5.1 forbids it)");
  if (length === 126) {
    if (bytes.length < 4) return null;
    length = bytes[2] << 8 | bytes[3];
    at = 4;
  } else if (length === 127) {
    if (bytes.length < 10) return null;
    length = Number(new DataView(bytes.buffer, bytes.byteOffset + 2, 8).getBigUint64(0));
    at = 10;
  }
  if (bytes.length < at + length) return null;
  const frame = {
    fin: (bytes[0] & 0x80) !== 0,
    opcode: bytes[0] & 0x0f,
    payload: bytes.slice(at, at + length),
  };
  return { frame, size: at + length };
}

/** A Close frame's code and reason. */
export function closeOf(frame: ServerFrame | null): { code: number; reason: string } | null {
  if (frame === null || frame.opcode !== 0x8) return null;
  if (frame.payload.length < 2) return { code: 1005, reason: "" };
  return {
    code: frame.payload[0] << 8 | frame.payload[1],
    reason: new TextDecoder().decode(frame.payload.subarray(2)),
  };
}

/** Opens a WebSocket with Deno's client and waits until it is open. */
export async function openWebSocket(url: string, protocols?: string | string[]): Promise<WebSocket> {
  const socket = new WebSocket(url, protocols);
  socket.binaryType = "arraybuffer";
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = (e) => reject(new Error(`could not open ${url}: ${(e as ErrorEvent).message}`));
  });
  return socket;
}

/** Closes a socket from Deno's client and resolves with the close event's code, reason and cleanliness. */
export function closeWebSocket(
  socket: WebSocket,
  code?: number,
  reason?: string,
): Promise<[number, string, boolean]> {
  const closed = new Promise<[number, string, boolean]>((resolve) => {
    socket.onclose = (e) => resolve([e.code, e.reason, e.wasClean]);
  });
  socket.close(code, reason);
  return closed;
}

/** `promise`, or a rejection naming `what` if it has not settled within `ms`: a stuck test says where. */
export async function within<T>(promise: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Collects a socket's messages; each call of the function returned takes the next, waiting for it. */
export function inbox(socket: WebSocket): (what: string) => Promise<unknown> {
  const queued: unknown[] = [];
  let wake = () => {};
  socket.onmessage = (event) => (queued.push(event.data), wake());
  return (what) =>
    within(
      (async () => {
        while (queued.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        return queued.shift();
      })(),
      what,
    );
}
