/**
 * Sending a reply's bytes: the head, then each body part in order — bytes,
 * file slices, streams — framed by the protocol core and handed to the main
 * thread under the flow rules (`lib/pool/flow.ts`): bytes the reply owns go
 * at once, large cached bodies by the key the main thread keeps them under,
 * read or produced bytes through the connection's window.
 * An answer to HEAD sends the head alone.
 *
 * @module
 */

import { SOLO_PAYLOAD } from "../lib/pool/flow.ts";
import type { FileRegion } from "../lib/pool/frame_payloads.ts";
import { assertBytes, type Reply } from "../lib/reply.ts";
import type { Connection } from "./connection.ts";
import type { Exchange } from "./exchange.ts";

/**
 * Sends `reply` on `connection`, then ends the response. Returns early if
 * the connection goes; a stream left unfinished is cancelled.
 */
export async function sendReply(connection: Connection, reply: Reply, exchange: Exchange): Promise<void> {
  if (connection.isGone) return;
  const { protocol } = connection;
  exchange.responding(reply.status);
  if (reply.upgrade !== undefined) return connection.upgrade(reply.upgrade);
  const { status, reason, contentLength } = reply;
  const timing = exchange.serverTiming();
  const headers = timing === null
    ? reply.headers
    : [...reply.headers, ["Server-Timing", timing] as [string, string]];
  // What is ready leaves as one piece: the head with the parts that follow it at once.
  const ready = [protocol.respond({ status, reason, headers, contentLength })];
  // RFC 9110 §9.3.2: HEAD gets GET's fields and no content; handlers answer it as GET, and this is the one
  // place that leaves the body out (its files are closed with the exchange, its streams cancelled here).
  if (protocol.method === "HEAD") {
    for (const part of reply.body) if (part instanceof ReadableStream) await part.cancel();
    return connection.endResponse(ready, exchange.heldThread);
  }
  for (const part of reply.body) {
    // Small parts are ready at once, and so are parts the reply owns, however large.
    if (part instanceof Uint8Array && (part.length < SOLO_PAYLOAD || !reply.sharedBody)) {
      ready.push(protocol.sendBody(part));
      exchange.bytes += part.length;
      continue;
    }
    connection.write(ready.splice(0));
    if (part instanceof Uint8Array) {
      const framed = protocol.sendBody(part);
      exchange.bytes += part.length;
      // Framed as is (a length), the cached body goes by its key; otherwise the framed copy is the reply's own.
      if (framed === part) connection.writeKept(part);
      else connection.write(framed);
    } else if (part instanceof ReadableStream) await sendStream(connection, part, exchange);
    else await sendRegion(connection, part, exchange);
    if (connection.isGone) return;
  }
  connection.endResponse(ready, exchange.heldThread);
}

/** Frames a piece of body, counts it for the log, and sends it through the window. */
function sendPiece(connection: Connection, data: Uint8Array, exchange: Exchange): Promise<void> {
  exchange.bytes += data.length;
  return connection.writeAcked(connection.protocol.sendBody(data));
}

/** Has the main thread send a file region (flow rule 10), and waits until it is out. */
async function sendRegion(connection: Connection, region: FileRegion, exchange: Exchange): Promise<void> {
  // The protocol counts the region's bytes against the Content-Length, though they never pass through here.
  connection.protocol.sendBody(region.end - region.start);
  exchange.bytes += region.end - region.start;
  await connection.writeFile(region);
}

/** Sends what a stream yields, each chunk as it comes; a stream left unfinished is cancelled. */
async function sendStream(
  connection: Connection,
  stream: ReadableStream<Uint8Array>,
  exchange: Exchange,
): Promise<void> {
  const reader = stream.getReader();
  // An abandoned exchange cancels the stream even while a read waits: the app's cancel() runs.
  const cancel = () => reader.cancel(exchange.cancelled.reason).catch(() => {});
  exchange.cancelled.addEventListener("abort", cancel, { once: true });
  let done = false;
  try {
    while (!connection.isGone) {
      const step = await reader.read();
      if ((done = step.done)) return;
      // Thrown here, the exchange ends the response without its last chunk: the client sees it cut off.
      assertBytes(step.value);
      if (!connection.isGone) await sendPiece(connection, step.value, exchange);
    }
  } finally {
    exchange.cancelled.removeEventListener("abort", cancel);
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
