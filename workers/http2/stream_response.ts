/**
 * Rule: one HTTP/2 stream as a response stream. Its head is a field block
 * (the added fields in, no reason phrase, a Content-Length only when the
 * reply knows it); its body goes through the core's windows, and a producer
 * waits until the stream's queue is out and the socket has room. A file
 * region is read here in pieces (the main thread writes whole HTTP/1 bytes
 * only); a reset stream takes nothing more.
 *
 * @module
 */

import type { WebSocketUpgrade } from "../../lib/app/upgrade.ts";
import { withAddedFields } from "../../lib/http/added_fields.ts";
import { currentHttpDate, errorText } from "../../lib/http/response.ts";
import type { ResponseInit } from "../../lib/http/response_framing.ts";
import { ErrorCode } from "../../lib/http2/frame.ts";
import type { FileRegion } from "../../lib/pool/frame_payloads.ts";
import type { BodySink } from "../body_sink.ts";
import type { ResponseStream } from "../stream.ts";

/** What a stream needs from its session. */
export interface StreamOwner {
  /** The connection: its id, the client's address, whether it is gone. */
  readonly connection: {
    readonly id: number;
    readonly remoteAddr: Deno.NetAddr | Deno.UnixAddr;
    readonly isGone: boolean;
  };
  readonly addedFields: readonly [string, string][];
  respond(stream: number, status: number, fields: [string, string][]): void;
  send(stream: number, data: Uint8Array, owned: boolean): void;
  end(stream: number): void;
  reset(stream: number, code: number): void;
  /** Resolves once `stream`'s queue is out, its window open, and the socket has room. */
  room(stream: number): Promise<void>;
  /** Bytes `stream` may send now. */
  window(stream: number): number;
  /** The reader took what was pushed: credit it to the client. */
  consumed(stream: number, bytes: number): void;
  exchangeEnded(stream: number): void;
}

/** Bytes of a file region read at a time. */
const REGION_PIECE = 65536;

/** One request's response on an HTTP/2 connection. */
export class Http2StreamResponse implements ResponseStream {
  readonly #owner: StreamOwner;
  readonly #stream: number;
  readonly method: string;
  readonly dataSentAt: number;
  readonly dataReceivedAt: number;
  /** The request body the app reads, once the exchange has one. */
  sink: BodySink | null = null;
  /** The client waits for `100 Continue` before its body (RFC 9110 §10.1.1): sent when the app first reads. */
  expectsContinue = false;
  /** Body bytes pushed to the sink and not yet credited. */
  #unread = 0;
  #stopped = false;

  /** The response on `stream` of `owner` to a `method` request whose bytes were sent and received at those times. */
  constructor(owner: StreamOwner, stream: number, method: string, sentAt: number, receivedAt: number) {
    this.#owner = owner;
    this.#stream = stream;
    this.method = method;
    this.dataSentAt = sentAt;
    this.dataReceivedAt = receivedAt;
  }

  get id(): number {
    return this.#owner.connection.id;
  }

  get remoteAddr(): Deno.NetAddr | Deno.UnixAddr {
    return this.#owner.connection.remoteAddr;
  }

  get isGone(): boolean {
    return this.#stopped || this.#owner.connection.isGone;
  }

  /** Nothing more is sent: the client reset the stream (or broke a rule on it), or the session answered it. */
  stop(): void {
    this.#stopped = true;
  }

  /** Request body bytes arrived: to the app, credited when it reads them; dropped and credited without one. */
  received(data: Uint8Array): void {
    if (this.sink === null || this.sink.closed) return this.#owner.consumed(this.#stream, data.length);
    this.sink.push(data);
    this.#unread += data.length;
  }

  head(init: ResponseInit): void {
    this.expectsContinue = false;
    const fields: [string, string][] = [];
    for (const [name, value] of withAddedFields(init.headers ?? [], this.#owner.addedFields)) {
      // The length is the reply's own; connection-specific fields the core drops (RFC 9113 §8.2.2).
      if (name.toLowerCase() !== "content-length") fields.push([name, value]);
    }
    const bodiless = init.status === 204 || init.status === 304;
    if (init.contentLength !== undefined && !bodiless) {
      fields.push(["content-length", String(init.contentLength)]);
    }
    fields.push(["date", currentHttpDate()], ["server", "weft"]);
    this.#owner.respond(this.#stream, init.status, fields);
  }

  /** Answers with an error of weft's own, worded as HTTP/1's, and ends; returns the body's length. */
  refuse(status: number, message: string): number {
    const text = new TextEncoder().encode(errorText(status, message));
    const headers: [string, string][] = [["content-type", "text/plain; charset=utf-8"]];
    // RFC 9110 §10.2.3: a 503 says when to try again.
    if (status === 503) headers.push(["retry-after", "1"]);
    this.head({ status, headers, contentLength: text.length });
    this.bytes(text);
    this.end();
    return text.length;
  }

  bytes(part: Uint8Array): void {
    if (!this.isGone) this.#owner.send(this.#stream, part, true);
  }

  async kept(part: Uint8Array): Promise<void> {
    // A cached body goes in pieces the windows take at once: a stream whose window stays shut holds nothing.
    for (let at = 0; at < part.length && !this.isGone;) {
      await this.#owner.room(this.#stream);
      const piece = part.subarray(at, at + Math.min(REGION_PIECE, this.#owner.window(this.#stream)));
      at += piece.length;
      if (piece.length > 0) this.#owner.send(this.#stream, piece, true);
    }
  }

  flush(): void {
    // Each part is handed to the session as it comes; nothing waits here.
  }

  async produced(part: Uint8Array): Promise<void> {
    if (this.isGone) return;
    this.#owner.send(this.#stream, part, false);
    await this.#owner.room(this.#stream);
  }

  async region(region: FileRegion): Promise<void> {
    // The file and one buffer for the whole region, opened and made once the window first opens (a stream whose
    // client keeps it shut holds neither). The buffer is read into again only after `room()`: by then the session
    // has handed this turn's output to the main thread (or copied what must wait).
    let file: Deno.FsFile | null = null;
    let piece: Uint8Array | null = null;
    try {
      for (let at = region.start; at < region.end && !this.isGone;) {
        await this.#owner.room(this.#stream);
        const want = Math.min(REGION_PIECE, region.end - at, this.#owner.window(this.#stream));
        if (want === 0 || this.isGone) continue;
        if (file === null) {
          file = await Deno.open(region.path);
          await file.seek(at, Deno.SeekMode.Start);
        }
        piece ??= new Uint8Array(Math.min(REGION_PIECE, region.end - region.start));
        const n = await file.read(piece.subarray(0, want));
        if (n === null) throw new Error(`${region.path} ended at ${at} of ${region.end} bytes`);
        at += n;
        this.#owner.send(this.#stream, piece.subarray(0, n), false);
      }
    } finally {
      file?.close();
    }
  }

  end(): void {
    if (!this.isGone) this.#owner.end(this.#stream);
  }

  cutOff(): void {
    if (!this.isGone) this.#owner.reset(this.#stream, ErrorCode.INTERNAL_ERROR);
  }

  upgrade(_upgrade: WebSocketUpgrade): void {
    // RFC 8441 is not spoken: an app cannot accept a WebSocket over HTTP/2 (no Upgrade field reaches it).
    throw new Error("a WebSocket over HTTP/2 is not supported");
  }

  bodyPulled(): void {
    if (this.isGone) return;
    if (this.expectsContinue) {
      this.expectsContinue = false;
      this.#owner.respond(this.#stream, 100, []);
    }
    if (this.#unread === 0) return;
    this.#owner.consumed(this.#stream, this.#unread);
    this.#unread = 0;
  }

  exchangeEnded(): void {
    this.#owner.exchangeEnded(this.#stream);
  }
}
