/**
 * Rule: the one way an exchange answers, whatever the protocol: a response
 * stream. HTTP/1 gives one per connection (`http1_response.ts`: the head and
 * ready parts leave as one write, a cached body by its key, a file region
 * read by the main thread); HTTP/2 one per stream (`http2/stream_response.ts`:
 * frames within the windows). `Exchange` and `sendReply` see only this.
 *
 * @module
 */

import type { WebSocketUpgrade } from "../lib/app/upgrade.ts";
import type { ResponseInit } from "../lib/http/response_framing.ts";
import type { FileRegion } from "../lib/pool/frame_payloads.ts";

/** Where one exchange's response goes. */
export interface ResponseStream {
  /** The connection's id on the wire (the metrics page is asked for under it). */
  readonly id: number;
  /** The client's address. */
  readonly remoteAddr: Deno.NetAddr | Deno.UnixAddr;
  /** The client is gone, or the stream was reset: nothing more can be sent. */
  readonly isGone: boolean;
  /** The request's method: a HEAD is answered with the head alone. */
  readonly method: string;
  /** When the main thread handed over the request's bytes, and when they reached this worker (`epochNow`). */
  readonly dataSentAt: number;
  readonly dataReceivedAt: number;
  /** The response's status and fields. */
  head(init: ResponseInit): void;
  /** Body bytes ready now, the reply's own or small. */
  bytes(part: Uint8Array): void;
  /** A body shared with the file cache, which the main thread may hold a copy of; may resolve once it is sent. */
  kept(part: Uint8Array): Promise<void> | void;
  /** Hands over what is ready: what follows may take a while (a stream's first chunk). */
  flush(): void;
  /** Produced bytes (a stream's chunk); resolves once there is room for more. */
  produced(part: Uint8Array): Promise<void>;
  /** A region of a file; resolves once it is sent. */
  region(region: FileRegion): Promise<void>;
  /** The response is complete; `heldMs`: how long its handler held the thread, if that was long. */
  end(heldMs: number): void;
  /** The handler failed after the head went out: the response is cut off. */
  cutOff(): void;
  /** The app accepted a WebSocket (HTTP/1.1 only). */
  upgrade(upgrade: WebSocketUpgrade): void;
  /** The app read from the request body: feed it more. */
  bodyPulled(): void;
  /** The exchange is over. */
  exchangeEnded(exchange: object): void;
}
