/**
 * The socket an app gets from `Deno.upgradeWebSocket` under weft: the
 * WebSocket API of the web platform and of Deno's server sockets (events,
 * `on…` handlers, `send`, `close`, `readyState`, `bufferedAmount`,
 * `binaryType`, `protocol`). It knows no connection: the worker's session
 * opens it with a {@linkcode SocketLink} and reports what arrives through
 * the socket's {@linkcode SocketControl}.
 *
 * @module
 */

import { isValidCloseCode, MAX_REASON_BYTES } from "../websocket/close.ts";

/** What an open socket's connection does for it. */
export interface SocketLink {
  /** Sends one message. */
  send(data: string | Uint8Array): void;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
  /** Bytes sent and not yet written to the client. */
  readonly bufferedAmount: number;
}

/** How the session drives a socket. */
export interface SocketControl {
  /** The 101 is on its way: the socket is open. */
  open(link: SocketLink): void;
  /** A message arrived. */
  message(data: string | Uint8Array): void;
  /** The connection failed (an error event follows, then close). */
  error(message: string): void;
  /** The connection is over. */
  closed(code: number, reason: string, wasClean: boolean): void;
}

type Handler = ((event: Event) => unknown) | null;
const HANDLED = ["open", "message", "error", "close"] as const;
const encoder = new TextEncoder();

/**
 * A server-side WebSocket.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ServerWebSocket } from "./websocket.ts";
 * const { socket, control } = ServerWebSocket.create("ws://localhost/chat", "");
 * const sent: unknown[] = [];
 * socket.onmessage = (event) => socket.send(`echo ${(event as MessageEvent).data}`);
 * control.open({ send: (data) => sent.push(data), close() {}, bufferedAmount: 0 });
 * control.message("hi");
 * assert.deepEqual([socket.readyState, sent], [ServerWebSocket.OPEN, ["echo hi"]]);
 * ```
 */
export class ServerWebSocket extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;
  /** The URL the client asked for, as `ws:` or `wss:`. */
  readonly url: string;
  /** The subprotocol agreed on, or `""`. */
  readonly protocol: string;
  /** Extensions agreed on: none (`permessage-deflate` is declined). */
  readonly extensions = "";
  #state = 0;
  #link: SocketLink | null = null;
  #binaryType: BinaryType = "arraybuffer";
  /** A close asked for before the socket opened. */
  #pendingClose: [number | undefined, string | undefined] | null = null;
  /** Sends waiting behind a Blob being read, so messages keep their order. */
  #queue: (string | Uint8Array | Blob)[] = [];
  readonly #handlers = new Map<string, Handler>();

  private constructor(url: string, protocol: string) {
    super();
    this.url = url;
    this.protocol = protocol;
  }

  /** A socket not yet open, and the control its session drives it with. */
  static create(url: string, protocol: string): { socket: ServerWebSocket; control: SocketControl } {
    const socket = new ServerWebSocket(url, protocol);
    return { socket, control: socket.#control() };
  }

  /** `CONNECTING` until the 101 is sent, `OPEN`, `CLOSING` once a close is under way, `CLOSED`. */
  get readyState(): number {
    return this.#state;
  }

  /** How binary messages are given: `arraybuffer` (the default for server sockets, as in Deno) or `blob`. */
  get binaryType(): BinaryType {
    return this.#binaryType;
  }
  set binaryType(value: BinaryType) {
    if (value === "arraybuffer" || value === "blob") this.#binaryType = value;
  }

  /** Bytes sent and not yet written to the client. */
  get bufferedAmount(): number {
    return this.#state === ServerWebSocket.OPEN ? this.#link!.bufferedAmount : 0;
  }

  /** Sends a message: text for a string, binary for bytes or a Blob. Ignored once closing. */
  send(data: string | ArrayBufferLike | ArrayBufferView | Blob): void {
    if (this.#state === ServerWebSocket.CONNECTING) {
      throw new DOMException("'readyState' not OPEN", "InvalidStateError");
    }
    if (this.#state !== ServerWebSocket.OPEN) return;
    const message = typeof data === "string" || data instanceof Blob
      ? data
      : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : data instanceof ArrayBuffer || data instanceof SharedArrayBuffer
      ? new Uint8Array(data)
      : String(data);
    if (this.#queue.length > 0 || message instanceof Blob) {
      this.#queue.push(message);
      if (this.#queue.length === 1) void this.#drainQueue();
    } else this.#link!.send(message);
  }

  /**
   * Starts the closing handshake with an optional code (1000, 3000–4999, or
   * another a Close frame may carry) and a reason of at most 123 bytes.
   */
  close(code?: number, reason?: string): void {
    if (code !== undefined && !isValidCloseCode(code)) {
      throw new DOMException(`The close code ${code} may not be sent`, "InvalidAccessError");
    }
    if (reason !== undefined && encoder.encode(reason).length > MAX_REASON_BYTES) {
      throw new DOMException(
        `The close reason may not be longer than ${MAX_REASON_BYTES} bytes`,
        "SyntaxError",
      );
    }
    if (this.#state === ServerWebSocket.CONNECTING) this.#pendingClose = [code, reason];
    else if (this.#state === ServerWebSocket.OPEN) this.#link!.close(code, reason);
    else return;
    this.#state = ServerWebSocket.CLOSING;
  }

  /** Handles `open` events; one handler, beside any listeners. */
  get onopen(): Handler {
    return this.#handlers.get("open") ?? null;
  }
  set onopen(handler: Handler) {
    this.#setHandler("open", handler);
  }
  /** Handles `message` events. */
  get onmessage(): Handler {
    return this.#handlers.get("message") ?? null;
  }
  set onmessage(handler: Handler) {
    this.#setHandler("message", handler);
  }
  /** Handles `error` events. */
  get onerror(): Handler {
    return this.#handlers.get("error") ?? null;
  }
  set onerror(handler: Handler) {
    this.#setHandler("error", handler);
  }
  /** Handles `close` events. */
  get onclose(): Handler {
    return this.#handlers.get("close") ?? null;
  }
  set onclose(handler: Handler) {
    this.#setHandler("close", handler);
  }

  #setHandler(type: typeof HANDLED[number], handler: Handler): void {
    const old = this.#handlers.get(type);
    if (old) this.removeEventListener(type, old);
    this.#handlers.set(type, typeof handler === "function" ? handler : null);
    if (typeof handler === "function") this.addEventListener(type, handler);
  }

  async #drainQueue(): Promise<void> {
    while (this.#queue.length > 0) {
      const next = this.#queue[0];
      const data = next instanceof Blob ? new Uint8Array(await next.arrayBuffer()) : next;
      if (this.#state === ServerWebSocket.OPEN) this.#link!.send(data);
      this.#queue.shift();
    }
  }

  #control(): SocketControl {
    return {
      open: (link) => {
        this.#link = link;
        if (this.#pendingClose !== null) return link.close(...this.#pendingClose);
        this.#state = ServerWebSocket.OPEN;
        this.dispatchEvent(new Event("open"));
      },
      message: (data) => {
        if (this.#state !== ServerWebSocket.OPEN) return;
        const event = typeof data === "string"
          ? data
          : this.#binaryType === "blob"
          ? new Blob([data as Uint8Array<ArrayBuffer>])
          : toArrayBuffer(data);
        this.dispatchEvent(new MessageEvent("message", { data: event }));
      },
      error: (message) => {
        this.dispatchEvent(new ErrorEvent("error", { message, error: new Error(message) }));
      },
      closed: (code, reason, wasClean) => {
        if (this.#state === ServerWebSocket.CLOSED) return;
        this.#state = ServerWebSocket.CLOSED;
        this.#queue.length = 0;
        this.dispatchEvent(new CloseEvent("close", { code, reason, wasClean }));
      },
    };
  }
}

/** The bytes as an ArrayBuffer of their own, without a copy when they are one already. */
function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return (whole ? bytes.buffer : bytes.slice().buffer) as ArrayBuffer;
}
