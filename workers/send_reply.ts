/**
 * Sending a reply through its response stream: the head, then each body part
 * in order — bytes, file slices, streams — as the stream takes them: bytes
 * the reply owns and small ones at once, large cached bodies as shared, read
 * or produced bytes through the stream's window. An answer to HEAD sends the
 * head alone.
 *
 * @module
 */

import { SOLO_PAYLOAD } from "../lib/pool/flow.ts";
import { assertBytes, type Reply } from "../lib/reply.ts";
import type { Exchange } from "./exchange.ts";
import type { ResponseStream } from "./stream.ts";

/**
 * Sends `reply` on `stream`, then ends the response. Returns early if the
 * stream goes; a body stream left unfinished is cancelled.
 */
export async function sendReply(stream: ResponseStream, reply: Reply, exchange: Exchange): Promise<void> {
  if (stream.isGone) return;
  exchange.responding(reply.status);
  if (reply.upgrade !== undefined) return stream.upgrade(reply.upgrade);
  const { status, reason, contentLength } = reply;
  const timing = exchange.serverTiming();
  const headers = timing === null
    ? reply.headers
    : [...reply.headers, ["Server-Timing", timing] as [string, string]];
  stream.head({ status, reason, headers, contentLength });
  // RFC 9110 §9.3.2: HEAD gets GET's fields and no content; handlers answer it as GET, and this is the one
  // place that leaves the body out (its files are closed with the exchange, its streams cancelled here).
  if (stream.method === "HEAD") {
    for (const part of reply.body) if (part instanceof ReadableStream) await part.cancel();
    return stream.end(exchange.heldThread);
  }
  for (const part of reply.body) {
    if (part instanceof Uint8Array) {
      exchange.bytes += part.length;
      // Small parts are ready at once, and so are parts the reply owns, however large.
      if (part.length < SOLO_PAYLOAD || !reply.sharedBody) stream.bytes(part);
      else await stream.kept(part);
      if (stream.isGone) return;
      continue;
    }
    // Sent now, the head does not wait for a stream's first chunk (server-sent events need it at once).
    stream.flush();
    if (part instanceof ReadableStream) await sendStream(stream, part, exchange);
    else {
      exchange.bytes += part.end - part.start;
      await stream.region(part);
    }
    if (stream.isGone) return;
  }
  stream.end(exchange.heldThread);
}

/** Sends what a body stream yields, each chunk as it comes; a stream left unfinished is cancelled. */
async function sendStream(
  stream: ResponseStream,
  body: ReadableStream<Uint8Array>,
  exchange: Exchange,
): Promise<void> {
  const reader = body.getReader();
  // An abandoned exchange cancels the stream even while a read waits: the app's cancel() runs.
  const cancel = () => reader.cancel(exchange.cancelled.reason).catch(() => {});
  exchange.cancelled.addEventListener("abort", cancel, { once: true });
  let done = false;
  try {
    while (!stream.isGone) {
      const step = await reader.read();
      if ((done = step.done)) return;
      // Thrown here, the exchange ends the response without its last chunk: the client sees it cut off.
      assertBytes(step.value);
      if (stream.isGone) continue;
      exchange.bytes += step.value.length;
      await stream.produced(step.value);
    }
  } finally {
    exchange.cancelled.removeEventListener("abort", cancel);
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
