/**
 * Rule: an HTTP/1 connection as a response stream. The head and the parts
 * ready with it leave as one write; a cached body goes by the key the main
 * thread keeps it under when it needs no framing; produced bytes go through
 * the connection's window, file regions are read and written by the main
 * thread (`lib/pool/flow.ts`).
 *
 * @module
 */

import type { WebSocketUpgrade } from "../lib/app/upgrade.ts";
import type { ResponseInit } from "../lib/http/response_framing.ts";
import type { FileRegion } from "../lib/pool/frame_payloads.ts";
import type { Connection } from "./connection.ts";
import type { Exchange } from "./exchange.ts";
import type { ResponseStream } from "./stream.ts";

/** The response side of one HTTP/1 connection. */
export class Http1Response implements ResponseStream {
  readonly #connection: Connection;
  /** Bytes framed and not yet handed over: they leave together at the next part that cannot wait. */
  #ready: Uint8Array[] = [];

  /** The response stream of `connection`. */
  constructor(connection: Connection) {
    this.#connection = connection;
  }

  get id(): number {
    return this.#connection.id;
  }

  get remoteAddr(): Deno.NetAddr | Deno.UnixAddr {
    return this.#connection.remoteAddr;
  }

  get isGone(): boolean {
    return this.#connection.isGone;
  }

  get method(): string {
    return this.#connection.protocol.method;
  }

  get dataSentAt(): number {
    return this.#connection.dataSentAt;
  }

  get dataReceivedAt(): number {
    return this.#connection.dataReceivedAt;
  }

  head(init: ResponseInit): void {
    this.#ready = [this.#connection.protocol.respond(init)];
  }

  bytes(part: Uint8Array): void {
    this.#ready.push(this.#connection.protocol.sendBody(part));
  }

  kept(part: Uint8Array): void {
    this.flush();
    const framed = this.#connection.protocol.sendBody(part);
    // Framed as is (a length), the cached body goes by its key; otherwise the framed copy is the reply's own.
    if (framed === part) this.#connection.writes.kept(part);
    else this.#connection.write(framed);
  }

  produced(part: Uint8Array): Promise<void> {
    this.flush();
    return this.#connection.writes.acked(this.#connection.protocol.sendBody(part));
  }

  region(region: FileRegion): Promise<void> {
    this.flush();
    // The protocol counts the region's bytes against the Content-Length, though they never pass through here.
    this.#connection.protocol.sendBody(region.end - region.start);
    return this.#connection.writes.file(region);
  }

  end(heldMs: number): void {
    this.#connection.endResponse(this.#ready, heldMs);
    this.#ready = [];
  }

  cutOff(): void {
    this.#connection.write(this.#connection.protocol.respondToError(500, "The server failed to answer"));
  }

  upgrade(upgrade: WebSocketUpgrade): void {
    this.#connection.upgrade(upgrade);
  }

  bodyPulled(): void {
    this.#connection.bodyPulled();
  }

  exchangeEnded(exchange: Exchange): void {
    this.#connection.exchangeEnded(exchange);
  }

  flush(): void {
    this.#connection.write(this.#ready);
    this.#ready = [];
  }
}
