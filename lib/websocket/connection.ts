/**
 * The server side of one WebSocket connection as a state machine, as
 * `ServerConnection` is for HTTP/1.1: bytes go in with `receive`, events
 * come out of `nextEvent`, and frames to send come out of `message`, `ping`,
 * `pong` and `close`. It owns the rules of messages (RFC 6455 §5.4, §5.6):
 * fragments join into one message, control frames may come between them, a
 * text message is UTF-8 (checked as it arrives, so a bad byte fails at
 * once), and no message is larger than the limit. Nothing here touches a
 * socket.
 *
 * @module
 */

import { CloseCode, decodeClose, encodeClose, WebSocketError } from "./close.ts";
import { type FrameHeader, frameHeader, Opcode, parseFrameHeader } from "./frame.ts";
import { applyMask } from "./mask.ts";

/** Something that happened on the connection. */
export type WebSocketEvent =
  | { type: "message"; data: string | Uint8Array }
  | { type: "ping" | "pong"; data: Uint8Array }
  | { type: "close"; code: number; reason: string }
  | { type: "need-data" }
  /** The peer closed the TCP connection without a Close frame (reported as 1006). */
  | { type: "closed" };

/** Options for {@linkcode WebSocketConnection}. */
export interface WebSocketOptions {
  /** The largest message taken, in bytes; a larger one fails the connection with 1009. */
  maxMessageSize: number;
}

const NEED_DATA = Object.freeze({ type: "need-data" } as const);
const EMPTY = new Uint8Array(0);
const CLOSED = Object.freeze({ type: "closed" } as const);
const encoder = new TextEncoder();
/** Decodes bytes known to be ASCII, which are valid UTF-8 by themselves. */
const asciiDecoder = new TextDecoder();

/**
 * One connection's WebSocket state.
 *
 * @example A masked text frame in, an echo out
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebSocketConnection } from "./connection.ts";
 * import { encodeFrame, Opcode } from "./frame.ts";
 * const ws = new WebSocketConnection({ maxMessageSize: 1024 });
 * ws.receive(encodeFrame(Opcode.Text, new TextEncoder().encode("hi"), { mask: new Uint8Array([7, 7, 7, 7]) }));
 * assert.deepEqual(ws.nextEvent(), { type: "message", data: "hi" });
 * assert.deepEqual(ws.nextEvent(), { type: "need-data" });
 * const [header, payload] = ws.message("hi");
 * assert.deepEqual([...header, ...payload], [0x81, 2, 0x68, 0x69]);
 * ```
 */
export class WebSocketConnection {
  readonly #maxMessageSize: number;
  /** Unparsed bytes: `#bytes[#start, #end)`. Only headers and control frames wait here. */
  #bytes: Uint8Array = new Uint8Array(0);
  #start = 0;
  #end = 0;
  #eof = false;
  /** The frame whose payload is being read, and how much of it is read. */
  #frame: FrameHeader | null = null;
  #frameRead = 0;
  /** The message being assembled: its opcode, its bytes so far, and for text the decoded part. */
  #messageOpcode: number | null = null;
  #message: Uint8Array = new Uint8Array(0);
  #messageLength = 0;
  #text = "";
  /** Whether `#decoder` holds the start of a text message that came in pieces. */
  #decoding = false;
  #decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  #closeReceived = false;
  #closeSent = false;

  /** A connection whose opening handshake is done. */
  constructor(options: WebSocketOptions) {
    this.#maxMessageSize = options.maxMessageSize;
  }

  /** A Close frame has been sent: no data frame may follow it (RFC 6455 §5.5.1). */
  get closeSent(): boolean {
    return this.#closeSent;
  }

  /** A Close frame has been received: nothing after it is read. */
  get closeReceived(): boolean {
    return this.#closeReceived;
  }

  /** Takes bytes read from the peer. The array is not kept past the next `nextEvent` that needs data. */
  receive(data: Uint8Array): void {
    if (data.length === 0) return;
    if (this.#start === this.#end) {
      this.#bytes = data;
      this.#start = 0;
      this.#end = data.length;
      return;
    }
    const held = this.#bytes.subarray(this.#start, this.#end);
    const joined = new Uint8Array(held.length + data.length);
    joined.set(held);
    joined.set(data, held.length);
    this.#bytes = joined;
    this.#start = 0;
    this.#end = joined.length;
  }

  /** The peer will send nothing more. */
  receiveEof(): void {
    this.#eof = true;
  }

  /**
   * The next thing that happened. Throws {@linkcode WebSocketError} when
   * the peer broke the protocol: send {@linkcode WebSocketConnection.close}
   * with its code, then close the TCP connection (RFC 6455 §7.1.7).
   */
  nextEvent(): WebSocketEvent {
    while (!this.#closeReceived) {
      if (this.#frame === null) {
        const header = parseFrameHeader(this.#bytes, this.#start, this.#end, this.#maxMessageSize);
        if (header === null) return this.#needData();
        this.#start += header.size;
        this.#startFrame(header);
      }
      const frame = this.#frame!;
      if (frame.opcode >= Opcode.Close) {
        // Control frames are small (125 bytes): read whole, then acted on.
        if (this.#end - this.#start < frame.length) return this.#needData();
        this.#frame = null;
        return this.#control(frame, this.#unmasked(frame, frame.length));
      }
      const n = Math.min(frame.length - this.#frameRead, this.#end - this.#start);
      if (n > 0) this.#appendPayload(frame, n);
      if (this.#frameRead < frame.length) return this.#needData();
      this.#frame = null;
      if (frame.fin) return this.#endMessage();
    }
    return CLOSED;
  }

  #startFrame(header: FrameHeader): void {
    this.#frame = header;
    this.#frameRead = 0;
    if (header.opcode >= Opcode.Close) return;
    // RFC 6455 §5.4: a message's first frame has its type, the rest are continuations.
    if (header.opcode === Opcode.Continuation) {
      if (this.#messageOpcode === null) {
        throw protocolError("A continuation frame came with no message to continue");
      }
    } else if (this.#messageOpcode !== null) {
      throw protocolError("A new message began before the last one ended");
    } else this.#messageOpcode = header.opcode;
    if (this.#messageLength + header.length > this.#maxMessageSize) {
      throw new WebSocketError(CloseCode.TooBig, `A message is larger than ${this.#maxMessageSize} bytes`);
    }
  }

  /** Copies `n` payload bytes into the message, unmasking them, and checks text as it goes. */
  #appendPayload(frame: FrameHeader, n: number): void {
    const at = this.#messageLength;
    if (at + n > this.#message.length) this.#growMessage(frame, at + n);
    const piece = this.#message.subarray(at, at + n);
    piece.set(this.#bytes.subarray(this.#start, this.#start + n));
    const seen = applyMask(piece, frame.mask, this.#frameRead);
    this.#start += n;
    this.#frameRead += n;
    this.#messageLength += n;
    if (this.#messageOpcode !== Opcode.Text) return;
    // A text message that came whole is decoded once (ASCII by the faster, non-fatal decoder);
    // pieces are decoded as they come, so bad UTF-8 fails at its first byte.
    if (at === 0 && n === frame.length && frame.fin) {
      this.#text = (seen & 0x80) === 0 ? asciiDecoder.decode(piece) : this.#decode(piece, false);
    } else {
      this.#decoding = true;
      this.#text += this.#decode(piece, true);
    }
  }

  /**
   * Makes room for `needed` bytes of the message. Room doubles with the bytes that came (never with what
   * a header announces, so a large frame reserves nothing until its payload arrives), so a message in
   * any number of fragments costs amortized linear time (RFC 6455 §5.4 allows any split). A final
   * frame's end is the message's end: room stops there, so a message that came whole is sized exactly.
   */
  #growMessage(frame: FrameHeader, needed: number): void {
    const frameEnd = this.#messageLength - this.#frameRead + frame.length;
    const limit = frame.fin ? frameEnd : this.#maxMessageSize;
    const grown = new Uint8Array(Math.min(Math.max(needed, this.#message.length * 2), limit));
    grown.set(this.#message.subarray(0, this.#messageLength));
    this.#message = grown;
  }

  #endMessage(): WebSocketEvent {
    const text = this.#messageOpcode === Opcode.Text;
    if (this.#decoding) this.#text += this.#decode(EMPTY, false);
    const data = text ? this.#text : this.#message.subarray(0, this.#messageLength);
    this.#messageOpcode = null;
    this.#messageLength = 0;
    this.#text = "";
    this.#decoding = false;
    // A binary message keeps its array, which is its own; a text message's array is used again.
    if (!text) this.#message = EMPTY;
    return { type: "message", data };
  }

  #control(frame: FrameHeader, payload: Uint8Array): WebSocketEvent {
    if (frame.opcode === Opcode.Ping) return { type: "ping", data: payload };
    if (frame.opcode === Opcode.Pong) return { type: "pong", data: payload };
    const { code, reason } = decodeClose(payload);
    this.#closeReceived = true;
    return { type: "close", code, reason };
  }

  #unmasked(frame: FrameHeader, n: number): Uint8Array {
    const payload = this.#bytes.slice(this.#start, this.#start + n);
    applyMask(payload, frame.mask, 0);
    this.#start += n;
    return payload;
  }

  #decode(bytes: Uint8Array, stream: boolean): string {
    try {
      return this.#decoder.decode(bytes, { stream });
    } catch {
      this.#decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
      throw new WebSocketError(CloseCode.InvalidData, "A text message is not valid UTF-8");
    }
  }

  #needData(): WebSocketEvent {
    if (this.#eof) return CLOSED;
    // Keep only what is unparsed, not the caller's whole array.
    this.#bytes = this.#start === this.#end ? EMPTY : this.#bytes.slice(this.#start, this.#end);
    this.#end -= this.#start;
    this.#start = 0;
    return NEED_DATA;
  }

  /** A message as one unfragmented frame: its header and payload, to be written in order. */
  message(data: string | Uint8Array): [Uint8Array, Uint8Array] {
    this.#assertOpen();
    const payload = typeof data === "string" ? encoder.encode(data) : data;
    return [frameHeader(typeof data === "string" ? Opcode.Text : Opcode.Binary, payload.length), payload];
  }

  /** A Ping frame (RFC 6455 §5.5.2). */
  ping(data: Uint8Array = new Uint8Array(0)): [Uint8Array, Uint8Array] {
    this.#assertOpen();
    return [frameHeader(Opcode.Ping, data.length), data];
  }

  /** The Pong frame that answers a ping with its payload (RFC 6455 §5.5.3). */
  pong(data: Uint8Array): [Uint8Array, Uint8Array] {
    this.#assertOpen();
    return [frameHeader(Opcode.Pong, data.length), data];
  }

  /**
   * The Close frame (RFC 6455 §5.5.1), sent once: the reply to the peer's,
   * or the server's own. Nothing may be sent after it.
   */
  close(code?: number, reason = ""): [Uint8Array, Uint8Array] {
    this.#assertOpen();
    this.#closeSent = true;
    const payload = encodeClose(code, reason);
    return [frameHeader(Opcode.Close, payload.length), payload];
  }

  #assertOpen(): void {
    if (this.#closeSent) throw new Error("A close frame was sent: nothing may follow it");
  }
}

function protocolError(message: string): WebSocketError {
  return new WebSocketError(CloseCode.ProtocolError, message);
}
